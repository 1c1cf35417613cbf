package org.vmm4j.linux.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.DhcpLease;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestConsole;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.Snapshot;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.Progress;
import org.vmm4j.linux.guest.LibvirtGuestManager;
import org.vmm4j.linux.guest.LibvirtNetwork;
import org.vmm4j.linux.guest.LibvirtStoragePool;
import org.vmm4j.linux.guest.LibvirtStorageVolume;
import org.vmm4j.provision.AgentConfiguration;
import org.vmm4j.provision.AgentSetup;
import org.vmm4j.provision.GuestAddressPoller;
import org.vmm4j.provision.GuestProvisioner;
import org.vmm4j.provision.HostKeyException;
import org.vmm4j.provision.HostKeyPolicy;
import org.vmm4j.provision.ProvisionException;
import org.vmm4j.provision.ProvisionRequest;
import org.vmm4j.provision.ProvisionResult;
import org.vmm4j.provision.ProvisionStep;
import org.vmm4j.provision.SshCredentials;
import org.vmm4j.provision.SshException;
import org.vmm4j.provision.SshSession;
import org.vmm4j.provision.SshTarget;
import org.vmm4j.provision.build.BaseImageBuilder;
import org.vmm4j.provision.build.BaseImageRecipe;
import org.vmm4j.provision.build.BuiltImage;
import org.vmm4j.testsupport.ConsoleTranscript;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The whole create workflow for real, on libvirtd with QEMU's TCG (what AUTO picks on a host whose KVM
 * cannot run a full OS): the Debian 12 base image built on this machine (cached; built here when absent),
 * a qcow2 overlay, our NoCloud seed consumed by the guest's real cloud-init, libvirt's {@code default} NAT
 * network, the address from its DHCP lease and from the guest agent, SSH with the host key the seed gave
 * the guest (pinned: no trust on first use), a stand-in agent installed, configured, started and
 * checked active. Then the guest is removed and nothing of it is left. The step times are printed.
 *
 * <p>The created guest also shows its login prompt (with the seeded host name) through the console stream,
 * and keeps a file through a snapshot: written over SSH, snapshot, deleted, reverted, read back.
 *
 * <p>The rollback tests that need no booted OS come first (cheapest): a kernel QEMU cannot load, and a
 * guest given three seconds to get an address; after the create, three that boot the OS: an agent install
 * command that fails, SSH refused (a port nothing listens on), and a seed the guest ignores (its volume
 * label spoiled). The class takes about 5 minutes (4 boots on TCG).
 */
