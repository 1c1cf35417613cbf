package org.vmm4j.provision;

/** What to do with a server host key that is not yet in the known-hosts file. A changed key is always refused. */
public enum HostKeyPolicy {
    /** Record an unknown key and continue (OpenSSH's {@code StrictHostKeyChecking=accept-new}); the default for fresh guests. */
    ACCEPT_NEW,
    /** Refuse unknown keys: the key must have been recorded before. */
    STRICT
}
