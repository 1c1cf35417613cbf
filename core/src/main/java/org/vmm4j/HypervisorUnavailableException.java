package org.vmm4j;

/**
 * No usable hypervisor: the device is missing or not accessible, the kernel module is not loaded,
 * this JVM cannot make native calls, or no backend for this operating system is on the class path.
 * The message says which, and what to do about it.
 */
public class HypervisorUnavailableException extends VmmException {
    private static final long serialVersionUID = 1L;

    public HypervisorUnavailableException(String message) {
        super(message);
    }

    public HypervisorUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public HypervisorUnavailableException(String operation, int errno, String message) {
        super(operation, errno, message);
    }
}
