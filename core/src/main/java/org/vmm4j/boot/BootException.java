package org.vmm4j.boot;

import org.vmm4j.VmmException;

/**
 * A kernel, initrd, command line or machine shape that cannot be booted: thrown before any vCPU
 * starts, with a message that names what is wrong.
 */
public class BootException extends VmmException {
    private static final long serialVersionUID = 1L;

    public BootException(String message) {
        super(message);
    }

    public BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
