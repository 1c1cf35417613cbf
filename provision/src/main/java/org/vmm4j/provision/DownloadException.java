package org.vmm4j.provision;

import org.vmm4j.VmmException;
import org.vmm4j.text.Message;

/** A download failed: the server answered with an error, the connection broke, or the cache could not be written. */
public class DownloadException extends VmmException {
    private static final long serialVersionUID = 1L;

    private final int httpStatus;

    public DownloadException(String message, int httpStatus) {
        super(message);
        this.httpStatus = httpStatus;
    }

    public DownloadException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = 0;
    }

    /** A failure for people, its message {@code text} in English; {@code httpStatus} 0 when not HTTP. */
    public DownloadException(Message text, int httpStatus) {
        super(text);
        this.httpStatus = httpStatus;
    }

    /** A failure for people with its cause, its message {@code text} in English. */
    public DownloadException(Message text, Throwable cause) {
        super(text, cause);
        this.httpStatus = 0;
    }

    /** The HTTP status the server answered with, or 0 when the failure was not an HTTP error status. */
    public int httpStatus() {
        return httpStatus;
    }
}
