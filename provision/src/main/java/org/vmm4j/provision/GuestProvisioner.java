package org.vmm4j.provision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.VmmException;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.UndefineOption;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.Progress;
import org.vmm4j.host.ProgressListener;
import org.vmm4j.image.CloudConfig;
import org.vmm4j.image.CloudUser;
import org.vmm4j.image.CreateMode;
import org.vmm4j.image.DiskFormat;
import org.vmm4j.image.MetaData;
import org.vmm4j.image.NoCloudSeed;
import org.vmm4j.image.PasswordHash;
import org.vmm4j.image.Qcow2Image;
import org.vmm4j.image.Qcow2Options;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.image.RawDisk;
import org.vmm4j.provision.build.BuiltImage;
import org.vmm4j.text.Localized;
import org.vmm4j.text.Message;
import org.vmm4j.text.MessageCatalog;

/**
 * Creates a guest the way the management plans do, in {@link ProvisionStep} order: validate, check the
 * name is free, fetch the image into the cache, create a qcow2 overlay on it, write the NoCloud seed,
 * define and start the guest, wait for its IP and for SSH, run the commands, install, configure and start
 * the management agent ({@link AgentSetup}), report. Each step emits
 * {@link Progress} to the listeners. When a step fails, what was created for this guest (the
 * definition, the disk, the seed) is removed and a {@link ProvisionException} names the step; the
 * image cache is shared and stays.
 *
 * <p>No trust on first use: unless {@link ProvisionRequest#pinHostKey()} is off, the run generates the
 * guest's SSH host key ({@link GuestHostKey}), gives it to the guest through the seed, and every SSH
 * connection accepts exactly that key; the SSH step logs in once to prove it.
 *
 * <p>The disk is a qcow2 overlay for libvirt/QEMU (KVM) and vmd, which read qcow2; for bhyve, which
 * does not, it is a sparse raw copy of the image ({@link RawDisk#fromImage}).
 *
 * <pre>{@code
 * try (GuestManager libvirt = GuestManager.connect("qemu:///system")) {
 *     GuestProvisioner provisioner = GuestProvisioner.builder(libvirt)
 *             .downloader(new ImageDownloader(cacheDir)).listener(System.err::println).build();
 *     ProvisionResult r = provisioner.provision(ProvisionRequest.builder("web1").catalogImage("ubuntu-24.04")
 *             .user("admin").sshAuthorizedKey(publicKey).sshPrivateKey(privateKey)
 *             .command("sudo apt-get install -y nginx").build());
 * }
 * }</pre>
 */
