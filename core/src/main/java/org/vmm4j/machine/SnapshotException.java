package org.vmm4j.machine;

import org.vmm4j.VmmException;

/**
 * A snapshot could not be taken or restored: the files are missing, truncated, damaged, of another format
 * version or tampered with, or this host or machine cannot take them. The message names the file and what
 * is wrong with it.
 */
public class SnapshotException extends VmmException {
    private static final long serialVersionUID = 1L;

    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
