package org.vmm4j.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code #cloud-config} user-data of a NoCloud seed: host name and FQDN, users, packages,
 * commands to run on first boot, and files to write. Build with {@link #builder()}.
 *
 * <p>Commands given as argument lists ({@link Builder#runCommand(List)}) are executed by cloud-init
 * without a shell; {@link Builder#runShell(String)} exists for the cases that need one and says so.
 */
public final class CloudConfig {
    private final Map<String, Object> document;
    private final int userCount;

    private CloudConfig(Builder b) {
        Map<String, Object> d = new LinkedHashMap<>();
        if (b.hostname != null) {
            d.put("hostname", b.hostname);
        }
        if (b.fqdn != null) {
            d.put("fqdn", b.fqdn);
            d.put("prefer_fqdn_over_hostname", true);
        }
        if (b.hostname != null || b.fqdn != null) {
            d.put("manage_etc_hosts", true);
        }
        if (!b.users.isEmpty()) {
            List<Object> users = new ArrayList<>();
            if (b.keepDefaultUser) {
                users.add("default");
            }
            b.users.forEach(u -> users.add(u.toYamlMap()));
            d.put("users", users);
        }
        if (!b.sshHostKeys.isEmpty()) {
            // The given keys replace whatever the image has, and cloud-init generates none of its own:
            // the host presents exactly these, which the creator of the seed can then pin.
            d.put("ssh_deletekeys", true);
            d.put("ssh_genkeytypes", List.of());
            d.put("ssh_keys", new LinkedHashMap<>(b.sshHostKeys));
        }
        if (b.sshPasswordAuth != null) {
            d.put("ssh_pwauth", b.sshPasswordAuth);
        }
        if (b.packageUpdate) {
            d.put("package_update", true);
        }
        if (!b.packages.isEmpty()) {
            d.put("packages", List.copyOf(b.packages));
        }
        if (!b.writeFiles.isEmpty()) {
            d.put("write_files", b.writeFiles.stream().map(WriteFile::toYamlMap).toList());
        }
        if (!b.runcmd.isEmpty()) {
            d.put("runcmd", List.copyOf(b.runcmd));
        }
        this.document = d;
        this.userCount = b.users.size();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The user-data file: the {@code #cloud-config} marker line, then the YAML document. */
    public String toUserData() {
        return "#cloud-config\n" + CloudYaml.dump(document);
    }

    @Override
    public String toString() {
        // Never the document itself: it carries password hashes and file contents.
        return "CloudConfig[" + userCount + " users, keys " + document.keySet() + "]";
    }

    /** Builder; every name, key and path is validated as it is added. */
    public static final class Builder {
        private String hostname;
        private String fqdn;
        private final List<CloudUser> users = new ArrayList<>();
        private boolean keepDefaultUser;
        private Boolean sshPasswordAuth;
        private boolean packageUpdate;
        private final List<String> packages = new ArrayList<>();
        private final List<Object> runcmd = new ArrayList<>();
        private final List<WriteFile> writeFiles = new ArrayList<>();
        private final Map<String, String> sshHostKeys = new LinkedHashMap<>();

        private Builder() {}

        public Builder hostname(String name) {
            this.hostname = CloudNames.hostname(name);
            return this;
        }

        public Builder fqdn(String name) {
            this.fqdn = CloudNames.fqdn(name);
            return this;
        }

        public Builder user(CloudUser user) {
            users.add(Objects.requireNonNull(user, "user"));
            return this;
        }

        /** Keeps the image's default user (e.g. {@code ubuntu}) besides the users added here. */
        public Builder keepDefaultUser(boolean keep) {
            this.keepDefaultUser = keep;
            return this;
        }

        /**
         * An SSH host key pair for the guest's sshd ({@code ssh_keys}, with {@code ssh_deletekeys} and no
         * generated keys): the guest then presents exactly the keys given here.
         *
         * @param type       {@code rsa}, {@code ecdsa} or {@code ed25519}
         * @param privateKey the private key file's text (PEM or OpenSSH format)
         * @param publicKey  the OpenSSH public key line ({@code ssh-rsa AAAA...})
         */
        public Builder sshHostKey(String type, String privateKey, String publicKey) {
            if (!List.of("rsa", "ecdsa", "ed25519").contains(type)) {
                throw new IllegalArgumentException(
                        "SSH host key type must be rsa, ecdsa or ed25519, got '" + type + "'");
            }
            if (privateKey == null || !privateKey.startsWith("-----BEGIN ") || privateKey.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("SSH host private key must be a PEM or OpenSSH key file's text");
            }
            CloudNames.oneLine(publicKey, "SSH host public key");
            sshHostKeys.put(type + "_private", privateKey);
            sshHostKeys.put(type + "_public", publicKey);
            return this;
        }

        public Builder sshPasswordAuthentication(boolean enabled) {
            this.sshPasswordAuth = enabled;
            return this;
        }

        /** Refresh the package index before installing ({@code package_update}). */
        public Builder packageUpdate(boolean update) {
            this.packageUpdate = update;
            return this;
        }

        public Builder packageName(String name) {
            packages.add(CloudNames.packageName(name));
            return this;
        }

        /** A first-boot command run without a shell: {@code argv.get(0)} is the program. */
        public Builder runCommand(List<String> argv) {
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("runcmd argument list is empty");
            }
            argv.forEach(a -> CloudNames.oneLine(a, "runcmd argument"));
            runcmd.add(List.copyOf(argv));
            return this;
        }

        /** A first-boot command run by {@code sh -c}: only for text the caller wrote, never for user input. */
        public Builder runShell(String command) {
            runcmd.add(CloudNames.oneLine(command, "runcmd shell command"));
            return this;
        }

        public Builder writeFile(WriteFile file) {
            writeFiles.add(Objects.requireNonNull(file, "file"));
            return this;
        }

        public CloudConfig build() {
            return new CloudConfig(this);
        }
    }
}
