package org.vmm4j.provision.build;

import org.vmm4j.VmmException;

/**
 * Building a base image failed: a program is missing (the message names its apt package), a program
 * exited non-zero (the message holds the end of its output), the process is not root, or the built tree
 * lacks what the image needs. Nothing of the failed build is left in the cache.
 */
public class ImageBuildException extends VmmException {
    private static final long serialVersionUID = 1L;

    public ImageBuildException(String message) {
        super(message);
    }

    public ImageBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
