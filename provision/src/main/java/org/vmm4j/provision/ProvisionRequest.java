package org.vmm4j.provision;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.NicSpec;
import org.vmm4j.host.SafeNames;
import org.vmm4j.provision.build.BaseImageBuilder;
import org.vmm4j.provision.build.BuiltImage;

/**
 * What {@link GuestProvisioner} should create: the guest's name, hypervisor kind and base image,
 * memory, vCPUs and disk size, the user cloud-init creates (password and/or SSH public keys), the
 * network, and shell commands to run over SSH once it is up. Build with {@link #builder(String)}.
 *
 * <p>The password is kept as a {@code char[]} copy that only the seed's SHA-512 crypt hash and the
 * SSH login see; {@link #clearPassword()} wipes it. {@code toString} never shows it.
 */
public final class ProvisionRequest {
    /** Default directory for the disk and seed files: where libvirt's QEMU may read them. */
    public static final Path DEFAULT_WORK_DIRECTORY = Path.of("/var/lib/libvirt/images");

    private final String name;
    private final String hypervisor;
    private final ImageSource image;
    private final long memoryBytes;
    private final int vcpus;
    private final long diskBytes;
    private final String user;
    private final char[] password;
    private final List<String> sshAuthorizedKeys;
    private final Path sshPrivateKey;
    private final NicSpec nic;
    private final List<String> commands;
    private final Path workDirectory;
    private final BootSpec boot;
    private final Path knownHosts;
    private final int sshPort;
    private final Duration addressTimeout;
    private final Duration sshTimeout;
    private final Duration commandTimeout;
    private final ProvisionStep stopAfter;
    private final Accelerator accelerator;
    private final boolean pinHostKey;
    private final AgentSetup agent;

