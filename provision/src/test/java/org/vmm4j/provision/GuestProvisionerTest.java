package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.Progress;
import org.vmm4j.image.IsoFile;
import org.vmm4j.image.NoCloudSeed;
import org.vmm4j.image.Qcow2Image;
import org.vmm4j.image.Qcow2Options;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.text.Message;
import org.vmm4j.text.MessageCatalog;

/** The workflow's logic against an in-memory guest manager, with fake IP, SSH and command steps. */
class GuestProvisionerTest {
    private static final String KEY =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq4yb1fdE3jT0nK0lDJrZ5h0TbGm5m2r1a5n0zq5Q0x admin@laptop";
    private static final String SECRET = "hunter2-Sup3rSecret";

    @TempDir
    Path dir;

    private Path base;
    private final InMemoryGuestManager manager = new InMemoryGuestManager();
    private final List<Progress> events = new CopyOnWriteArrayList<>();
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @BeforeEach
    void baseImage() {
        base = Qcow2Writer.create(
                dir.resolve("base.qcow2"), Qcow2Options.builder(64L << 20).build());
    }

    private GuestProvisioner.Builder provisioner() {
        return GuestProvisioner.builder(manager)
                .addressWaiter((guest, timeout, r) -> {
                    r.report(0.5, "fake lease pending");
                    return "192.0.2.10";
                })
                .sshWaiter((host, port, timeout, r) -> "SSH-2.0-Fake")
                .commandRunner((target, lines, timeout, r) -> {
                    ran.addAll(lines);
                    return lines.stream()
                            .map(l -> new CommandResult(List.of(l), 0, "ok", ""))
                            .toList();
                })
                .listener(events::add);
    }

    private ProvisionRequest.Builder request(String name) {
        return ProvisionRequest.builder(name)
                .image(ImageSource.file(base))
                .workDirectory(dir)
                .memoryBytes(256L << 20)
                .vcpus(2)
                .diskBytes(128L << 20)
                .user("admin")
                .password(SECRET.toCharArray())
                .sshAuthorizedKey(KEY)
                .command("echo one")
                .command("echo two");
    }

    /** A poller asking {@code sources}, every 10 ms at first and every 20 ms at most. */
    private static GuestAddressPoller quickPoller(org.vmm4j.guest.GuestAddress.Source... sources) {
        return new GuestAddressPoller(List.of(sources), Duration.ofMillis(10), Duration.ofMillis(20));
    }

    @Test
    void runsEveryStepWithFakeNetworkStepsAndReports() throws Exception {
        ProvisionResult result = provisioner().build().provision(request("web1").build());

        assertEquals("192.0.2.10", result.address().orElseThrow());
        assertEquals("SSH-2.0-Fake", result.sshBanner().orElseThrow());
        assertEquals(
                List.of(GuestProvisioner.LOGIN_CHECK, "echo one", "echo two"), ran, "a login check, then the commands");
        assertEquals(2, result.commandResults().size());
        assertEquals(ProvisionStep.count() - 1, result.timings().size(), "every step but the report is timed");
        assertTrue(result.summary().contains("wait for IP"), result.summary());

        InMemoryGuestManager.InMemoryGuest guest = manager.guests.get("web1");
        assertEquals(GuestState.RUNNING, guest.state);
        GuestSpec spec = guest.spec;
        assertEquals(256L << 20, spec.memoryBytes());
        assertEquals(2, spec.vcpus());
        assertEquals(
                List.of(result.disk().toString(), result.seed().toString()),
                spec.disks().stream().map(DiskSpec::source).toList());
        assertTrue(spec.disks().get(1).cdrom());
        try (Qcow2Image overlay = Qcow2Image.open(result.disk())) {
            assertEquals(base.toString(), overlay.header().backingFile().orElseThrow());
            assertEquals(128L << 20, Qcow2Image.virtualSizeOf(result.disk()));
        }
        assertTrue(Files.size(result.seed()) > 0);

        // Every step reports its start and its end, in order, out of the same total.
        List<Integer> started = events.stream()
                .filter(p -> p.message().equals("started"))
                .map(Progress::index)
                .toList();
        assertEquals(
                java.util.stream.IntStream.rangeClosed(1, ProvisionStep.count())
                        .boxed()
                        .toList(),
                started);
        assertTrue(events.stream().allMatch(p -> p.total() == ProvisionStep.count()));
        assertTrue(
                events.contains(new Progress("wait for IP", 8, ProvisionStep.count(), 0.5, "fake lease pending")),
                events.toString());
        assertTrue(
                events.contains(new Progress("wait for IP", 8, ProvisionStep.count(), 1.0, "address 192.0.2.10")),
                events.toString());
        assertFalse(events.toString().contains(SECRET));
    }

