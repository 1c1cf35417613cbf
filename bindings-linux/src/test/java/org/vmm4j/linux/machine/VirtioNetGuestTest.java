package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.Hypervisor;
import org.vmm4j.VmmException;
import org.vmm4j.boot.BusyboxInitramfs;
import org.vmm4j.boot.Initramfs;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.GuestKernel;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.virtio.VirtioNet;

/**
 * vmm4j's guest kernel on a virtio-net card whose tap lives in a network namespace of the test's own, with
 * dnsmasq serving DHCP there: the kernel's {@code ip=dhcp} gets its address (the one dnsmasq keeps for the
 * card's MAC, so the MAC in the configuration space went all the way), and netconsole sends the kernel's
 * messages as UDP to a listener in the namespace. One boot; the kernel itself is the driver under test
 * (user space cannot run where KVM emulates guest code). The boot up to the device initcalls is a {@link
 * GuestCheckpoint}, restored onto the test's tap.
 *
 * <p>Needs root, {@code /dev/net/tun}, ip, dnsmasq and python3: without them the test is skipped, or fails
 * under {@code VMM4J_REQUIRE_TAP=1} (set by .ci/test in CI).
 */
@RequiresHost(kvm = true, files = RequiresHost.BUSYBOX_STATIC)
class VirtioNetGuestTest {
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4);
    private static final String RUN_INIT = "Run /init as init process";
    private static final String GUEST_MAC = "52:54:00:12:34:56";
    private static final String NAMESPACE_MAC = "02:00:00:00:00:01";
    private static final String HOST_IP = "10.232.0.1";
    /** dnsmasq keeps this address for the guest's MAC; netconsole, which starts before DHCP, sends from it. */
    private static final String GUEST_IP = "10.232.0.15";

    private static final int NETCONSOLE_PORT = 6666;
    private static final String REQUIRE_TAP = "VMM4J_REQUIRE_TAP";
    private static final String DNSMASQ = "/usr/sbin/dnsmasq";

    private static final String LISTENER = "import socket,sys\n"
            + "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            + "s.bind((sys.argv[1],int(sys.argv[2])))\n"
            + "print('listening',flush=True)\n"
            + "while True:\n"
            + "    d,a=s.recvfrom(65535)\n"
            + "    sys.stdout.write(d.decode('utf-8','replace'))\n"
            + "    sys.stdout.flush()\n";

    /**
     * A TCP server in the namespace: sends 1 MiB of a known pattern to the first client and prints its
     * SHA-256, then reads exactly 1 MiB from the second and prints its length and SHA-256.
     */
    private static final String TCP_SERVER = "import hashlib,socket,sys\n"
            + "data=bytes((i*7+3)&255 for i in range(1<<20))\n"
            + "s=socket.socket()\n"
            + "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
            + "s.bind((sys.argv[1],int(sys.argv[2])))\n"
            + "s.listen(2)\n"
            + "print('sha-down',hashlib.sha256(data).hexdigest(),flush=True)\n"
            + "c,_=s.accept()\n"
            + "c.sendall(data)\n"
            + "c.close()\n"
            + "c,_=s.accept()\n"
            + "h=hashlib.sha256()\n"
            + "n=0\n"
            + "while n<(1<<20):\n"
            + "    b=c.recv(65536)\n"
            + "    if not b: break\n"
            + "    h.update(b)\n"
            + "    n+=len(b)\n"
            + "c.close()\n"
            + "print('sha-up',n,h.hexdigest(),flush=True)\n";

    private static boolean emulated;

    @BeforeAll
    static void whatKvmDoesHere() {
        try (Hypervisor h = Hypervisor.open("kvm")) {
            emulated = h.emulatesGuestCode();
        }
    }

    /** Asks for a lease over eth0 at boot and logs the kernel's messages to the namespace's listener. */
    private static final String DHCP_NETCONSOLE = "console=ttyS0 earlyprintk=serial reboot=k panic=-1 rdinit=/init"
            + " ip=dhcp netconsole=@" + GUEST_IP + "/eth0," + NETCONSOLE_PORT + "@" + HOST_IP + "/" + NAMESPACE_MAC;

    private static void requireNetworkTools() {
        for (String tool : List.of("ip", "python3", DNSMASQ)) {
            if (!onPath(tool)) {
                skipOrFail(tool + " is not installed (apt packages iproute2, python3-minimal, dnsmasq-base)", null);
            }
        }
    }

    @Test
    @Timeout(360)
    void theKernelGetsADhcpLeaseAndSendsNetconsoleMessagesOverTheTap(@TempDir Path dir) throws Exception {
        requireNetworkTools();
        long pid = ProcessHandle.current().pid();
        String namespace = "vmm4j-gnet-" + pid;
        String tap = "vmg" + pid % 1_000_000;
        String cmdline = DHCP_NETCONSOLE;
        Path leases = dir.resolve("dnsmasq.leases");
        Path dnsmasqLog = dir.resolve("dnsmasq.log");
        Path received = dir.resolve("netconsole.txt");
        List<Process> processes = new ArrayList<>();
        boolean namespaceMade = false;
        ConsoleCapture console = new ConsoleCapture(false);
        MachineExit exit;
        VirtioNet net;
        try {
            try (Machine machine = machine(tap, cmdline, console)) {
                net = (VirtioNet) machine.virtioDevices().get(0).device();
                namespaceMade = true;
                moveIntoNamespace(tap, namespace);
                startServers(namespace, tap, leases, dnsmasqLog, received, processes);
                machine.start();
                console.awaitWhileRunning(machine, "IP-Config: Complete:", BOOT_TIMEOUT);
                console.awaitWhileRunning(machine, RUN_INIT, BOOT_TIMEOUT);
                // the messages after netconsole registered, up to init, reach the namespace
                awaitFile(received, "IP-Config: Complete:", Duration.ofSeconds(60), processes.get(1));
                exit = machine.awaitExit(BOOT_TIMEOUT)
                        .orElseThrow(() -> new AssertionError("no machine exit within " + BOOT_TIMEOUT.toSeconds()
                                + " s after " + RUN_INIT + "\n" + console.tail(60)));
            }
        } finally {
            stop(processes, namespaceMade ? namespace : null);
        }
        String text = console.text();
        assertTrue(text.contains("netconsole: network logging started"), console.tail(60));
        assertTrue(
                text.contains("IP-Config: Got DHCP answer from " + HOST_IP + ", my address is " + GUEST_IP),
                console.tail(60));
        assertTrue(
                text.contains("hwaddr=" + GUEST_MAC + ", ipaddr=" + GUEST_IP + ", mask=255.255.255.0"),
                console.tail(60));
        String log = Files.readString(dnsmasqLog);
        assertTrue(log.contains("DHCPACK(" + tap + ") " + GUEST_IP + " " + GUEST_MAC), log);
        String lease = Files.readString(leases);
        assertTrue(lease.contains(GUEST_MAC + " " + GUEST_IP), "lease file: " + lease);
        String messages = Files.readString(received);
        assertTrue(messages.contains("IP-Config: Got DHCP answer from " + HOST_IP), "netconsole sent:\n" + messages);
        assertTrue(net.framesTransmitted() >= 2 && net.framesReceived() >= 1, "frames both ways");
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "\n" + console.tail(60));
    }

    /**
     * The guest is snapshotted while its kernel asks for a DHCP lease nobody answers yet ({@code ip=dhcp}, with
     * netconsole already logging over the card), and the machine closed, its tap gone with it. The snapshot is
     * restored onto a fresh tap in the same namespace, where dnsmasq and the netconsole listener start only now:
     * the restored guest's next DHCP request is answered (frames both ways through the restored card), it takes
     * the address dnsmasq keeps for the recorded MAC, and its netconsole messages arrive over the new tap.
     */
    @Test
    @Timeout(480)
    void aGuestSnapshottedWhileAskingForALeaseGetsItAfterTheRestoreOnAnotherTap(@TempDir Path dir) throws Exception {
        requireNetworkTools();
        long pid = ProcessHandle.current().pid();
        String namespace = "vmm4j-snet-" + pid;
        String tap = "vms" + pid % 1_000_000;
        String other = "vmr" + pid % 1_000_000;
        String cmdline = DHCP_NETCONSOLE;
        Path snapshot = dir.resolve("snapshot");
        Path leases = dir.resolve("dnsmasq.leases");
        Path dnsmasqLog = dir.resolve("dnsmasq.log");
        Path received = dir.resolve("netconsole.txt");
        List<Process> processes = new ArrayList<>();
        boolean namespaceMade = false;
        ConsoleCapture before = new ConsoleCapture(false);
        ConsoleCapture after = new ConsoleCapture(false);
        VirtioNet restored;
        try {
            run("ip", "netns", "add", namespace);
            namespaceMade = true;
            try (Machine machine = machine(tap, cmdline, before)) {
                moveIntoNamespace(tap, namespace, true);
                machine.start();
                before.awaitWhileRunning(machine, "Sending DHCP requests", BOOT_TIMEOUT);
                machine.pause();
                machine.snapshot(snapshot);
            }
            assertFalse(before.text().contains("Got DHCP answer"), "no DHCP server before the snapshot");

            try (Machine machine2 =
                    Machine.restoring(snapshot).netTap(0, other).console(after).build()) {
                restored = (VirtioNet) machine2.virtioDevices().get(0).device();
                moveIntoNamespace(other, namespace, true);
                startServers(namespace, other, leases, dnsmasqLog, received, processes);
                machine2.start();
                after.awaitWhileRunning(machine2, "IP-Config: Complete:", BOOT_TIMEOUT);
                awaitFile(received, "IP-Config: Complete:", Duration.ofSeconds(60), processes.get(1));
                machine2.stop();
                machine2.awaitExit(Duration.ofSeconds(60));
            }
        } finally {
            stop(processes, namespaceMade ? namespace : null);
        }
        assertEquals(other, restored.tap().name());
        assertEquals(GUEST_MAC, VirtioNet.formatMac(restored.mac()), "the recorded MAC");
        String text = after.text();
        // the capture began at the checkpoint's restore, in the middle of the line the checkpoint waited for, so
        // its first line may be any fragment: the text of its first whole kernel log line (without the timestamp,
        // which a second run would print differently) is what a guest starting over would print again
        String first = Arrays.stream(before.text().split("\n"))
                .skip(1)
                .filter(line -> line.matches("\\[ *\\d+\\.\\d{6}\\] \\S.*"))
                .map(line -> line.substring(line.indexOf("] ") + 2))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no whole kernel log line before the snapshot\n" + before.tail(20)));
        assertFalse(
                text.contains(first),
                "the restored guest went on, it did not start over (it printed \"" + first + "\" again)\n"
                        + after.tail(60));
        assertTrue(
                text.contains("IP-Config: Got DHCP answer from " + HOST_IP + ", my address is " + GUEST_IP),
                after.tail(60));
        String log = Files.readString(dnsmasqLog);
        assertTrue(log.contains("DHCPACK(" + other + ") " + GUEST_IP + " " + GUEST_MAC), log);
        String messages = Files.readString(received);
        assertTrue(messages.contains("IP-Config: Got DHCP answer from " + HOST_IP), "netconsole sent:\n" + messages);
        assertTrue(restored.framesTransmitted() >= 2 && restored.framesReceived() >= 1, "frames both ways");
    }

    /**
     * The machine of the emulated tests: vmm4j's guest kernel with a network card ({@link #GUEST_MAC}) on {@code tap}
     * (created, in this namespace) and an init that exits, restored from a {@link GuestCheckpoint} taken before any
     * virtio driver bound a device: the card is probed, netconsole registered and the lease asked for after it.
     * Without a usable tap the test is skipped ({@link #skipOrFail}).
     */
    private static Machine machine(String tap, String cmdline, ConsoleCapture console) throws Exception {
        Path kernel = GuestKernel.vmlinux(GuestKernel.Variant.STANDARD);
        byte[] initrd = BusyboxInitramfs.builder()
                .compression(Initramfs.Compression.NONE)
                .command("exit 1")
                .build();
        try {
            return GuestCheckpoint.restore(
                    "net",
                    kernel,
                    "256 MiB, 1 vCPU, net " + GUEST_MAC + ", command line " + cmdline + ", initrd "
                            + GuestCheckpoint.sha256(initrd),
                    () -> Machine.builder()
                            .net(tap, GUEST_MAC)
                            .kernel(kernel)
                            .memoryMiB(256)
                            .vcpus(1)
                            .initrd(initrd)
                            .commandLine(cmdline)
                            .console(console),
                    GuestCheckpoint.BEFORE_DEVICES,
                    r -> r.netTap(0, tap).console(console));
        } catch (VmmException e) {
            skipOrFail("no usable tap: " + e.getMessage(), e);
            throw e; // not reached: skipOrFail throws
        }
    }

    /**
     * Starts dnsmasq on {@code tap} and the netconsole listener in {@code namespace}, adds them to {@code processes}
     * (dnsmasq first), and waits until both are ready.
     */
    private static void startServers(
            String namespace, String tap, Path leases, Path dnsmasqLog, Path received, List<Process> processes)
            throws IOException, InterruptedException {
        processes.add(dnsmasq(namespace, tap, leases, dnsmasqLog));
        processes.add(netconsoleListener(namespace, received));
        awaitFile(received, "listening", Duration.ofSeconds(20), processes.get(1));
        awaitFile(dnsmasqLog, "DHCP, IP range", Duration.ofSeconds(20), processes.get(0));
    }

    /** Stops {@code processes} and deletes {@code namespace} if it is not null. */
    private static void stop(List<Process> processes, String namespace) throws IOException, InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (namespace != null) {
            run("ip", "netns", "del", namespace);
        }
    }

    private static Process dnsmasq(String namespace, String tap, Path leases, Path log) throws IOException {
        return new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        namespace,
                        DNSMASQ,
                        "--no-daemon",
                        "--conf-file=/dev/null",
                        "--port=0",
                        "--user=root",
                        "--bind-interfaces",
                        "--interface=" + tap,
                        "--except-interface=lo",
                        "--dhcp-range=10.232.0.10,10.232.0.20,255.255.255.0,1h",
                        "--dhcp-host=" + GUEST_MAC + "," + GUEST_IP,
                        "--dhcp-leasefile=" + leases,
                        "--pid-file=",
                        "--log-facility=-",
                        "--log-dhcp")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static Process netconsoleListener(String namespace, Path received) throws IOException {
        return new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        namespace,
                        "python3",
                        "-u",
                        "-c",
                        LISTENER,
                        HOST_IP,
                        String.valueOf(NETCONSOLE_PORT))
                .redirectErrorStream(true)
                .redirectOutput(received.toFile())
                .start();
    }

    /**
     * On hardware KVM, where busybox runs: with 2 vCPUs and a static address, the guest pings the namespace
     * and moves 1 MiB each way over TCP through the tap; both ends' SHA-256 must match.
     */
    @Test
    @Timeout(360)
    void busyboxPingsAndMovesAMebibyteEachWayOverTcpWithTwoVcpus(@TempDir Path dir) throws Exception {
        assumeFalse(
                emulated,
                "guest user space cannot run where KVM emulates guest code (nested PVM: the emulated SYSCALL"
                        + " faults); this test is for hardware KVM");
        for (String tool : List.of("ip", "python3")) {
            if (!onPath(tool)) {
                skipOrFail(tool + " is not installed (apt packages iproute2, python3-minimal)", null);
            }
        }
        long pid = ProcessHandle.current().pid();
        String namespace = "vmm4j-gtcp-" + pid;
        String tap = "vmt" + pid % 1_000_000;
        Path served = dir.resolve("server.txt");
        ConsoleCapture console = new ConsoleCapture(false);
        Process server = null;
        boolean namespaceMade = false;
        VirtioNet net = null;
        try {
            try {
                net = VirtioNet.open(tap, GUEST_MAC);
            } catch (VmmException e) {
                skipOrFail("no usable tap: " + e.getMessage(), e);
            }
            Machine.Builder builder = Machine.builder().virtio(net);
            namespaceMade = true;
            moveIntoNamespace(tap, namespace);
            server = new ProcessBuilder(
                            "ip", "netns", "exec", namespace, "python3", "-u", "-c", TCP_SERVER, HOST_IP, "7000")
                    .redirectErrorStream(true)
                    .redirectOutput(served.toFile())
                    .start();
            awaitFile(served, "sha-down ", Duration.ofSeconds(20), server);
            try (Machine machine = builder.kernel(GuestKernel.vmlinux(GuestKernel.Variant.STANDARD))
                    .memoryMiB(256)
                    .vcpus(2)
                    .initrd(BusyboxInitramfs.builder()
                            .compression(Initramfs.Compression.NONE)
                            .command("ping -c 3 -W 5 " + HOST_IP + " >/dev/null && echo guest-ping-ok")
                            .command("echo guest-sha-down $(nc " + HOST_IP + " 7000 | sha256sum | cut -d' ' -f1)")
                            .command("dd if=/dev/urandom of=/up bs=1024 count=1024 2>/dev/null")
                            .command("echo guest-sha-up $(sha256sum /up | cut -d' ' -f1)")
                            .command("nc " + HOST_IP + " 7000 < /up")
                            .command("echo guest-done")
                            .build())
                    .commandLine("console=ttyS0 reboot=k panic=-1 rdinit=/init ip=" + GUEST_IP + "::" + HOST_IP
                            + ":255.255.255.0::eth0:off")
                    .console(console)
                    .build()) {
                machine.start();
                console.awaitWhileRunning(machine, "guest-done", BOOT_TIMEOUT);
                awaitFile(served, "sha-up ", Duration.ofSeconds(60), server);
            }
        } finally {
            if (net != null) {
                net.close();
            }
            if (server != null) {
                server.destroy();
                server.waitFor(10, TimeUnit.SECONDS);
            }
            if (namespaceMade) {
                run("ip", "netns", "del", namespace);
            }
        }
        String text = console.text();
        String host = Files.readString(served);
        assertTrue(text.contains("guest-ping-ok"), console.tail(60));
        assertEquals(
                field(host, "sha-down "), field(text, "guest-sha-down "), "1 MiB host to guest\n" + console.tail(60));
        assertEquals(field(text, "guest-sha-up "), field(host, "sha-up 1048576 "), "1 MiB guest to host: " + host);
    }

    /** The word after {@code label} in {@code text}. */
    private static String field(String text, String label) {
        int at = text.indexOf(label);
        if (at < 0) {
            throw new AssertionError(
                    "no \"" + label + "\" in (the end of):\n" + text.substring(Math.max(0, text.length() - 4000)));
        }
        return text.substring(at + label.length()).split("\\s", 2)[0];
    }

    /** Moves {@code tap} into a new namespace with the host side's MAC and address, up. */
    private static void moveIntoNamespace(String tap, String namespace) throws IOException, InterruptedException {
        moveIntoNamespace(tap, namespace, false);
    }

    /** Moves {@code tap} into {@code namespace} (made first unless it exists) with the host side's MAC and address, up. */
    private static void moveIntoNamespace(String tap, String namespace, boolean exists)
            throws IOException, InterruptedException {
        if (!exists) {
            run("ip", "netns", "add", namespace);
        }
        run("ip", "link", "set", tap, "netns", namespace);
        run("ip", "-n", namespace, "link", "set", tap, "address", NAMESPACE_MAC);
        run("ip", "-n", namespace, "addr", "add", HOST_IP + "/24", "dev", tap);
        run("ip", "-n", namespace, "link", "set", tap, "up");
    }

    private static void skipOrFail(String why, Exception cause) {
        String message = why + " [" + REQUIRE_TAP + "=1 turns this skip into a failure]";
        if ("1".equals(System.getenv(REQUIRE_TAP))) {
            throw new AssertionError(message, cause);
        }
        assumeTrue(false, message);
    }

    private static boolean onPath(String program) {
        if (program.startsWith("/")) {
            return Files.isExecutable(Path.of(program));
        }
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    /** Waits until {@code file} contains {@code text}; fails early, with what the file says, if {@code p} ended. */
    private static void awaitFile(Path file, String text, Duration timeout, Process p)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String content = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            if (content.contains(text)) {
                return;
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("\"" + text + "\" not in " + file.getFileName() + " within "
                        + timeout.toSeconds() + " s (" + (p.isAlive() ? "still running" : "exited " + p.exitValue())
                        + "):\n" + content);
            }
            Thread.sleep(50);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
    }
}
