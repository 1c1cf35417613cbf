package org.vmm4j.openbsd.guest;

import org.vmm4j.VmmException;

/** vmd refused an operation; {@link #result()} is its {@code vmr_result} (a VMD_* code or an errno). */
public class VmdException extends VmmException {
    private static final long serialVersionUID = 1L;

    private final int result;

    public VmdException(String operation, int result) {
        super(operation, result < 1000 ? result : 0, operation + " failed: " + VmdProtocol.describeResult(result));
        this.result = result;
    }

    /** A refusal with a message of its own (e.g. IMSG_CTL_FAIL without an errno). */
    public VmdException(String operation, int result, String message) {
        super(operation, result < 1000 ? result : 0, message);
        this.result = result;
    }

    public int result() {
        return result;
    }
}