    @Test
    void stopsAfterStartWhenAskedAndSkipsTheRest() {
        ProvisionResult result = provisioner()
                .addressWaiter((g, t, r) -> {
                    throw new AssertionError("must not wait for an IP");
                })
                .build()
                .provision(request("web2").stopAfter(ProvisionStep.START_GUEST).build());

        assertTrue(result.address().isEmpty());
        assertTrue(ran.isEmpty());
        assertEquals(GuestState.RUNNING, manager.guests.get("web2").state);
        assertTrue(result.timings().stream()
                .filter(ProvisionResult.StepTiming::skipped)
                .map(t -> t.step())
                .toList()
                .containsAll(
                        List.of(ProvisionStep.WAIT_FOR_IP, ProvisionStep.WAIT_FOR_SSH, ProvisionStep.RUN_COMMANDS)));
        assertTrue(events.contains(new Progress("wait for SSH", 9, ProvisionStep.count(), 1.0, "skipped")));
    }

    @Test
    void rollsBackGuestDiskAndSeedWhenNoAddressAppears() {
        GuestProvisioner p = provisioner()
                .addressWaiter(quickPoller(
                        org.vmm4j.guest.GuestAddress.Source.DHCP_LEASE,
                        org.vmm4j.guest.GuestAddress.Source.GUEST_AGENT))
                .build();
        ProvisionRequest request =
                request("web3").addressTimeout(Duration.ofMillis(200)).build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> p.provision(request));

        assertEquals(ProvisionStep.WAIT_FOR_IP, e.step());
        assertTrue(
                e.getMessage().contains("failed at step 8/" + ProvisionStep.count() + " (wait for IP)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("no DHCP lease"), e.getMessage());
        assertTrue(e.getMessage().contains("no agent in memory"), "says what each source answered: " + e.getMessage());
        assertEquals(
                List.of(
                        "guest web3 undefined",
                        "seed " + request.seedPath() + " deleted",
                        "disk " + request.diskPath() + " deleted"),
                e.rolledBack());
        assertTrue(manager.guests.isEmpty());
        assertEquals(List.of("define web3", "start web3", "destroy web3", "undefine web3"), manager.calls);
        assertFalse(Files.exists(request.diskPath()));
        assertFalse(Files.exists(request.seedPath()));
        assertTrue(Files.exists(base), "the base image is never removed");
        assertEquals(0, e.getSuppressed().length);
    }

    @Test
    void addressWaitEndsAtOnceWhenTheGuestCrashes() {
        GuestProvisioner p = provisioner()
                .addressWaiter(quickPoller(org.vmm4j.guest.GuestAddress.Source.DHCP_LEASE))
                .listener(e -> {
                    if (e.index() == 8 && e.message().equals("started")) {
                        manager.guests.get("web12").state = GuestState.CRASHED;
                    }
                })
                .build();
        long start = System.nanoTime();

        ProvisionException e = assertThrows(
                ProvisionException.class,
                () -> p.provision(
                        request("web12").addressTimeout(Duration.ofMinutes(5)).build()));

        assertTrue(System.nanoTime() - start < 30_000_000_000L, "did not wait for the timeout");
        assertTrue(e.getMessage().contains("guest web12 is crashed while waiting for its address"), e.getMessage());
        assertTrue(manager.guests.isEmpty());
    }

    @Test
    void rollsBackDefinitionWhenStartFails() {
        manager.failStart = new IllegalStateException("network 'default' is not active");
        ProvisionRequest request = request("web4").build();

        ProvisionException e = assertThrows(
                ProvisionException.class, () -> provisioner().build().provision(request));

        assertEquals(ProvisionStep.START_GUEST, e.step());
        assertTrue(
                e.getMessage().contains("network 'default' is not active; hint: check the network is active"),
                e.getMessage());
        assertEquals(
                List.of("define web4", "start web4", "undefine web4"),
                manager.calls,
                "a stopped guest is not destroyed");
        assertTrue(manager.guests.isEmpty());
        assertFalse(Files.exists(request.diskPath()));
    }

    @Test
    void aFailureReadsInEveryLocaleWithItsReasonAndRollbackTranslated() {
        GuestProvisioner p = provisioner()
                .addressWaiter(quickPoller(org.vmm4j.guest.GuestAddress.Source.DHCP_LEASE))
                .build();
        ProvisionRequest request =
                request("web9").addressTimeout(Duration.ofMillis(100)).build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> p.provision(request));

        assertEquals("error.no-address", e.reasonMessage().key());
        assertEquals(e.reasonMessage().english(), e.reason());
        assertEquals(e.step().hint(), e.hint());
        assertEquals(
                List.of("rolled-back.guest", "rolled-back.seed", "rolled-back.disk"),
                e.rolledBackMessages().stream().map(Message::key).toList());
        for (Locale locale : MessageCatalog.LOCALES.subList(1, MessageCatalog.LOCALES.size())) {
            String text = e.message(locale);
            assertFalse(text.contains("⟦"), locale + ": " + text);
            assertTrue(text.contains(e.reasonMessage().render(locale)), locale + ": " + text);
            assertTrue(text.contains(e.step().hintMessage().render(locale)), locale + ": " + text);
            for (String english : List.of("had no IPv4 address", "undefined", "deleted", e.hint())) {
                assertFalse(text.contains(english), locale + " still says " + english + ": " + text);
            }
        }
        String german = e.message(Locale.GERMAN);
        assertTrue(german.contains("Gast web9 hatte nach PT0.1S keine IPv4-Adresse"), german);
        assertTrue(german.contains("zurückgenommen: Gast web9 entfernt, Seed "), german);
    }

