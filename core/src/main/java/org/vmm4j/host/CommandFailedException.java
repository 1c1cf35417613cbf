package org.vmm4j.host;

import org.vmm4j.VmmException;

/**
 * A program could not be started, did not finish in time, or exited unsuccessfully where success was
 * required. {@link #operation()} names the program.
 */
public class CommandFailedException extends VmmException {
    private static final long serialVersionUID = 1L;

    public CommandFailedException(String program, String message) {
        super(program, 0, message);
    }

    public CommandFailedException(String program, String message, Throwable cause) {
        super(program, 0, message, cause);
    }
}
