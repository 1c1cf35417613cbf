package org.vmm4j.provision;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.vmm4j.host.SafeNames;

/**
 * Where and how to connect: host, port, user, credentials, the known-hosts file and the policy for
 * unknown host keys. Build with {@link #builder(String, String, SshCredentials)}.
 */
public record SshTarget(
        String host,
        int port,
        String user,
        SshCredentials credentials,
        Path knownHosts,
        HostKeyPolicy hostKeyPolicy,
        Duration connectTimeout) {

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
    }

    public static Builder builder(String host, String user, SshCredentials credentials) {
        return new Builder(host, user, credentials);
    }

    @Override
    public String toString() {
        return "SshTarget[" + user + "@" + host + ":" + port + ", " + credentials + ", " + hostKeyPolicy + "]";
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

        public SshTarget build() {
            return new SshTarget(host, port, user, credentials, knownHosts, policy, connectTimeout);
        }
    }
}
