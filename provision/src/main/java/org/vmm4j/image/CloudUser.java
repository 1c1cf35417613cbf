package org.vmm4j.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A user for cloud-init's {@code users} list: name, SSH keys, an optional SHA-512 password hash,
 * groups, shell and sudo rule. Build with {@link #builder(String)}.
 */
public final class CloudUser {
    private final String name;
    private final List<String> sshAuthorizedKeys;
    private final PasswordHash password;
    private final List<String> groups;
    private final String shell;
    private final String sudo;
    private final String gecos;

    private CloudUser(Builder b) {
        this.name = CloudNames.account(b.name, "user name");
        this.sshAuthorizedKeys = List.copyOf(b.keys);
        this.password = b.password;
        this.groups = List.copyOf(b.groups);
        this.shell = b.shell;
        this.sudo = b.sudo;
        this.gecos = b.gecos;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public List<String> sshAuthorizedKeys() {
        return sshAuthorizedKeys;
    }

    public Optional<PasswordHash> password() {
        return Optional.ofNullable(password);
    }

    Map<String, Object> toYamlMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        if (gecos != null) {
            m.put("gecos", gecos);
        }
        if (!groups.isEmpty()) {
            m.put("groups", String.join(", ", groups));
        }
        if (shell != null) {
            m.put("shell", shell);
        }
        if (sudo != null) {
            m.put("sudo", sudo);
        }
        // cloud-init locks the password by default; a hash given here is meant to be usable.
        m.put("lock_passwd", password == null);
        if (password != null) {
            m.put("passwd", password.value());
        }
        if (!sshAuthorizedKeys.isEmpty()) {
            m.put("ssh_authorized_keys", sshAuthorizedKeys);
        }
        return m;
    }

    @Override
    public String toString() {
        return "CloudUser[" + name + ", " + sshAuthorizedKeys.size() + " keys, password "
                + (password == null ? "none" : "set") + ", groups " + groups + "]";
    }

    /** Builder; names and keys are validated as they are added. */
    public static final class Builder {
        private final String name;
        private final List<String> keys = new ArrayList<>();
        private final List<String> groups = new ArrayList<>();
        private PasswordHash password;
        private String shell = "/bin/bash";
        private String sudo;
        private String gecos;

        private Builder(String name) {
            this.name = name;
        }

        /** Adds one OpenSSH public key line ({@code ssh-ed25519 AAAA... comment}). */
        public Builder sshAuthorizedKey(String key) {
            keys.add(CloudNames.sshPublicKey(key));
            return this;
        }

        public Builder password(PasswordHash hash) {
            this.password = Objects.requireNonNull(hash, "hash");
            return this;
        }

        public Builder group(String group) {
            groups.add(CloudNames.account(group, "group name"));
            return this;
        }

        public Builder shell(String path) {
            this.shell = CloudNames.guestPath(path);
            return this;
        }

        /** A sudoers rule, e.g. {@code ALL=(ALL) NOPASSWD:ALL}. */
        public Builder sudo(String rule) {
            this.sudo = CloudNames.oneLine(rule, "sudo rule");
            return this;
        }

        public Builder gecos(String text) {
            this.gecos = CloudNames.oneLine(text, "GECOS");
            return this;
        }

        public CloudUser build() {
            return new CloudUser(this);
        }
    }
}
