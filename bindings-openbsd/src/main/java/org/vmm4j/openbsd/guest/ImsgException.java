package org.vmm4j.openbsd.guest;

import org.vmm4j.VmmException;

/** A framing or protocol failure talking to vmd: a truncated or malformed message, a closed socket. */
public class ImsgException extends VmmException {
    private static final long serialVersionUID = 1L;

    public ImsgException(String message) {
        super(message);
    }

    public ImsgException(String message, Throwable cause) {
        super(message, cause);
    }
}