@RequiresHost(
        libvirtd = true,
        tools = {"qemu-system-x86_64", "ssh-keygen", "mmdebstrap", "mke2fs"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProvisionBuiltImageOnTcgTest {
    private static final String PREFIX = "vmm4j-e2e-" + ProcessHandle.current().pid();
    private static final Path WORK = Path.of("/var/lib/libvirt/images", PREFIX);
    private static final String NETWORK = "default";
    private static final String AGENT_SERVICE = "vmm4j-standin-agent";
    private static final String AGENT_CONFIG = "/etc/vmm4j-standin/agent.yaml";

    private static LibvirtGuestManager libvirt;
    private static LibvirtNetwork network;
    private static boolean startedNetwork;
    private static LibvirtStoragePool pool;
    private static BuiltImage image;
    private static Path clientKey;
    private static String clientPublicKey;

    @BeforeAll
    static void setUp() throws Exception {
        libvirt = LibvirtGuestManager.connect("qemu:///system");
        network = libvirt.findNetwork(NETWORK)
                .orElseThrow(() -> new IllegalStateException("libvirt has no '" + NETWORK + "' network"));
        if (!network.isActive()) {
            network.start();
            startedNetwork = true;
        }
        long start = System.nanoTime();
        image = new BaseImageBuilder(BaseImageBuilder.defaultCacheDirectory())
                .build(BaseImageRecipe.named("debian-12"), p -> {
                    if (p.fraction() == 1.0) {
                        System.out.println("base image: " + p.step() + ": " + p.message());
                    }
                });
        System.out.printf(
                "base image %s (%s) in %.1f s%n",
                image.directory(), image.cached() ? "cached" : "built", (System.nanoTime() - start) / 1e9);
        Files.createDirectories(WORK);
        // A directory pool over the work directory: libvirt's view of the guest's files as volumes.
        pool = libvirt.defineDirectoryPool(PREFIX, WORK.toString());
        pool.start();
        clientKey = WORK.resolve("client_ed25519");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "vmm4j-e2e", "-f", clientKey.toString());
        clientPublicKey = Files.readString(Path.of(clientKey + ".pub")).strip();
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (libvirt != null) {
            for (Guest g : libvirt.list(org.vmm4j.guest.GuestFilter.ALL)) {
                if (g.name().startsWith("e2e-")) {
                    removeQuietly(g);
                }
                g.close();
            }
        }
        if (pool != null) {
            if (pool.isActive()) {
                pool.stop();
            }
            pool.undefine();
            pool.close();
        }
        if (network != null) {
            if (startedNetwork && network.isActive()) {
                network.stop();
            }
            network.close();
        }
        if (Files.isDirectory(WORK)) {
            try (Stream<Path> files = Files.walk(WORK)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (libvirt != null) {
            libvirt.close();
        }
    }

    private static void removeQuietly(Guest g) {
        try {
            g.destroy();
        } catch (RuntimeException ignored) {
            // already stopped
        }
        try {
            g.undefine(org.vmm4j.guest.UndefineOption.SNAPSHOTS);
        } catch (RuntimeException ignored) {
            // already gone
        }
    }

    private static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(List.of(argv) + " failed: " + out);
        }
        return out;
    }

    private static String name(String what) {
        return "e2e-" + what + "-" + ProcessHandle.current().pid();
    }

    /** The stand-in agent: a systemd unit that stays up only when its configuration file is there. */
    private static AgentSetup standInAgent(List<String> extraInstallCommands) {
        List<String> install = new ArrayList<>(List.of(
                "printf '%s\\n' '[Unit]' 'Description=vmm4j stand-in management agent' '[Service]'"
                        + " 'ExecStart=/bin/sh -c \"test -s " + AGENT_CONFIG + " && exec sleep infinity\"'"
                        + " '[Install]' 'WantedBy=multi-user.target'"
                        + " | sudo tee /etc/systemd/system/" + AGENT_SERVICE + ".service > /dev/null",
                "sudo systemctl daemon-reload"));
        install.addAll(extraInstallCommands);
        return new AgentSetup(
                install,
                AGENT_CONFIG,
                new AgentConfiguration("https://manager.example.invalid", 8443, true),
                AGENT_SERVICE,
                Duration.ofSeconds(60));
    }

    private static ProvisionRequest.Builder request(String name) {
        return ProvisionRequest.builder(name)
                .builtImage(image)
                .workDirectory(WORK)
                .memoryBytes(1L << 30)
                .vcpus(2)
                .network(NETWORK)
                .accelerator(Accelerator.AUTO)
                .user("admin")
                .sshAuthorizedKey(clientPublicKey)
                .sshPrivateKey(clientKey)
                .knownHosts(WORK.resolve("known_hosts"))
                .addressTimeout(Duration.ofMinutes(4))
                .sshTimeout(Duration.ofMinutes(4))
                .commandTimeout(Duration.ofMinutes(2));
    }

    private static GuestProvisioner provisioner() {
        return GuestProvisioner.builder(libvirt)
                .listener(ProvisionBuiltImageOnTcgTest::print)
                .build();
    }

    private static void print(Progress p) {
        if (p.fraction() == 1.0 || p.fraction() == 0.0 || p.message().startsWith("failed")) {
            System.out.printf("[%2d/%d] %-16s %s%n", p.index(), p.total(), p.step(), p.message());
        }
    }

    /** {@code e} undid a guest that had been defined and started, cleanly, and nothing of it is left. */
    private static void assertRolledBackARunningGuest(ProvisionException e, ProvisionRequest request) {
        assertTrue(
                e.rolledBack().contains("guest " + request.name() + " undefined"),
                e.rolledBack().toString());
        assertEquals(0, e.getSuppressed().length, List.of(e.getSuppressed()).toString());
        assertNothingLeft(request);
    }

    /** Everything a guest named {@code name} could leave: domain, files, pool volumes, DHCP reservations. */
    private static void assertNothingLeft(ProvisionRequest request) {
        assertTrue(libvirt.find(request.name()).isEmpty(), "no domain " + request.name());
        assertFalse(Files.exists(request.diskPath()), "no overlay " + request.diskPath());
        assertFalse(Files.exists(request.seedPath()), "no seed " + request.seedPath());
        pool.refresh();
        List<String> volumes =
                pool.volumes().stream().map(LibvirtStorageVolume::path).toList();
        assertFalse(volumes.contains(request.diskPath().toString()), volumes.toString());
        assertFalse(volumes.contains(request.seedPath().toString()), volumes.toString());
        String networkXml = network.xml();
        assertFalse(networkXml.contains("name=\"" + request.name() + "\""), "no DHCP host entry: " + networkXml);
    }

    @Test
    @Order(1)
    void unbootableKernelFailsAtStartAndLeavesNothing() throws Exception {
        // A built image whose kernel QEMU cannot load: the disk and initrd are the real ones.
        Path broken = Files.createDirectories(WORK.resolve("broken-image"));
        Path kernel = Files.writeString(broken.resolve("vmlinuz"), "not a kernel\n");
        BuiltImage unbootable = new BuiltImage(
                broken,
                image.disk(),
                kernel,
                image.initrd(),
                image.kernelCommandLine(),
                "unbootable-" + image.cacheKey(),
                image.recipeName(),
                Map.of(),
                Duration.ZERO,
                true);
        ProvisionRequest request = request(name("bad")).builtImage(unbootable).build();

        ProvisionException e =
                assertThrows(ProvisionException.class, () -> provisioner().provision(request));

        System.out.println("unbootable kernel: " + e.getMessage());
        assertEquals(ProvisionStep.START_GUEST, e.step(), e.getMessage());
        assertEquals(0, e.getSuppressed().length, List.of(e.getSuppressed()).toString());
        assertNothingLeft(request);
    }

    @Test
    @Order(2)
    void noAddressInTimeRollsBackARunningGuest() {
        ProvisionRequest request =
                request(name("noip")).addressTimeout(Duration.ofSeconds(3)).build();
        GuestProvisioner p = GuestProvisioner.builder(libvirt)
                .addressWaiter(new GuestAddressPoller(
                        List.of(GuestAddress.Source.DHCP_LEASE), Duration.ofMillis(200), Duration.ofSeconds(1)))
                .listener(ProvisionBuiltImageOnTcgTest::print)
                .build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> p.provision(request));

        assertEquals(ProvisionStep.WAIT_FOR_IP, e.step(), e.getMessage());
        assertRolledBackARunningGuest(e, request);
    }

    @Test
    @Order(3)
    void createsAGuestFromTheBuiltImageToAnActiveAgentThenRemovesItWithoutTrace() throws Exception {
        System.out.println("accelerator: " + libvirt.acceleratorChoice(Accelerator.AUTO));
        ProvisionRequest request =
                request(name("ok")).agent(standInAgent(List.of())).build();

        ProvisionResult result = provisioner().provision(request);
        System.out.print(result.summary());
        try (Guest guest = libvirt.find(request.name()).orElseThrow()) {
            String address = result.address().orElseThrow();

            // The address is the NAT network's lease for the guest's MAC, and the guest agent says the same.
            String mac = guest.spec().nics().get(0).mac();
            List<DhcpLease> leases = network.leases();
            assertTrue(
                    leases.stream()
                            .anyMatch(l ->
                                    l.mac().equalsIgnoreCase(mac) && l.address().equals(address)),
                    address + " " + mac + " not in " + leases);
            Optional<List<GuestAddress>> agentAddresses = guestAgentAddresses(guest, Duration.ofSeconds(60));
            System.out.println(
                    "guest agent: " + agentAddresses.map(List::toString).orElse("did not answer"));
            assertTrue(agentAddresses.isPresent(), "qemu-guest-agent answers through the channel");
            assertTrue(
                    agentAddresses.get().stream().anyMatch(a -> a.address().equals(address)),
                    agentAddresses.get().toString());

            // The guest presents exactly the host key the seed gave it: what an accept-new connection
            // records is the key the run pinned; an unknown key under STRICT is refused.
            Path knownHosts = WORK.resolve("known_hosts_check");
            try (SshSession s = SshSession.connect(target(address)
                    .knownHosts(knownHosts)
                    .hostKeyPolicy(HostKeyPolicy.ACCEPT_NEW)
                    .build())) {
                assertEquals(
                        "active\n",
                        s.exec("systemctl is-active " + AGENT_SERVICE, Duration.ofSeconds(30))
                                .stdout());
                CommandResult config = s.exec("sudo cat " + AGENT_CONFIG, Duration.ofSeconds(30));
                assertTrue(config.stdout().contains("port: 8443"), config.stdout());
                assertTrue(config.stdout().contains("https: true"), config.stdout());
                assertEquals(
                        "600 root",
                        s.exec("sudo stat -c '%a %U' " + AGENT_CONFIG, Duration.ofSeconds(30))
                                .stdout()
                                .strip());
            }
            String recorded = Files.readString(knownHosts).strip().split("\\s+")[2];
            assertEquals(
                    result.hostKeyFingerprint().orElseThrow(),
                    "SHA256:"
                            + Base64.getEncoder()
                                    .withoutPadding()
                                    .encodeToString(MessageDigest.getInstance("SHA-256")
                                            .digest(Base64.getDecoder().decode(recorded))));
            assertThrows(
                    HostKeyException.class,
                    () -> SshSession.connect(target(address)
                                    .knownHosts(WORK.resolve("known_hosts_empty"))
                                    .hostKeyPolicy(HostKeyPolicy.STRICT)
                                    .build())
                            .close());

            assertEquals(
                    "active\n",
                    result.commandResults()
                            .get(result.commandResults().size() - 1)
                            .stdout());
            for (ProvisionResult.StepTiming t : result.timings()) {
                assertFalse(t.skipped(), t.step().label());
            }
            System.out.printf(
                    "E2E TIMES:%s total=%.1fs%n",
                    result.timings().stream()
                            .map(t -> String.format(
                                    " %s=%.1fs", t.step().name(), t.duration().toMillis() / 1000.0))
                            .reduce("", String::concat),
                    result.total().toMillis() / 1000.0);

            // The serial console through libvirt's stream: the login prompt carries the host name from the seed.
            try (GuestConsole console = guest.openConsole(false)) {
                ConsoleTranscript transcript = new ConsoleTranscript(console.output(), "login");
                long typed = System.nanoTime();
                console.input().write("\r".getBytes(StandardCharsets.US_ASCII));
                transcript.await(request.name() + " login:", Duration.ofMinutes(1));
                System.out.printf(
                        "console: '%s login:' %d ms after a carriage return%n",
                        request.name(), (System.nanoTime() - typed) / 1_000_000);
            }

            // A snapshot of the running guest keeps a file that is deleted after it: revert, and it is back.
            SshTarget known = target(address)
                    .knownHosts(knownHosts)
                    .hostKeyPolicy(HostKeyPolicy.STRICT)
                    .build();
            String kept = "/home/admin/kept-by-snapshot";
            try (SshSession s = SshSession.connect(known)) {
                assertEquals(
                        0,
                        s.exec("echo vmm4j-$((6*7)) > " + kept + " && sync", Duration.ofSeconds(30))
                                .exitCode());
            }
            long snapshotStart = System.nanoTime();
            Snapshot snapshot = guest.createSnapshot("e2e-kept", "a file written over SSH", false);
            long snapshotTaken = System.nanoTime();
            assertEquals(GuestState.RUNNING, snapshot.guestState(), snapshot.toString());
            assertTrue(snapshot.current(), snapshot.toString());
            try (SshSession s = SshSession.connect(known)) {
                assertEquals(
                        0,
                        s.exec("rm " + kept + " && sync", Duration.ofSeconds(30))
                                .exitCode());
                assertEquals(
                        1, s.exec("test -e " + kept, Duration.ofSeconds(30)).exitCode(), "deleted");
            }
            guest.revertToSnapshot("e2e-kept");
            long reverted = System.nanoTime();
            assertEquals(GuestState.RUNNING, guest.state());
            CommandResult back = execWhenReachable(known, "cat " + kept, Duration.ofMinutes(1));
            assertEquals("vmm4j-42\n", back.stdout(), "the file is back after the revert");
            System.out.printf(
                    "snapshot: taken in %.1f s, reverted in %.1f s, file back over SSH %.1f s after the revert%n",
                    (snapshotTaken - snapshotStart) / 1e9,
                    (reverted - snapshotTaken) / 1e9,
                    (System.nanoTime() - reverted) / 1e9);
            assertEquals(
                    List.of("e2e-kept"),
                    guest.snapshots().stream().map(Snapshot::name).toList());
            guest.deleteSnapshot("e2e-kept");
            assertTrue(guest.snapshots().isEmpty());

            // Remove it: the domain, then its two files.
            pool.refresh();
            assertTrue(
                    pool.volumes().stream()
                            .anyMatch(v -> v.path().equals(request.diskPath().toString())),
                    "the pool sees the overlay while the guest exists (so the check below can fail)");
            guest.destroy();
            guest.undefine();
        }
        Files.delete(request.diskPath());
        Files.delete(request.seedPath());
        assertNothingLeft(request);
    }

    @Test
    @Order(4)
    void failingAgentInstallOnABootedGuestRollsBackEverything() {
        ProvisionRequest request = request(name("agentfail"))
                .agent(standInAgent(List.of("sudo apt-get install -y vmm4j-no-such-agent")))
                .build();

        ProvisionException e =
                assertThrows(ProvisionException.class, () -> provisioner().provision(request));

        System.out.println("failing agent install: " + e.getMessage());
        assertEquals(ProvisionStep.INSTALL_AGENT, e.step(), e.getMessage());
        assertTrue(e.getMessage().contains("exited with 100"), e.getMessage());
        assertEquals(0, e.getSuppressed().length, List.of(e.getSuppressed()).toString());
        assertNothingLeft(request);
    }

    @Test
    @Order(5)
    void sshRefusedOnABootedGuestRollsBackEverything() {
        // Nothing listens on port 2222 in the guest: connections are refused until the SSH timeout.
        ProvisionRequest request = request(name("nossh"))
                .sshPort(2222)
                .sshTimeout(Duration.ofSeconds(15))
                .build();

        ProvisionException e =
                assertThrows(ProvisionException.class, () -> provisioner().provision(request));

        System.out.println("SSH refused: " + e.getMessage());
        assertEquals(ProvisionStep.WAIT_FOR_SSH, e.step(), e.getMessage());
        assertTrue(e.getMessage().contains("hint: SSH refused or silent"), e.getMessage());
        assertEquals(0, e.getSuppressed().length, List.of(e.getSuppressed()).toString());
        assertNothingLeft(request);
    }

    /** {@code command}'s result from the first SSH session that connects within {@code timeout}. */
    private static CommandResult execWhenReachable(SshTarget target, String command, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (SshSession s = SshSession.connect(target)) {
                return s.exec(command, Duration.ofSeconds(30));
            } catch (SshException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    @Test
    @Order(6)
    void aSeedTheGuestIgnoresRollsBackEverything() throws Exception {
        // The seed is made as usual, then its volume label is spoiled before the guest is defined: cloud-init
        // looks for a file system labelled cidata, finds none, and the guest boots without its seed.
        ProvisionRequest request = request(name("noseed"))
                .addressTimeout(Duration.ofSeconds(90))
                .sshTimeout(Duration.ofSeconds(60))
                .build();
        List<String> spoiled = new ArrayList<>();
        GuestProvisioner p = GuestProvisioner.builder(libvirt)
                .listener(progress -> {
                    print(progress);
                    if (progress.step().equals(ProvisionStep.CREATE_SEED.label())
                            && progress.fraction() == 1.0
                            && spoiled.isEmpty()) {
                        spoiled.add(spoilVolumeLabel(request.seedPath()));
                    }
                })
                .build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> p.provision(request));

        System.out.println("seed ignored (" + spoiled + "): " + e.getMessage());
        assertEquals(1, spoiled.size(), "the seed was spoiled once, before the guest was defined");
        // The image has no network configuration of its own: cloud-init, finding no data source, stays off.
        assertEquals(ProvisionStep.WAIT_FOR_IP, e.step(), e.getMessage());
        assertRolledBackARunningGuest(e, request);
    }

    /** Replaces the ISO 9660 and Joliet volume labels {@code cidata} with {@code xidata}; says how many. */
    private static String spoilVolumeLabel(Path iso) {
        try {
            byte[] bytes = Files.readAllBytes(iso);
            int ascii = replaceAll(bytes, "CIDATA".getBytes(StandardCharsets.US_ASCII), (byte) 'X', 0);
            ascii += replaceAll(bytes, "cidata".getBytes(StandardCharsets.US_ASCII), (byte) 'x', 0);
            int joliet = replaceAll(bytes, "CIDATA".getBytes(StandardCharsets.UTF_16BE), (byte) 'X', 1);
            joliet += replaceAll(bytes, "cidata".getBytes(StandardCharsets.UTF_16BE), (byte) 'x', 1);
            assertTrue(ascii + joliet > 0, "the seed has a cidata label to spoil");
            Files.write(iso, bytes);
            return ascii + " ISO 9660 and " + joliet + " Joliet labels spoiled";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every occurrence of {@code label} in the volume descriptors (sectors 16 to 31) gets {@code first} at {@code at}. */
    private static int replaceAll(byte[] bytes, byte[] label, byte first, int at) {
        int count = 0;
        for (int i = 16 * 2048; i + label.length <= Math.min(bytes.length, 32 * 2048); i++) {
            if (java.util.Arrays.equals(bytes, i, i + label.length, label, 0, label.length)) {
                bytes[i + at] = first;
                count++;
            }
        }
        return count;
    }

    private static SshTarget.Builder target(String address) {
        return SshTarget.builder(address, "admin", SshCredentials.privateKey(clientKey));
    }

    private static Optional<List<GuestAddress>> guestAgentAddresses(Guest guest, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                List<GuestAddress> addresses = guest.addresses(GuestAddress.Source.GUEST_AGENT);
                if (addresses.stream()
                        .anyMatch(a ->
                                a.address().indexOf('.') > 0 && !a.address().startsWith("127."))) {
                    return Optional.of(addresses);
                }
            } catch (RuntimeException notYet) {
                // the agent is not connected yet
            }
            Thread.sleep(1000);
        }
        return Optional.empty();
    }
}
