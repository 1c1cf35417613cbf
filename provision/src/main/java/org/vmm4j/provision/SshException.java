package org.vmm4j.provision;

import org.vmm4j.VmmException;
import org.vmm4j.text.Message;

/** An SSH connection, authentication, command or transfer failed; the message names host, port and user. */
public class SshException extends VmmException {
    private static final long serialVersionUID = 1L;

    public SshException(String message) {
        super(message);
    }

    public SshException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failure for people, its message {@code text} in English. */
    public SshException(Message text) {
        super(text);
    }

    /** A failure for people with its cause, its message {@code text} in English. */
    public SshException(Message text, Throwable cause) {
        super(text, cause);
    }
}