    private ProvisionRequest(Builder b) {
        name = b.name;
        hypervisor = b.hypervisor;
        image = b.image;
        memoryBytes = b.memoryBytes;
        vcpus = b.vcpus;
        diskBytes = b.diskBytes;
        user = b.user;
        password = b.password == null ? null : b.password.clone();
        sshAuthorizedKeys = List.copyOf(b.sshAuthorizedKeys);
        sshPrivateKey = b.sshPrivateKey;
        nic = b.nic;
        commands = List.copyOf(b.commands);
        workDirectory = b.workDirectory;
        boot = b.boot;
        knownHosts = b.knownHosts;
        sshPort = b.sshPort;
        addressTimeout = b.addressTimeout;
        sshTimeout = b.sshTimeout;
        commandTimeout = b.commandTimeout;
        stopAfter = b.stopAfter;
        accelerator = b.accelerator;
        pinHostKey = b.pinHostKey;
        agent = b.agent;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Checks everything that can be checked without touching the host beyond reading the work
     * directory: names, sizes, account name, that commands have credentials to run with.
     *
     * @throws InvalidRequestException (an {@link IllegalArgumentException}) naming the first problem
     */
    public void validate() {
        try {
            SafeNames.require("guest name", name, GuestSpec.MAX_NAME_LENGTH);
        } catch (IllegalArgumentException e) {
            throw invalid("request.guest-name", SafeNames.printable(String.valueOf(name)), GuestSpec.MAX_NAME_LENGTH);
        }
        if (!ImageCatalog.HYPERVISORS.contains(hypervisor)) {
            throw invalid(
                    "request.hypervisor",
                    String.join(", ", ImageCatalog.HYPERVISORS.stream().sorted().toList()),
                    String.valueOf(hypervisor));
        }
        if (image == null) {
            throw invalid("request.no-image");
        }
        if (memoryBytes < 64L << 20) {
            throw invalid("request.memory", String.valueOf(memoryBytes));
        }
        if (vcpus < 1 || vcpus > 1024) {
            throw invalid("request.vcpus", String.valueOf(vcpus));
        }
        if (diskBytes < 0 || diskBytes % 512 != 0) {
            throw invalid("request.disk-size", String.valueOf(diskBytes));
        }
        if (user != null) {
            try {
                SafeNames.requireAccountName("user", user);
            } catch (IllegalArgumentException e) {
                throw invalid("request.user", SafeNames.ACCOUNT_NAME, SafeNames.printable(user));
            }
        }
        if (user == null && (password != null || !sshAuthorizedKeys.isEmpty())) {
            throw invalid("request.credentials-without-user");
        }
        if (password != null && password.length == 0) {
            throw invalid("request.empty-password");
        }
        if (!commands.isEmpty() && (user == null || (password == null && sshPrivateKey == null))) {
            throw invalid("request.commands-need-login");
        }
        if (agent != null && (user == null || (password == null && sshPrivateKey == null))) {
            throw invalid("request.agent-needs-login");
        }
        if (sshPrivateKey != null && !Files.isReadable(sshPrivateKey)) {
            throw invalid("request.private-key", sshPrivateKey.toString());
        }
        for (String c : commands) {
            if (c.isBlank() || c.indexOf('\0') >= 0) {
                throw invalid("request.bad-command");
            }
        }
        if (!workDirectory.isAbsolute() || !Files.isDirectory(workDirectory)) {
            throw invalid("request.work-directory", workDirectory.toString());
        }
        if (sshPort < 1 || sshPort > 65535) {
            throw invalid("request.ssh-port", String.valueOf(sshPort));
        }
        if (image instanceof ImageSource.LocalFile local && !Files.isRegularFile(local.path())) {
            throw invalid("request.image-file", local.path().toString());
        }
        if (image instanceof ImageSource.Built built) {
            for (Path p : List.of(
                    built.image().disk(), built.image().kernel(), built.image().initrd())) {
                if (!Files.isRegularFile(p)) {
                    throw invalid(
                            "request.built-image",
                            built.image().directory().toString(),
                            p.toString(),
                            "vmm4j images build " + built.image().recipeName());
                }
            }
        }
    }

    private static InvalidRequestException invalid(String key, Object... arguments) {
        return new InvalidRequestException(ProvisionMessages.CATALOG.message(key, arguments));
    }

    public String name() {
        return name;
    }

    public String hypervisor() {
        return hypervisor;
    }

    public ImageSource image() {
        return image;
    }

    public long memoryBytes() {
        return memoryBytes;
    }

    public int vcpus() {
        return vcpus;
    }
    /** The disk's virtual size; 0 means the base image's size. */
    public long diskBytes() {
        return diskBytes;
    }

    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    public boolean hasPassword() {
        return password != null;
    }

    public List<String> sshAuthorizedKeys() {
        return sshAuthorizedKeys;
    }

    public Optional<Path> sshPrivateKey() {
        return Optional.ofNullable(sshPrivateKey);
    }

    public NicSpec nic() {
        return nic;
    }

    public List<String> commands() {
        return commands;
    }

    public Path workDirectory() {
        return workDirectory;
    }
    /** Overrides the boot the image asks for (UEFI or BIOS from the disk), e.g. a direct kernel boot. */
    public Optional<BootSpec> boot() {
        return Optional.ofNullable(boot);
    }

    public Path knownHosts() {
        return knownHosts;
    }

    public int sshPort() {
        return sshPort;
    }

    public Duration addressTimeout() {
        return addressTimeout;
    }

    public Duration sshTimeout() {
        return sshTimeout;
    }

    public Duration commandTimeout() {
        return commandTimeout;
    }
    /** The last step to run; the default runs all of them. */
    public ProvisionStep stopAfter() {
        return stopAfter;
    }

    /** What runs the guest's instructions ({@link GuestSpec#accelerator()}); {@link Accelerator#AUTO} by default. */
    public Accelerator accelerator() {
        return accelerator;
    }

    /**
     * Whether the run generates the guest's SSH host key, puts it into the seed and accepts exactly it
     * over SSH (no trust on first use); on by default. Off, the known-hosts file decides.
     */
    public boolean pinHostKey() {
        return pinHostKey;
    }

    /** The management agent to install, configure and start after SSH answers, if any. */
    public Optional<AgentSetup> agent() {
        return Optional.ofNullable(agent);
    }

    /** Whether the run logs in over SSH: it has commands or an agent, and credentials to log in with. */
    boolean logsIn() {
        return user != null && (password != null || sshPrivateKey != null);
    }

    /** The disk file the run creates: {@code workDirectory/NAME.qcow2}. */
    public Path diskPath() {
        return workDirectory.resolve(name + ".qcow2");
    }

    /** The seed ISO the run creates: {@code workDirectory/NAME-seed.iso}. */
    public Path seedPath() {
        return workDirectory.resolve(name + "-seed.iso");
    }

    /** A copy of the password for one use; the caller wipes it. */
    char[] password() {
        return password == null ? null : password.clone();
    }

    /** Overwrites the stored password with zeros. */
    public void clearPassword() {
        if (password != null) {
            Arrays.fill(password, '\0');
        }
    }

    @Override
    public String toString() {
        return "ProvisionRequest[" + name + ", " + hypervisor + ", " + image + ", " + (memoryBytes >> 20) + " MiB, "
                + vcpus + " vCPU, disk " + (diskBytes == 0 ? "image size" : (diskBytes >> 20) + " MiB")
                + ", user " + user + ", password " + (password == null ? "none" : "redacted")
                + ", " + sshAuthorizedKeys.size() + " SSH key(s), " + nic.type() + " " + nic.source()
                + ", " + commands.size() + " command(s)" + (agent == null ? "" : ", agent " + agent.service())
                + (pinHostKey ? ", pinned host key" : "") + ", stop after " + stopAfter.label() + "]";
    }

    /** Defaults: kvm, 1 GiB, 1 vCPU, image-sized disk, libvirt network {@code default}, all steps. */
    public static final class Builder {
        private String name;
        private String hypervisor = "kvm";
        private ImageSource image;
        private long memoryBytes = 1L << 30;
        private int vcpus = 1;
        private long diskBytes;
        private String user;
        private char[] password;
        private final List<String> sshAuthorizedKeys = new ArrayList<>();
        private Path sshPrivateKey;
        private NicSpec nic = NicSpec.network("default");
        private final List<String> commands = new ArrayList<>();
        private Path workDirectory = DEFAULT_WORK_DIRECTORY;
        private BootSpec boot;
        private Path knownHosts = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
        private int sshPort = 22;
        private Duration addressTimeout = Duration.ofMinutes(5);
        private Duration sshTimeout = Duration.ofMinutes(5);
        private Duration commandTimeout = Duration.ofMinutes(30);
        private ProvisionStep stopAfter = ProvisionStep.REPORT;
        private Accelerator accelerator = Accelerator.AUTO;
        private boolean pinHostKey = true;
        private AgentSetup agent;

        private Builder(String name) {
            this.name = name;
        }

        public Builder name(String guestName) {
            name = guestName;
            return this;
        }

        public Builder hypervisor(String kind) {
            hypervisor = Objects.requireNonNull(kind, "kind");
            return this;
        }

        public Builder image(ImageSource source) {
            image = Objects.requireNonNull(source, "source");
            return this;
        }

        public Builder catalogImage(String id) {
            return image(ImageSource.catalog(id));
        }

        /**
         * A base image built on this host ({@link BaseImageBuilder}): its disk backs the guest's overlay, and
         * the guest boots the image's own kernel and initrd directly ({@link BuiltImage#bootSpec()}); both are
         * staged into the work directory first ({@link ImageSource.Built}).
         */
        public Builder builtImage(BuiltImage built) {
            return image(ImageSource.built(built));
        }

        public Builder memoryBytes(long bytes) {
            memoryBytes = bytes;
            return this;
        }

        public Builder vcpus(int n) {
            vcpus = n;
            return this;
        }

        public Builder diskBytes(long bytes) {
            diskBytes = bytes;
            return this;
        }

        public Builder user(String name) {
            user = name;
            return this;
        }

        /** Copies the password; wipe your own array afterwards. */
        public Builder password(char[] secret) {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
            password = secret == null ? null : secret.clone();
            return this;
        }

        /** Adds an OpenSSH public key line for the user's authorized_keys. */
        public Builder sshAuthorizedKey(String line) {
            sshAuthorizedKeys.add(Objects.requireNonNull(line, "line"));
            return this;
        }
        /** The private key the provisioner logs in with to run the commands. */
        public Builder sshPrivateKey(Path file) {
            sshPrivateKey = file;
            return this;
        }

        public Builder network(String libvirtNetwork) {
            nic = NicSpec.network(libvirtNetwork);
            return this;
        }

        public Builder bridge(String hostBridge) {
            nic = NicSpec.bridge(hostBridge);
            return this;
        }

        public Builder nic(NicSpec spec) {
            nic = Objects.requireNonNull(spec, "spec");
            return this;
        }

        public Builder command(String shellLine) {
            commands.add(Objects.requireNonNull(shellLine, "shellLine"));
            return this;
        }

        public Builder commands(List<String> shellLines) {
            shellLines.forEach(this::command);
            return this;
        }

        public Builder workDirectory(Path dir) {
            workDirectory = dir.toAbsolutePath().normalize();
            return this;
        }

        public Builder boot(BootSpec spec) {
            boot = spec;
            return this;
        }

        public Builder knownHosts(Path file) {
            knownHosts = Objects.requireNonNull(file, "file");
            return this;
        }

        public Builder sshPort(int port) {
            sshPort = port;
            return this;
        }

        public Builder addressTimeout(Duration d) {
            addressTimeout = positive(d, "address timeout");
            return this;
        }

        public Builder sshTimeout(Duration d) {
            sshTimeout = positive(d, "SSH timeout");
            return this;
        }

        public Builder commandTimeout(Duration d) {
            commandTimeout = positive(d, "command timeout");
            return this;
        }

        /** Stops after {@code step}, e.g. {@link ProvisionStep#START_GUEST} to not wait for the guest to come up. */
        public Builder stopAfter(ProvisionStep step) {
            if (step.compareTo(ProvisionStep.START_GUEST) < 0) {
                throw new IllegalArgumentException(
                        "a run stops at the earliest after " + ProvisionStep.START_GUEST.label());
            }
            stopAfter = step;
            return this;
        }

        /** What runs the guest's instructions: KVM, TCG, or AUTO (the guest manager decides). */
        public Builder accelerator(Accelerator a) {
            accelerator = Objects.requireNonNull(a, "accelerator");
            return this;
        }

        /** Generate the guest's SSH host key and accept only it (the default), or leave it to known_hosts. */
        public Builder pinHostKey(boolean pin) {
            pinHostKey = pin;
            return this;
        }

        /** Installs, configures and starts this management agent once SSH answers. */
        public Builder agent(AgentSetup setup) {
            agent = setup;
            return this;
        }

        public ProvisionRequest build() {
            return new ProvisionRequest(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return d;
        }
    }
}