    @Test
    void refusesTakenNameAndLeavesTheExistingGuestAlone() {
        manager.define(GuestSpec.builder("taken").build());
        Path leftover = dir.resolve("taken.qcow2");

        ProvisionException e = assertThrows(
                ProvisionException.class,
                () -> provisioner().build().provision(request("taken").build()));

        assertEquals(ProvisionStep.CHECK_NAME, e.step());
        assertTrue(e.getMessage().contains("a guest named taken already exists"), e.getMessage());
        assertTrue(e.rolledBack().isEmpty());
        assertTrue(manager.guests.containsKey("taken"));
        assertFalse(Files.exists(leftover));
    }

    @Test
    void refusesLeftoverDiskFileWithoutDeletingIt() throws Exception {
        Path leftover = Files.writeString(dir.resolve("old.qcow2"), "someone's data");

        ProvisionException e = assertThrows(
                ProvisionException.class,
                () -> provisioner().build().provision(request("old").build()));

        assertEquals(ProvisionStep.CHECK_NAME, e.step());
        assertEquals("someone's data", Files.readString(leftover));
    }

    @Test
    void checksumMismatchNamesTheCauseAndCreatesNothing() throws Exception {
        try (LocalHttpServer http = new LocalHttpServer()) {
            http.serve("/img.qcow2", Files.readAllBytes(base));
            ImageDownloader downloader = new ImageDownloader(dir.resolve("cache"));
            ProvisionRequest request = request("web5")
                    .image(ImageSource.url(http.uri("/img.qcow2"), ExpectedDigest.sha256("00".repeat(32))))
                    .build();

            ProvisionException e = assertThrows(
                    ProvisionException.class,
                    () -> provisioner().downloader(downloader).build().provision(request));

            assertEquals(ProvisionStep.FETCH_IMAGE, e.step());
            assertTrue(e.getCause() instanceof ChecksumMismatchException);
            assertTrue(e.hint().startsWith("checksum mismatch"), e.hint());
            assertTrue(manager.guests.isEmpty());
            assertFalse(Files.exists(request.diskPath()));
        }
    }

