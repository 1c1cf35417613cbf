package org.vmm4j.image;

import org.vmm4j.VmmException;

/** A disk image or seed image could not be written or read: the message names the file and what failed. */
public class ImageException extends VmmException {
    private static final long serialVersionUID = 1L;

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
