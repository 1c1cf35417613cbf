package org.vmm4j.provision;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import org.vmm4j.host.SafeNames;

/**
 * Where and how to connect: host, port, user, credentials, the known-hosts file and the policy for
 * unknown host keys. Build with {@link #builder(String, String, SshCredentials)}.
 *
 * <p>A {@code pinnedHostKey} (an OpenSSH public key line, {@code ssh-rsa AAAA...}) replaces the
 * known-hosts file and the policy: the server must present exactly that key, and nothing is recorded.
 * The provisioner pins the host key it put into the guest's seed ({@link GuestHostKey}).
 */
public record SshTarget(
        String host,
        int port,
        String user,
        SshCredentials credentials,
        Path knownHosts,
        HostKeyPolicy hostKeyPolicy,
        Duration connectTimeout,
        Optional<String> pinnedHostKey) {

    public SshTarget {
        if (host == null
                || host.isBlank()
                || host.chars().anyMatch(c -> c <= ' ' || c == '[' || c == ']' || c == ',')) {
            throw new IllegalArgumentException("SSH host must be a name or address without spaces, got '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("SSH port must be 1..65535, got " + port);
        }
        SafeNames.requireAccountName("SSH user", user);
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(knownHosts, "knownHosts");
        Objects.requireNonNull(hostKeyPolicy, "hostKeyPolicy");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive");
        }
        Objects.requireNonNull(pinnedHostKey, "pinnedHostKey");
        pinnedHostKey.ifPresent(SshTarget::pinnedKeyBlob);
    }

    /**
     * The key blob of an OpenSSH public key line ({@code TYPE BASE64 [comment]}).
     *
     * @throws IllegalArgumentException if the line is not one, or its type field and blob disagree
     */
    static byte[] pinnedKeyBlob(String publicKeyLine) {
        String[] fields = publicKeyLine.strip().split("\\s+");
        if (fields.length < 2) {
            throw new IllegalArgumentException("a pinned host key must be an OpenSSH public key line 'TYPE BASE64',"
                    + " got " + fields.length + " field(s)");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(fields[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a pinned host key's second field is not base64", e);
        }
        String type;
        try {
            type = KnownHostsFile.keyType(blob);
        } catch (SshException e) {
            throw new IllegalArgumentException("a pinned host key's blob is malformed: " + e.getMessage(), e);
        }
        if (!type.equals(fields[0])) {
            throw new IllegalArgumentException(
                    "a pinned host key says " + fields[0] + " but its blob is a " + type + " key");
        }
        return blob;
    }

    public static Builder builder(String host, String user, SshCredentials credentials) {
        return new Builder(host, user, credentials);
    }

    @Override
    public String toString() {
        return "SshTarget[" + user + "@" + host + ":" + port + ", " + credentials + ", "
                + (pinnedHostKey.isPresent() ? "pinned host key" : hostKeyPolicy) + "]";
    }

    /** Builder with defaults: port 22, ~/.ssh/known_hosts, accept-new, 10 s connect timeout. */
    public static final class Builder {
        private final String host;
        private final String user;
        private final SshCredentials credentials;
        private int port = 22;
        private Path knownHosts = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
        private HostKeyPolicy policy = HostKeyPolicy.ACCEPT_NEW;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private String pinnedHostKey;

        private Builder(String host, String user, SshCredentials credentials) {
            this.host = host;
            this.user = user;
            this.credentials = credentials;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder knownHosts(Path file) {
            this.knownHosts = file;
            return this;
        }

        public Builder hostKeyPolicy(HostKeyPolicy policy) {
            this.policy = policy;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Accepts exactly this host key ({@code ssh-rsa AAAA...}), instead of the known-hosts file; null for none. */
        public Builder pinnedHostKey(String publicKeyLine) {
            this.pinnedHostKey = publicKeyLine;
            return this;
        }

        public SshTarget build() {
            return new SshTarget(
                    host,
                    port,
                    user,
                    credentials,
                    knownHosts,
                    policy,
                    connectTimeout,
                    Optional.ofNullable(pinnedHostKey));
        }
    }
}