public final class GuestProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(GuestProvisioner.class);
    /**
     * What the SSH step runs once logged in: it waits until cloud-init has finished, where the image has it.
     * sshd answers while cloud-init's later stages still run, and one of them restarts sshd (applying
     * {@code ssh_pwauth}): a step connecting then would be refused. Measured on the built Debian 12 image
     * under TCG: the install step got in, the next connection was refused. Sessions open across the
     * restart survive it (Debian's ssh.service kills only the listener).
     */
    public static final String LOGIN_CHECK =
            "if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null 2>&1 || true; fi";

    /** Between login attempts while sshd answers but refuses (the user not created yet). */
    private static final Duration LOGIN_RETRY = Duration.ofSeconds(2);
    /** After restarting the agent's unit, before the first {@code systemctl is-active}. */
    private static final Duration ACTIVE_SETTLE = Duration.ofSeconds(2);
    /** Between {@code systemctl is-active} checks while the unit is activating. */
    private static final Duration ACTIVE_POLL = Duration.ofSeconds(1);

    private final GuestManager manager;
    private final ImageCatalog catalog;
    private final ImageDownloader downloader;
    private final AddressWaiter addressWaiter;
    private final SshWaiter sshWaiter;
    private final CommandRunner commandRunner;
    private final List<ProgressListener> listeners = new CopyOnWriteArrayList<>();

    private GuestProvisioner(Builder b) {
        manager = b.manager;
        catalog = b.catalog;
        downloader = b.downloader;
        addressWaiter = b.addressWaiter;
        sshWaiter = b.sshWaiter;
        commandRunner = b.commandRunner;
        listeners.addAll(b.listeners);
    }

    /** A provisioner for guests of {@code manager}, with the built-in catalog and the real IP/SSH steps. */
    public static Builder builder(GuestManager manager) {
        return new Builder(manager);
    }

    /** Adds a listener; closing the returned handle removes it. */
    public AutoCloseable addListener(ProgressListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return () -> listeners.remove(listener);
    }

    /**
     * Runs every step of {@code request} up to its {@link ProvisionRequest#stopAfter()}.
     *
     * @throws ProvisionException when a step fails, after removing what this run created
     */
    public ProvisionResult provision(ProvisionRequest request) {
        Run run = new Run(request);
        try {
            return run.execute();
        } finally {
            run.release();
        }
    }

    /** The seed for {@code request}: hostname, the user with its password hash and keys, passwordless sudo. */
    static NoCloudSeed seedFor(ProvisionRequest request, String instanceId) {
        return seedFor(request, instanceId, null);
    }

    /** The seed, with {@code hostKey} (when not null) as the guest's only SSH host key. */
    static NoCloudSeed seedFor(ProvisionRequest request, String instanceId, GuestHostKey hostKey) {
        CloudConfig.Builder config = CloudConfig.builder().hostname(request.name());
        if (hostKey != null) {
            config.sshHostKey(hostKey.cloudInitType(), hostKey.privateKeyPem(), hostKey.publicKeyLine());
        }
        if (request.user().isPresent()) {
            CloudUser.Builder user = CloudUser.builder(request.user().get()).sudo("ALL=(ALL) NOPASSWD:ALL");
            request.sshAuthorizedKeys().forEach(user::sshAuthorizedKey);
            char[] password = request.password();
            if (password != null) {
                try {
                    user.password(PasswordHash.sha512(password));
                } finally {
                    Arrays.fill(password, '\0');
                }
            }
            config.user(user.build()).keepDefaultUser(false).sshPasswordAuthentication(request.hasPassword());
        }
        return new NoCloudSeed(config.build(), new MetaData(instanceId, request.name()));
    }

    /**
     * The definition: the overlay (or blank) disk, the seed as CD-ROM, one NIC, the boot the image wants;
     * on libvirt ({@code kvm}) also the guest agent's channel, so the agent can report the guest's addresses.
     */
    static GuestSpec specFor(ProvisionRequest request, BaseImage base) {
        GuestSpec.Builder spec = GuestSpec.builder(request.name())
                .memoryBytes(request.memoryBytes())
                .vcpus(request.vcpus())
                .disk(DiskSpec.file(
                        request.diskPath().toString(), rawDisk(request) ? DiskSpec.Format.RAW : DiskSpec.Format.QCOW2))
                .disk(DiskSpec.cdrom(request.seedPath().toString()))
                .nic(request.nic())
                .accelerator(request.accelerator())
                .guestAgent("kvm".equals(request.hypervisor()));
        if (base.installer()) {
            spec.disk(DiskSpec.cdrom(base.path().toString()));
        }
        BootSpec.Device[] order = base.installer()
                ? new BootSpec.Device[] {BootSpec.Device.DISK, BootSpec.Device.CDROM}
                : new BootSpec.Device[] {BootSpec.Device.DISK};
        spec.boot(request.boot()
                .or(() -> Optional.ofNullable(base.boot()))
                .orElseGet(() -> base.uefi() ? BootSpec.uefi(order) : BootSpec.bios(order)));
        return spec.build();
    }

    /** bhyve reads raw disks only; libvirt/QEMU and vmd take qcow2 overlays. */
    static boolean rawDisk(ProvisionRequest request) {
        return "bhyve".equals(request.hypervisor());
    }

    /**
     * Creates the guest's disk: a qcow2 overlay on a disk image (at least as large as the image), or a
     * blank qcow2 when the image is an installer; for bhyve a sparse raw copy, or a blank raw disk.
     * Never replaces an existing file.
     */
    static Path createDisk(ProvisionRequest request, BaseImage base) {
        Path disk = request.diskPath();
        if (rawDisk(request)) {
            if (base.installer()) {
                if (request.diskBytes() == 0) {
                    throw new VmmException(text("error.installer-disk-size"));
                }
                return RawDisk.create(disk, request.diskBytes(), CreateMode.FAIL_IF_EXISTS);
            }
            return RawDisk.fromImage(base.path(), disk, request.diskBytes(), CreateMode.FAIL_IF_EXISTS);
        }
        if (base.installer()) {
            if (request.diskBytes() == 0) {
                throw new VmmException(text("error.installer-disk-size"));
            }
            return Qcow2Writer.create(
                    disk,
                    Qcow2Options.builder(request.diskBytes())
                            .createMode(CreateMode.FAIL_IF_EXISTS)
                            .build());
        }
        long imageSize = DiskFormat.detect(base.path()) == DiskFormat.QCOW2
                ? Qcow2Image.virtualSizeOf(base.path())
                : sizeOf(base.path());
        if (request.diskBytes() != 0 && request.diskBytes() < imageSize) {
            throw new VmmException(text(
                    "error.disk-smaller-than-image", String.valueOf(request.diskBytes()), String.valueOf(imageSize)));
        }
        return Qcow2Writer.createOverlay(disk, base.path(), request.diskBytes(), CreateMode.FAIL_IF_EXISTS);
    }

    /**
     * A command writing {@code content} to {@code path} as root, mode 0600, creating its directory: the
     * content travels base64-encoded (only {@code [A-Za-z0-9+/=]}, so nothing in it reaches the shell),
     * the path single-quoted (an {@link AgentSetup} path has no quote).
     */
    static String writeFileCommand(String path, String content) {
        String encoded =
                java.util.Base64.getEncoder().encodeToString(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return "printf '%s' '" + encoded + "' | base64 -d | sudo install -D -m 0600 /dev/stdin '" + path + "'";
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new VmmException(text("error.image-size", file.toString(), String.valueOf(e.getMessage())), e);
        }
    }

    /**
     * The fetched base image: where it is, whether it is an installer ISO, whether it boots with UEFI, and
     * the direct kernel boot it comes with (a built image), or null.
     */
    record BaseImage(Path path, boolean installer, boolean uefi, BootSpec boot) {
        BaseImage(Path path, boolean installer, boolean uefi) {
            this(path, installer, uefi, null);
        }
    }

    /**
     * Puts a built image's disk, kernel and initrd into {@code workDirectory/base-KEY/} (hard links, or
     * copies across file systems), where the hypervisor can read them: the build cache is usually in
     * root's home, which libvirt's QEMU user cannot enter. Shared by every guest of the image and never
     * rolled back, like the download cache; an existing complete staging is reused.
     */
    static BaseImage stage(BuiltImage image, Path workDirectory) throws IOException {
        Path dir = workDirectory.resolve("base-"
                + image.cacheKey().substring(0, Math.min(16, image.cacheKey().length())));
        Files.createDirectories(dir);
        Path disk = stageFile(image.disk(), dir);
        Path kernel = stageFile(image.kernel(), dir);
        Path initrd = stageFile(image.initrd(), dir);
        return new BaseImage(
                disk, false, false, BootSpec.kernel(kernel.toString(), initrd.toString(), image.kernelCommandLine()));
    }

    private static Path stageFile(Path source, Path dir) throws IOException {
        Path target = dir.resolve(source.getFileName());
        if (Files.isRegularFile(target) && Files.size(target) == Files.size(source)) {
            return target;
        }
        Path partial = Files.createTempFile(dir, "." + source.getFileName(), ".part");
        try {
            Files.delete(partial);
            try {
                Files.createLink(partial, source);
            } catch (IOException | UnsupportedOperationException notLinkable) {
                LOG.debug("cannot hard-link {} ({}); copying it", source, notLinkable.toString());
                Files.copy(source, partial);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
        return target;
    }

    /** A step's work; returns the message its completion is reported with. */
    @FunctionalInterface
    private interface StepBody {
        Message run(StepReporter reporter) throws Exception;
    }

    private static final MessageCatalog TEXTS = ProvisionMessages.CATALOG;

    private static Message text(String key, Object... arguments) {
        return TEXTS.message(key, arguments);
    }

    /**
     * What {@code e} says for people: its {@link Localized#text()} (in the reader's locale where it has a
     * key), else its message as it is, or its class name when it has none.
     */
    static Message reasonOf(Throwable e) {
        if (e instanceof Localized l) {
            return l.text();
        }
        return Message.literal(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    /** The state of one provisioning run. */
    private final class Run {
        private final ProvisionRequest request;
        private final Rollback rollback = new Rollback();
        private final List<ProvisionResult.StepTiming> timings = new ArrayList<>();
        private final String instanceId = "iid-" + UUID.randomUUID();
        private GuestHostKey hostKey;
        private NoCloudSeed seed;
        private BaseImage base;
        private Guest guest;
        private String address;
        private String banner;
        private final List<CommandResult> results = new ArrayList<>();

        Run(ProvisionRequest request) {
            this.request = Objects.requireNonNull(request, "request");
        }

        ProvisionResult execute() {
            long start = System.nanoTime();
            step(ProvisionStep.VALIDATE, r -> {
                request.validate();
                if (request.pinHostKey()) {
                    hostKey = GuestHostKey.generate();
                }
                seed = seedFor(request, instanceId, hostKey);
                return hostKey == null
                        ? text("progress.valid")
                        : text("progress.valid-host-key", hostKey.fingerprint());
            });
            step(ProvisionStep.CHECK_NAME, r -> checkName());
            step(ProvisionStep.FETCH_IMAGE, this::fetchImage);
            step(ProvisionStep.CREATE_DISK, r -> {
                Path disk = createDisk(request, base);
                rollback.add(text("rolled-back.disk", disk.toString()), () -> Files.deleteIfExists(disk));
                return text("progress.created", disk.toString());
            });
            step(ProvisionStep.CREATE_SEED, r -> {
                Path iso = seed.writeIso(request.seedPath(), CreateMode.FAIL_IF_EXISTS);
                rollback.add(text("rolled-back.seed", iso.toString()), () -> Files.deleteIfExists(iso));
                return text("progress.created", iso.toString());
            });
            step(ProvisionStep.DEFINE_GUEST, r -> {
                GuestSpec spec = specFor(request, base);
                guest = manager.define(spec);
                Guest defined = guest;
                boolean uefi = spec.boot().firmware() == BootSpec.Firmware.UEFI;
                rollback.add(text("rolled-back.guest", spec.name()), () -> remove(defined, uefi));
                return text("progress.defined", spec.name(), manager.uri());
            });
            step(ProvisionStep.START_GUEST, r -> {
                guest.start();
                return text("progress.guest-started", guest.name());
            });
            step(ProvisionStep.WAIT_FOR_IP, r -> {
                address = addressWaiter.awaitAddress(guest, request.addressTimeout(), r);
                return text("progress.address", address);
            });
            step(ProvisionStep.WAIT_FOR_SSH, r -> {
                long deadline = System.nanoTime() + request.sshTimeout().toNanos();
                banner = sshWaiter.awaitSsh(address, request.sshPort(), request.sshTimeout(), r);
                if (!request.logsIn()) {
                    return text("progress.ssh-answers", banner);
                }
                logIn(deadline, r);
                return hostKey == null
                        ? text("progress.logged-in", banner, request.user().orElseThrow())
                        : text(
                                "progress.logged-in-pinned",
                                banner,
                                request.user().orElseThrow(),
                                hostKey.fingerprint());
            });
            step(ProvisionStep.RUN_COMMANDS, this::runCommands);
            step(ProvisionStep.INSTALL_AGENT, this::installAgent);
            step(ProvisionStep.CONFIGURE_AGENT, this::configureAgent);
            step(ProvisionStep.START_AGENT, this::startAgent);
            rollback.commit();
            Duration total = Duration.ofNanos(System.nanoTime() - start);
            ProvisionResult result = new ProvisionResult(
                    request.name(),
                    guest.uuid(),
                    Optional.ofNullable(address),
                    Optional.ofNullable(banner),
                    request.diskPath(),
                    request.seedPath(),
                    timings,
                    total,
                    results,
                    Optional.ofNullable(hostKey).map(GuestHostKey::fingerprint));
            step(
                    ProvisionStep.REPORT,
                    r -> address == null
                            ? text("progress.ready", request.name(), String.valueOf(total.toMillis()))
                            : text("progress.ready-at", request.name(), address, String.valueOf(total.toMillis())));
            return result;
        }

        /** Releases the guest handle (a libvirt domain reference); the guest itself stays. */
        void release() {
            if (guest != null) {
                guest.close();
            }
        }

        private Message checkName() {
            Optional<Guest> existing = manager.find(request.name());
            if (existing.isPresent()) {
                existing.get().close();
                throw new VmmException(text("error.name-taken", request.name(), manager.uri()));
            }
            for (Path p : List.of(request.diskPath(), request.seedPath())) {
                if (Files.exists(p)) {
                    throw new VmmException(text("error.file-exists", p.toString()));
                }
            }
            return text("progress.name-free", request.name());
        }

        private Message fetchImage(StepReporter reporter) throws IOException {
            long[] lastMiB = {-1};
            DownloadListener progress = (done, total) -> {
                // The downloader calls back per buffer; listeners hear at most once per MiB.
                if (done >> 20 != lastMiB[0] || done == total) {
                    lastMiB[0] = done >> 20;
                    reporter.report(
                            total > 0 ? (double) done / total : -1,
                            total > 0
                                    ? text("progress.mib-of", done >> 20, total >> 20)
                                    : text("progress.mib", done >> 20));
                }
            };
            ImageSource source = request.image();
            if (source instanceof ImageSource.Built built) {
                base = stage(built.image(), request.workDirectory());
                return text(
                        "progress.staged",
                        built.image().recipeName(),
                        base.path().toString());
            }
            if (source instanceof ImageSource.LocalFile local) {
                base = new BaseImage(local.path(), false, false);
                return text("progress.using", local.path().toString());
            }
            if (source instanceof ImageSource.Remote remote) {
                base = new BaseImage(downloader().fetch(remote.uri(), remote.digest(), progress), false, false);
                return text("progress.cached", base.path().toString());
            }
            String id = ((ImageSource.Catalog) source).id();
            GuestImage image = catalog.find(request.hypervisor(), id)
                    .orElseThrow(() -> new VmmException(text("error.not-in-catalog", id, request.hypervisor())));
            if (image.kind() == GuestImage.Kind.CLOUD_IMAGE && !image.cloudInit()) {
                LOG.warn("{}: image {} does not run cloud-init; the seed will be ignored", request.name(), id);
            }
            base = new BaseImage(
                    downloader().fetch(image, progress),
                    image.kind() == GuestImage.Kind.INSTALL_ISO,
                    image.boot() == GuestImage.BootMode.UEFI);
            return text("progress.cached", base.path().toString());
        }

        private ImageDownloader downloader() {
            if (downloader == null) {
                throw new IllegalStateException("this provisioner has no image downloader; give one to the builder");
            }
            return downloader;
        }

        private Message runCommands(StepReporter reporter) {
            if (request.commands().isEmpty()) {
                return text("progress.no-commands");
            }
            List<CommandResult> ran =
                    commandRunner.runAll(sshTarget(), request.commands(), request.commandTimeout(), reporter);
            results.addAll(ran);
            return text("progress.ran-commands", ran.size());
        }

        /**
         * Logs in once and runs {@link #LOGIN_CHECK}, retrying refusals until {@code deadline} (sshd may
         * answer before cloud-init has created the user); a host key that is not the pinned one fails at once.
         */
        private void logIn(long deadline, StepReporter reporter) throws InterruptedException {
            int attempt = 0;
            while (true) {
                attempt++;
                try {
                    commandRunner.runAll(sshTarget(), List.of(LOGIN_CHECK), request.commandTimeout(), (f, m) -> {});
                    return;
                } catch (HostKeyException e) {
                    throw e;
                } catch (RuntimeException e) {
                    if (System.nanoTime() - deadline >= 0) {
                        throw new SshException(
                                text(
                                        "error.no-login",
                                        String.valueOf(request.sshTimeout().toSeconds()),
                                        attempt,
                                        reasonOf(e)),
                                e);
                    }
                    reporter.report(-1, text("progress.login-refused", attempt, reasonOf(e)));
                    Thread.sleep(LOGIN_RETRY.toMillis());
                }
            }
        }

        private Message installAgent(StepReporter reporter) {
            if (request.agent().isEmpty()) {
                return text("progress.no-agent-install");
            }
            AgentSetup agent = request.agent().get();
            if (agent.installCommands().isEmpty()) {
                return text("progress.no-install-commands");
            }
            List<CommandResult> ran =
                    commandRunner.runAll(sshTarget(), agent.installCommands(), request.commandTimeout(), reporter);
            results.addAll(ran);
            return text("progress.ran-install-commands", ran.size());
        }

        private Message configureAgent(StepReporter reporter) {
            if (request.agent().isEmpty()) {
                return text("progress.no-agent-configure");
            }
            AgentSetup agent = request.agent().get();
            results.addAll(commandRunner.runAll(
                    sshTarget(),
                    List.of(writeFileCommand(
                            agent.configPath(), agent.configuration().toYaml())),
                    request.commandTimeout(),
                    reporter));
            return text(
                    "progress.agent-configured",
                    agent.configPath(),
                    agent.configuration().serverUrl(),
                    String.valueOf(agent.configuration().port()),
                    agent.configuration().https() ? "https" : "http");
        }

        private Message startAgent(StepReporter reporter) throws InterruptedException {
            if (request.agent().isEmpty()) {
                return text("progress.no-agent-start");
            }
            AgentSetup agent = request.agent().get();
            String unit = "'" + agent.service() + "'";
            results.addAll(commandRunner.runAll(
                    sshTarget(),
                    List.of("sudo systemctl enable " + unit, "sudo systemctl restart " + unit),
                    request.commandTimeout(),
                    reporter));
            long deadline = System.nanoTime() + agent.activeTimeout().toNanos();
            // A unit that fails at once is still "active" for a moment after restart returns: look again
            // after a pause, and insist on active then.
            Thread.sleep(ACTIVE_SETTLE.toMillis());
            Message stateText = Message.literal("");
            int checks = 0;
            while (true) {
                checks++;
                try {
                    List<CommandResult> check = commandRunner.runAll(
                            sshTarget(),
                            List.of("systemctl is-active " + unit),
                            request.commandTimeout(),
                            (f, m) -> {});
                    String state = check.get(0).stdout().strip();
                    stateText = Message.literal(state);
                    if (state.equals("active")) {
                        results.addAll(check);
                        return text("progress.agent-active", agent.service(), checks);
                    }
                } catch (HostKeyException e) {
                    throw e;
                } catch (RuntimeException e) {
                    stateText = reasonOf(e); // is-active exits non-zero unless active
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new VmmException(text(
                            "error.agent-inactive",
                            agent.service(),
                            String.valueOf(agent.activeTimeout().toSeconds()),
                            stateText));
                }
                reporter.report(-1, text("progress.agent-state", agent.service(), stateText));
                Thread.sleep(ACTIVE_POLL.toMillis());
            }
        }

        /** How to reach the guest's sshd: its address, the request's user and credentials, the pinned key. */
        private SshTarget sshTarget() {
            SshCredentials credentials;
            if (request.sshPrivateKey().isPresent()) {
                credentials = SshCredentials.privateKey(request.sshPrivateKey().get());
            } else {
                char[] password = request.password();
                try {
                    credentials = SshCredentials.password(password);
                } finally {
                    Arrays.fill(password, '\0');
                }
            }
            return SshTarget.builder(address, request.user().orElseThrow(), credentials)
                    .port(request.sshPort())
                    .knownHosts(request.knownHosts())
                    .pinnedHostKey(hostKey == null ? null : hostKey.publicKeyLine())
                    .build();
        }

        private void step(ProvisionStep step, StepBody body) {
            if (step.compareTo(request.stopAfter()) > 0 && step != ProvisionStep.REPORT) {
                timings.add(new ProvisionResult.StepTiming(step, Duration.ZERO, true));
                emit(step, 1.0, text("progress.skipped"));
                return;
            }
            long start = System.nanoTime();
            emit(step, 0.0, text("progress.started"));
            Message done;
            try {
                // Progress may quote a server's or a command's words: redacted like failure messages.
                done = body.run(new StepReporter() {
                    @Override
                    public void report(double fraction, String message) {
                        emit(step, fraction, Message.literal(redact(message)));
                    }

                    @Override
                    public void report(double fraction, Message message) {
                        emit(step, fraction, redact(message));
                    }
                });
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw fail(step, e);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            timings.add(new ProvisionResult.StepTiming(step, took, false));
            LOG.info(
                    "{}: step {}/{} {}: {} ({} ms)",
                    request.name(),
                    step.number(),
                    ProvisionStep.count(),
                    step.label(),
                    done,
                    took.toMillis());
            emit(step, 1.0, done);
        }

        private ProvisionException fail(ProvisionStep step, Exception cause) {
            Message reason = redact(reasonOf(cause));
            Message hint =
                    cause instanceof ChecksumMismatchException ? text("hint.checksum-mismatch") : step.hintMessage();
            ProvisionException failure = new ProvisionException(request.name(), step, reason, hint, List.of(), cause);
            List<Message> undone = rollback.run(failure);
            ProvisionException reported = new ProvisionException(request.name(), step, reason, hint, undone, cause);
            for (Throwable t : failure.getSuppressed()) {
                reported.addSuppressed(t);
            }
            LOG.debug("{}", reported.getMessage());
            emit(step, -1, text("progress.failed", reason));
            return reported;
        }

        /** Replaces the password, should a message ever carry it, with {@code ***}. */
        private String redact(String text) {
            char[] password = request.password();
            if (password == null) {
                return text;
            }
            try {
                String secret = new String(password);
                return secret.isEmpty() ? text : text.replace(secret, "***");
            } finally {
                Arrays.fill(password, '\0');
            }
        }

        /** {@link #redact(String)} for a message's text and arguments. */
        private Message redact(Message message) {
            char[] password = request.password();
            if (password == null) {
                return message;
            }
            try {
                return message.replace(new String(password), "***");
            } finally {
                Arrays.fill(password, '\0');
            }
        }

        private void emit(ProvisionStep step, double fraction, Message message) {
            Progress p = new Progress(step.labelMessage(), step.number(), ProvisionStep.count(), fraction, message);
            for (ProgressListener l : listeners) {
                try {
                    l.onProgress(p);
                } catch (RuntimeException e) {
                    LOG.warn("progress listener {} threw {}", l, e.toString());
                }
            }
        }
    }

    /** Stops a guest that is still running and removes its definition. */
    private static void remove(Guest guest, boolean uefi) {
        GuestState state = guest.state();
        if (state != GuestState.STOPPED && state != GuestState.CRASHED) {
            try {
                guest.destroy();
            } catch (RuntimeException e) {
                // It may have stopped on its own meanwhile; undefine says whether it is really gone.
                LOG.debug("destroying {} during rollback: {}", guest.name(), e.toString());
            }
        }
        if (uefi) {
            guest.undefine(UndefineOption.NVRAM);
        } else {
            guest.undefine();
        }
    }

    /** Defaults: the built-in catalog, no downloader, {@link GuestAddressPoller}, banner wait, SSH commands. */
    public static final class Builder {
        private final GuestManager manager;
        private ImageCatalog catalog;
        private ImageDownloader downloader;
        private AddressWaiter addressWaiter = new GuestAddressPoller();
        private SshWaiter sshWaiter = SshWaiter.BANNER;
        private CommandRunner commandRunner = new SshCommandRunner();
        private final List<ProgressListener> listeners = new ArrayList<>();

        private Builder(GuestManager manager) {
            this.manager = Objects.requireNonNull(manager, "manager");
        }

        public Builder catalog(ImageCatalog c) {
            catalog = Objects.requireNonNull(c, "catalog");
            return this;
        }

        public Builder downloader(ImageDownloader d) {
            downloader = Objects.requireNonNull(d, "downloader");
            return this;
        }

        public Builder addressWaiter(AddressWaiter w) {
            addressWaiter = Objects.requireNonNull(w, "addressWaiter");
            return this;
        }

        public Builder sshWaiter(SshWaiter w) {
            sshWaiter = Objects.requireNonNull(w, "sshWaiter");
            return this;
        }

        public Builder commandRunner(CommandRunner r) {
            commandRunner = Objects.requireNonNull(r, "commandRunner");
            return this;
        }

        public Builder listener(ProgressListener l) {
            listeners.add(Objects.requireNonNull(l, "listener"));
            return this;
        }

        public GuestProvisioner build() {
            if (catalog == null) {
                catalog = ImageCatalog.builtIn();
            }
            return new GuestProvisioner(this);
        }
    }
}
