package org.vmm4j.provision;

import org.vmm4j.VmmException;

/** A command could not be started, timed out, or exited unsuccessfully where success was required. */
public class CommandFailedException extends VmmException {
    private static final long serialVersionUID = 1L;

    public CommandFailedException(String message) {
        super(message);
    }

    public CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
