package org.vmm4j.provision;

import org.vmm4j.text.Message;

/**
 * The server's host key was refused: it differs from the one recorded for this host (possible
 * man-in-the-middle, or a reinstalled guest), or it is unknown and the policy requires a known key.
 */
public class HostKeyException extends SshException {
    private static final long serialVersionUID = 1L;

    /** Why the key was refused. */
    public enum Reason {
        CHANGED,
        UNKNOWN
    }

    private final Reason reason;
    private final String host;
    private final String fingerprint;

    HostKeyException(Reason reason, String host, String fingerprint, Message message) {
        super(message);
        this.reason = reason;
        this.host = host;
        this.fingerprint = fingerprint;
    }

    public Reason reason() {
        return reason;
    }

    /** The host as written in known_hosts ({@code [host]:port} for ports other than 22). */
    public String host() {
        return host;
    }

    /** SHA-256 fingerprint of the key the server presented, as {@code ssh-keygen -l} prints it. */
    public String fingerprint() {
        return fingerprint;
    }
}