    @Test
    void downloadsRemoteImageOverLoopbackAndReportsByteProgress() throws Exception {
        try (LocalHttpServer http = new LocalHttpServer()) {
            byte[] image = Files.readAllBytes(base);
            http.serve("/img.qcow2", image);
            String sha = java.util.HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(image));
            ProvisionRequest request = request("web6")
                    .image(ImageSource.url(http.uri("/img.qcow2"), ExpectedDigest.sha256(sha)))
                    .build();

            ProvisionResult r = provisioner()
                    .downloader(new ImageDownloader(dir.resolve("cache")))
                    .build()
                    .provision(request);

            try (Qcow2Image overlay = Qcow2Image.open(r.disk())) {
                assertTrue(overlay.header()
                        .backingFile()
                        .orElseThrow()
                        .startsWith(dir.resolve("cache").toString()));
            }
            assertTrue(
                    events.stream()
                            .anyMatch(p -> p.index() == 3
                                    && p.fraction() == 1.0
                                    && p.message().contains("MiB")),
                    events.toString());
        }
    }

    @Test
    void sshRefusedOnALoopbackPortGivesTheSshHint() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        GuestProvisioner p = provisioner()
                .addressWaiter((g, t, r) -> "127.0.0.1")
                .sshWaiter(SshWaiter.BANNER)
                .build();
        ProvisionRequest request = request("web7")
                .sshPort(closedPort)
                .sshTimeout(Duration.ofMillis(300))
                .build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> p.provision(request));

        assertEquals(ProvisionStep.WAIT_FOR_SSH, e.step());
        assertTrue(e.getMessage().contains("hint: SSH refused"), e.getMessage());
        assertTrue(manager.guests.isEmpty());
    }

    @Test
    void passwordNeverAppearsInMessagesProgressOrToString() {
        ProvisionRequest request =
                request("web8").sshTimeout(Duration.ofMillis(300)).build();
        GuestProvisioner p = provisioner()
                .commandRunner((target, lines, timeout, r) -> {
                    assertFalse(target.toString().contains(SECRET));
                    throw new SshException("server said: bad password " + SECRET);
                })
                .build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> p.provision(request));

        assertEquals(ProvisionStep.WAIT_FOR_SSH, e.step(), "the login check meets the refusal first");
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertTrue(e.getMessage().contains("bad password ***"), e.getMessage());
        assertFalse(request.toString().contains(SECRET), request.toString());
        assertTrue(request.toString().contains("password redacted"));
        assertFalse(events.stream()
                .map(Progress::message)
                .collect(Collectors.joining())
                .contains(SECRET));
    }

    @Test
    void seedCarriesTheHashNeverThePassword() {
        NoCloudSeed seed = GuestProvisioner.seedFor(request("web9").build(), "iid-test");
        String userData = new String(
                seed.files().stream()
                        .filter(f -> f.name().equals("user-data"))
                        .findFirst()
                        .map(IsoFile::content)
                        .orElseThrow(),
                StandardCharsets.UTF_8);

        assertTrue(userData.contains("$6$"), userData);
        assertTrue(userData.contains(KEY), userData);
        assertTrue(userData.contains("name: admin"), userData);
        assertTrue(userData.contains("hostname: web9"), userData);
        assertFalse(userData.contains(SECRET));
        assertFalse(seed.toString().contains(SECRET));
    }

    @Test
    void specBootsInstallerFromCdromAfterEmptyDiskAndHonoursUefi() {
        ProvisionRequest request = request("web10").build();
        GuestSpec installer = GuestProvisioner.specFor(request, new GuestProvisioner.BaseImage(base, true, true));
        assertEquals(BootSpec.Firmware.UEFI, installer.boot().firmware());
        assertEquals(
                List.of(BootSpec.Device.DISK, BootSpec.Device.CDROM),
                installer.boot().order());
        assertEquals(3, installer.disks().size());

        GuestSpec direct = GuestProvisioner.specFor(
                request("web11")
                        .boot(BootSpec.kernel("/k", null, "console=ttyS0"))
                        .build(),
                new GuestProvisioner.BaseImage(base, false, true));
        assertEquals("/k", direct.boot().kernel());
    }

    @Test
    void specCarriesTheRequestsAccelerator() {
        GuestProvisioner.BaseImage image = new GuestProvisioner.BaseImage(base, false, false);
        assertEquals(
                Accelerator.AUTO,
                GuestProvisioner.specFor(request("acc1").build(), image).accelerator());
        assertEquals(
                Accelerator.TCG,
                GuestProvisioner.specFor(
                                request("acc2").accelerator(Accelerator.TCG).build(), image)
                        .accelerator());
    }

    @Test
    void bhyveGuestsGetARawCopyOfTheImageAndARawDiskSpec() throws Exception {
        ProvisionRequest request = request("bsd1").hypervisor("bhyve").build();
        Path disk = GuestProvisioner.createDisk(request, new GuestProvisioner.BaseImage(base, false, false));
        assertEquals(org.vmm4j.image.DiskFormat.RAW, org.vmm4j.image.DiskFormat.detect(disk));
        assertEquals(128L << 20, java.nio.file.Files.size(disk), "grown to the requested size");
        GuestSpec spec = GuestProvisioner.specFor(request, new GuestProvisioner.BaseImage(base, false, false));
        assertEquals(org.vmm4j.guest.DiskSpec.Format.RAW, spec.disks().get(0).format());
        GuestSpec kvm =
                GuestProvisioner.specFor(request("kvm1").build(), new GuestProvisioner.BaseImage(base, false, false));
        assertEquals(org.vmm4j.guest.DiskSpec.Format.QCOW2, kvm.disks().get(0).format());
    }

    @Test
    void rejectsDiskSmallerThanTheImage() {
        ProvisionException e = assertThrows(
                ProvisionException.class,
                () -> provisioner()
                        .build()
                        .provision(request("small").diskBytes(1L << 20).build()));
        assertEquals(ProvisionStep.CREATE_DISK, e.step());
        assertTrue(e.getMessage().contains("smaller than the image"), e.getMessage());
        assertTrue(e.rolledBack().isEmpty());
    }

    @Test
    void invalidRequestFailsAtValidateBeforeAnythingHappens() {
        ProvisionException e = assertThrows(
                ProvisionException.class,
                () -> provisioner().build().provision(request("bad;name").build()));
        assertEquals(ProvisionStep.VALIDATE, e.step());
        assertTrue(manager.calls.isEmpty());
        assertEquals(
                List.of("started"),
                events.stream().map(Progress::message).limit(1).toList());
    }

    private static final AgentSetup AGENT = new AgentSetup(
            List.of("install-a", "install-b"),
            "/etc/agent/agent.yaml",
            new AgentConfiguration("https://mgr.example.com", 8443, true),
            "agent.service",
            Duration.ofSeconds(3));

    /** A runner like SshCommandRunner: records, answers is-active with {@code state}, fails on {@code failing}. */
    private CommandRunner agentRunner(String state, String failing) {
        return (target, lines, timeout, r) -> lines.stream()
                .map(l -> {
                    ran.add(l);
                    if (l.equals(failing)) {
                        throw new SshException("command 1 of 1 exited with 1: no such package");
                    }
                    if (l.startsWith("systemctl is-active")) {
                        if (!state.equals("active")) {
                            throw new SshException("command 1 of 1 exited with 3: " + state);
                        }
                        return new CommandResult(List.of(l), 0, "active\n", "");
                    }
                    return new CommandResult(List.of(l), 0, "", "");
                })
                .toList();
    }

    @Test
    void agentIsInstalledConfiguredStartedAndCheckedActiveInThatOrder() {
        ProvisionResult result = provisioner()
                .commandRunner(agentRunner("active", null))
                .build()
                .provision(request("ag1").agent(AGENT).build());

        assertEquals(
                List.of(
                        GuestProvisioner.LOGIN_CHECK,
                        "echo one",
                        "echo two",
                        "install-a",
                        "install-b",
                        GuestProvisioner.writeFileCommand(
                                "/etc/agent/agent.yaml", AGENT.configuration().toYaml()),
                        "sudo systemctl enable 'agent.service'",
                        "sudo systemctl restart 'agent.service'",
                        "systemctl is-active 'agent.service'"),
                ran);
        String write = ran.get(5);
        String encoded = write.substring(write.indexOf("' '") + 3, write.indexOf("' |"));
        assertEquals(
                "server:\n  url: https://mgr.example.com\n  port: 8443\n  https: true\n",
                new String(java.util.Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
        assertTrue(write.endsWith("sudo install -D -m 0600 /dev/stdin '/etc/agent/agent.yaml'"), write);
        for (ProvisionStep step :
                List.of(ProvisionStep.INSTALL_AGENT, ProvisionStep.CONFIGURE_AGENT, ProvisionStep.START_AGENT)) {
            assertTrue(result.timings().stream().anyMatch(t -> t.step() == step && !t.skipped()), step.label());
        }
        assertTrue(result.timeOf(ProvisionStep.START_AGENT).toMillis() >= 2000, "the settle pause is in the step");
        assertEquals(
                "active\n",
                result.commandResults().get(result.commandResults().size() - 1).stdout());
        assertTrue(result.hostKeyFingerprint().orElseThrow().startsWith("SHA256:"));
        assertTrue(
                events.contains(new Progress(
                        "start agent",
                        ProvisionStep.START_AGENT.number(),
                        ProvisionStep.count(),
                        1.0,
                        "agent.service is active (checked 1 time(s))")),
                events.toString());
    }

    @Test
    void failingAgentInstallCommandRollsBackTheGuestDiskAndSeed() {
        ProvisionRequest request = request("ag2").agent(AGENT).build();
        GuestProvisioner p =
                provisioner().commandRunner(agentRunner("active", "install-b")).build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> p.provision(request));

        assertEquals(ProvisionStep.INSTALL_AGENT, e.step());
        assertTrue(e.getMessage().contains("no such package"), e.getMessage());
        assertTrue(e.getMessage().contains("hint: an agent install command failed"), e.getMessage());
        assertFalse(ran.stream().anyMatch(l -> l.contains("systemctl")), "nothing after the failing command ran");
        assertTrue(manager.guests.isEmpty());
        assertFalse(Files.exists(request.diskPath()));
        assertFalse(Files.exists(request.seedPath()));
    }

    @Test
    void agentThatNeverBecomesActiveFailsStartAgentAfterItsTimeoutAndRollsBack() {
        ProvisionRequest request = request("ag3").agent(AGENT).build();
        GuestProvisioner p =
                provisioner().commandRunner(agentRunner("failed", null)).build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> p.provision(request));

        assertEquals(ProvisionStep.START_AGENT, e.step());
        assertTrue(e.getMessage().contains("agent.service is not active after 3 s"), e.getMessage());
        assertTrue(e.getMessage().contains("journalctl -u SERVICE"), e.getMessage());
        assertTrue(ran.stream().filter(l -> l.startsWith("systemctl is-active")).count() >= 2, ran.toString());
        assertTrue(manager.guests.isEmpty());
        assertFalse(Files.exists(request.diskPath()));
    }

    @Test
    void agentWithoutCredentialsIsRefusedAtValidate() {
        ProvisionRequest request = ProvisionRequest.builder("ag4")
                .image(ImageSource.file(base))
                .workDirectory(dir)
                .user("admin")
                .agent(AGENT)
                .build();

        ProvisionException e = assertThrows(
                ProvisionException.class, () -> provisioner().build().provision(request));

        assertEquals(ProvisionStep.VALIDATE, e.step());
        assertTrue(e.getMessage().contains("an agent to install needs a user and a password or SSH private key"));
        assertEquals("request.agent-needs-login", e.reasonMessage().key(), "the request's own words, keyed");
        assertTrue(
                e.message(Locale.ITALIAN)
                        .contains(": un agente da installare richiede un utente e una password o chiave privata SSH"),
                e.message(Locale.ITALIAN));
        assertTrue(manager.calls.isEmpty());
    }

    @Test
    void seedGivesTheGuestTheGeneratedHostKeyAndNoOther() {
        GuestHostKey key = GuestHostKey.generate();
        NoCloudSeed seed = GuestProvisioner.seedFor(request("hk1").build(), "iid-hk", key);
        String userData = new String(
                seed.files().stream()
                        .filter(f -> f.name().equals("user-data"))
                        .findFirst()
                        .map(IsoFile::content)
                        .orElseThrow(),
                StandardCharsets.UTF_8);

        assertTrue(userData.contains("ssh_deletekeys: true"), userData);
        assertTrue(userData.contains("ssh_genkeytypes: []"), userData);
        assertTrue(userData.contains("ed25519_public: " + key.publicKeyLine()), userData);
        assertTrue(userData.contains("BEGIN OPENSSH PRIVATE KEY"), "the private half goes to the guest");
        assertFalse(key.toString().contains("PRIVATE"), key.toString());
        assertFalse(
                GuestProvisioner.seedFor(request("hk2").build(), "iid-hk2")
                        .userData()
                        .toUserData()
                        .contains("ssh_keys"),
                "no key given, none in the seed");
    }

    @Test
    void libvirtGuestsGetTheGuestAgentChannelOthersDoNot() {
        GuestProvisioner.BaseImage disk = new GuestProvisioner.BaseImage(base, false, false);
        assertTrue(GuestProvisioner.specFor(request("ga1").build(), disk).guestAgent());
        assertFalse(GuestProvisioner.specFor(request("ga2").hypervisor("bhyve").build(), disk)
                .guestAgent());
    }

    @Test
    void builtImageIsStagedIntoTheWorkDirectoryAndBootedWithItsOwnKernel() throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache").resolve("key0123456789abcdef"));
        Path disk = Qcow2Writer.create(
                cache.resolve("disk.qcow2"), Qcow2Options.builder(64L << 20).build());
        Path kernel = Files.writeString(cache.resolve("vmlinuz"), "kernel");
        Path initrd = Files.writeString(cache.resolve("initrd.img"), "initrd");
        org.vmm4j.provision.build.BuiltImage built = new org.vmm4j.provision.build.BuiltImage(
                cache,
                disk,
                kernel,
                initrd,
                "root=/dev/vda rw console=ttyS0",
                "key0123456789abcdef",
                "debian-12",
                java.util.Map.of(),
                Duration.ZERO,
                true);
        Path work = Files.createDirectories(dir.resolve("work"));

        ProvisionResult result = provisioner()
                .build()
                .provision(request("bi1")
                        .image(ImageSource.built(built))
                        .workDirectory(work)
                        .build());

        Path staged = work.resolve("base-key0123456789abc");
        GuestSpec spec = manager.guests.get("bi1").spec;
        assertEquals(
                BootSpec.kernel(
                        staged.resolve("vmlinuz").toString(),
                        staged.resolve("initrd.img").toString(),
                        "root=/dev/vda rw console=ttyS0"),
                spec.boot());
        assertTrue(Files.isSameFile(disk, staged.resolve("disk.qcow2")), "a hard link, not a copy");
        try (Qcow2Image overlay = Qcow2Image.open(result.disk())) {
            assertEquals(
                    staged.resolve("disk.qcow2").toString(),
                    overlay.header().backingFile().orElseThrow());
        }

        // A failing second guest of the same image reuses the staging and leaves it for the next one.
        ProvisionException e = assertThrows(
                ProvisionException.class,
                () -> provisioner()
                        .addressWaiter((g, t, r) -> {
                            throw new IllegalStateException("no lease");
                        })
                        .build()
                        .provision(request("bi2")
                                .image(ImageSource.built(built))
                                .workDirectory(work)
                                .build()));
        assertEquals(ProvisionStep.WAIT_FOR_IP, e.step());
        assertTrue(Files.isRegularFile(staged.resolve("disk.qcow2")));
        try (var files = Files.list(work)) {
            assertEquals(
                    List.of("base-key0123456789abc", "bi1-seed.iso", "bi1.qcow2"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(),
                    "nothing of bi2 and no partial file");
        }
    }

    @Test
    void aRunsEventsAndSummaryReadInEveryShippedLocale() {
        ProvisionResult result = provisioner().build().provision(request("intl").build());
        for (java.util.Locale locale : org.vmm4j.text.MessageCatalog.LOCALES) {
            for (Progress p : events) {
                String step = p.stepName().render(locale);
                String status = p.status().render(locale);
                assertFalse(step.contains("⟦") || status.contains("⟦"), locale + ": " + step + " " + status);
                if (!locale.getLanguage().equals("en")) {
                    assertFalse(step.equals(p.step()), locale + " keeps the English step name " + step);
                }
            }
            String summary = result.summary(locale);
            assertFalse(summary.contains("⟦"), summary);
            assertTrue(summary.contains(ProvisionStep.WAIT_FOR_IP.labelMessage().render(locale)), summary);
        }
        assertTrue(events.stream().anyMatch(p -> p.status().key().equals("progress.ran-commands")), events.toString());
    }
}
