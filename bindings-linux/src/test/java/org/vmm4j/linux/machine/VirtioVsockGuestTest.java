package org.vmm4j.linux.machine;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.Hypervisor;
import org.vmm4j.boot.BusyboxInitramfs;
import org.vmm4j.boot.Initramfs;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.GuestKernel;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.virtio.VirtioVsock;

/**
 * vmm4j's guest kernel (6.1, {@code CONFIG_VIRTIO_VSOCKETS=y}) against {@link VirtioVsock}. Where KVM
 * emulates guest code user space cannot run, so the kernel's {@code vmw_vsock_virtio_transport} is the
 * driver under test: its probe reads {@code guest_cid}, sets DRIVER_OK, fills the rx queue and posts
 * its eight event buffers; and the kernel itself answers a host connection to a port nobody listens on
 * with OP_RST. On hardware KVM, busybox user space with a static socat echoes data both ways.
 */
@RequiresHost(kvm = true, files = RequiresHost.BUSYBOX_STATIC)
class VirtioVsockGuestTest {
    private static final long CID = 3;
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4);
    private static final String CMDLINE = "console=ttyS0 earlyprintk=serial reboot=k panic=-1 rdinit=/init";
    /** The event buffers Linux 6.1 posts ({@code struct virtio_vsock}'s {@code event_list[8]}). */
    private static final int LINUX_EVENT_BUFFERS = 8;

    private static boolean emulated;

    @TempDir
    Path dir;

    @BeforeAll
    static void whatKvmDoesHere() {
        try (Hypervisor h = Hypervisor.open("kvm")) {
            emulated = h.emulatesGuestCode();
        }
    }

    /**
     * One boot: the driver probes the device (DRIVER_OK, guest_cid read, the event buffers posted), and a
     * host client's {@code CONNECT 1234} reaches the kernel as OP_REQUEST, which it resets (no listener):
     * the client is closed without {@code OK}, by the guest's RST and not by the device's timeout.
     */
    @Test
    @Timeout(300)
    void theKernelsDriverProbesTheDeviceAndResetsAConnectionToAPortWithoutListener() throws Exception {
        Path socket = dir.resolve("v.sock");
        ConsoleCapture console = new ConsoleCapture(false);
        String reply;
        long answeredMillis;
        VirtioVsock vsock;
        String cmdline;
        try (Machine machine = machine(socket, console)) {
            vsock = (VirtioVsock) machine.virtioDevices().get(0).device();
            cmdline = machine.commandLine();
            machine.start();
            long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
            while (!(vsock.activated() && vsock.eventBuffers() == LINUX_EVENT_BUFFERS)) {
                if (machine.awaitExit(Duration.ZERO).isPresent() || System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the vsock driver did not bring the device up (activated "
                            + vsock.activated() + ", " + vsock.eventBuffers() + " event buffers)\n" + console.tail(40));
                }
                Thread.sleep(5);
            }
            assertTrue(vsock.guestCidReads() >= 1, "the driver read guest_cid");
            long t0 = System.nanoTime();
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                client.write(ByteBuffer.wrap("CONNECT 1234\n".getBytes(US_ASCII)));
                reply = readLine(client);
            }
            answeredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            machine.stop();
            machine.awaitExit(Duration.ofSeconds(60));
        }
        // the kernel printed "virtio-mmio: Registering device virtio-mmio.0 at 0xd0000000-0xd0000fff, IRQ 5." for it
        // (the GuestCheckpoint's marker)
        assertTrue(cmdline.contains("virtio_mmio.device=4K@0xd0000000:5"), cmdline);
        assertNull(reply, "the client is closed without OK");
        assertEquals(
                1,
                vsock.resetsFromGuest(),
                "the kernel answered the REQUEST with RST (after " + answeredMillis + " ms)\n" + console.tail(40));
        assertTrue(vsock.packetsToGuest() >= 1 && vsock.packetsFromGuest() >= 1);
        assertEquals(0, vsock.droppedPackets(), "the kernel's packets are well-formed");
        assertFalse(Files.exists(socket), "the machine closed the device, which removed its socket");
    }

    /**
     * The guest is snapshotted once its driver has probed the device (the event buffers posted), the machine
     * closed, and the snapshot restored onto another socket. The restored device sends the driver a transport reset
     * (its sockets' connections are gone): the kernel's event handler reads {@code guest_cid} again and posts the
     * event buffer back; and the kernel still answers a host connection, through the new socket, with RST.
     */
    @Test
    @Timeout(400)
    void aRestoredDeviceResetsTheDriversTransportAndCarriesNewConnections() throws Exception {
        Path socket = dir.resolve("v.sock");
        Path snapshot = dir.resolve("snapshot");
        ConsoleCapture console = new ConsoleCapture(false);
        try (Machine machine = machine(socket, console)) {
            machine.start();
            awaitDriver(machine, (VirtioVsock) machine.virtioDevices().get(0).device(), console);
            machine.pause();
            machine.snapshot(snapshot);
        }
        assertFalse(Files.exists(socket), "the original machine removed its socket");

        Path other = dir.resolve("w.sock");
        ConsoleCapture after = new ConsoleCapture(false);
        String reply;
        VirtioVsock restored;
        try (Machine machine =
                Machine.restoring(snapshot).vsockSocket(0, other).console(after).build()) {
            restored = (VirtioVsock) machine.virtioDevices().get(0).device();
            assertEquals(CID, restored.guestCid());
            assertEquals(0, restored.guestCidReads());
            machine.start();
            long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
            while (!(restored.transportResetsSent() == 1
                    && restored.guestCidReads() >= 1
                    && restored.eventBuffers() == LINUX_EVENT_BUFFERS)) {
                if (machine.awaitExit(Duration.ZERO).isPresent() || System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the driver did not take the transport reset (" + restored
                            + ": resets sent " + restored.transportResetsSent() + ", guest_cid reads "
                            + restored.guestCidReads() + ", event buffers " + restored.eventBuffers() + ")\n"
                            + after.tail(40));
                }
                Thread.sleep(5);
            }
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(other))) {
                client.write(ByteBuffer.wrap("CONNECT 1234\n".getBytes(US_ASCII)));
                reply = readLine(client);
            }
            machine.stop();
            machine.awaitExit(Duration.ofSeconds(60));
        }
        assertNull(reply, "the client is closed without OK");
        assertEquals(1, restored.resetsFromGuest(), "the restored guest's kernel answered with RST\n" + after.tail(40));
        assertEquals(1, restored.transportResetsSent(), "one transport reset");
        assertEquals(0, restored.droppedPackets());
        assertFalse(after.text().contains("virtio-mmio: Registering device"), "the restored guest did not boot again");
    }

    /**
     * The machine of the emulated tests: vmm4j's guest kernel with a socket device (CID 3, on {@code socket}, with a
     * long connect timeout: an emulated guest may take seconds to answer, and an RST must be the guest's) and an
     * init that exits, restored from a {@link GuestCheckpoint} taken before the device initcalls, so that the driver
     * probes the device after the restore.
     */
    private static Machine machine(Path socket, ConsoleCapture console) throws Exception {
        Path kernel = GuestKernel.vmlinux(GuestKernelBootTest.KERNEL);
        byte[] initrd = BusyboxInitramfs.builder()
                .compression(Initramfs.Compression.NONE)
                .command("exit 1")
                .build();
        String description = "256 MiB, 1 vCPU, vsock CID " + CID + " connect timeout 120000 ms, command line " + CMDLINE
                + ", initrd " + GuestCheckpoint.sha256(initrd);
        return GuestCheckpoint.restore(
                "vsock",
                kernel,
                description,
                () -> Machine.builder()
                        .kernel(kernel)
                        .memoryMiB(256)
                        .vcpus(1)
                        .virtio(new VirtioVsock(CID, socket, 120_000))
                        .initrd(initrd)
                        .commandLine(CMDLINE)
                        .console(console),
                GuestCheckpoint.BEFORE_DEVICES,
                r -> r.vsockSocket(0, socket).console(console));
    }

    private static void awaitDriver(Machine machine, VirtioVsock vsock, ConsoleCapture console)
            throws InterruptedException {
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        while (!(vsock.activated() && vsock.eventBuffers() == LINUX_EVENT_BUFFERS)) {
            if (machine.awaitExit(Duration.ZERO).isPresent() || System.nanoTime() - deadline > 0) {
                throw new AssertionError("the vsock driver did not bring the device up (activated " + vsock.activated()
                        + ", " + vsock.eventBuffers() + " event buffers)\n" + console.tail(40));
            }
            Thread.sleep(5);
        }
    }

    /**
     * On hardware KVM: busybox user space runs a static socat (busybox has no vsock applet), which connects
     * to host port 5000 (the device connects {@code v.sock_5000}, where the test listens) and prints the
     * host's reply, then listens on vsock port 1234 and echoes what the host client sends through
     * {@code CONNECT 1234}.
     */
    @Test
    @Timeout(300)
    void echoesDataBothWaysWithSocatInBusyboxUserSpace() throws Exception {
        assumeFalse(
                emulated,
                "KVM emulates guest code here (nested PVM): user space cannot run (init's first system call faults"
                        + " at entry_SYSCALL_64); this test needs hardware KVM");
        String socat = System.getenv("VMM4J_GUEST_SOCAT");
        assumeTrue(
                socat != null && Files.isRegularFile(Path.of(socat)),
                "needs a statically linked x86-64 socat with VSOCK-CONNECT/VSOCK-LISTEN (socat 1.7.4 or newer) named"
                        + " by VMM4J_GUEST_SOCAT: busybox has no vsock tool");
        Path socket = dir.resolve("v.sock");
        VirtioVsock vsock = new VirtioVsock(CID, socket);
        ConsoleCapture console = new ConsoleCapture(false);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("v.sock_5000")));
            CompletableFuture<String> fromGuest = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel c = server.accept()) {
                    String line = readLine(c);
                    c.write(ByteBuffer.wrap("host-to-guest\n".getBytes(US_ASCII)));
                    return line;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            MachineExit exit;
            String echoed;
            try (Machine machine = Machine.builder()
                    .kernel(GuestKernel.vmlinux(GuestKernelBootTest.KERNEL))
                    .memoryMiB(256)
                    .vcpus(1)
                    .virtio(vsock)
                    .initrd(socatInitramfs(Path.of(socat)))
                    .commandLine(CMDLINE)
                    .console(console)
                    .build()) {
                machine.start();
                assertTrue(console.await("REPLY=host-to-guest", BOOT_TIMEOUT), console.tail(40));
                echoed = echoThroughGuest(socket, "ping-from-host");
                exit = machine.awaitExit(BOOT_TIMEOUT).orElseThrow(() -> new AssertionError(console.tail(40)));
            }
            assertEquals("guest-to-host", fromGuest.get(10, TimeUnit.SECONDS));
            assertEquals("ping-from-host", echoed);
            assertTrue(console.text().contains("VSOCK-DONE"), console.tail(40));
            assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail());
        }
    }

    /** Connects through {@code CONNECT 1234} (retrying while the guest's socat is not listening yet) and echoes a line. */
    private static String echoThroughGuest(Path socket, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                c.write(ByteBuffer.wrap("CONNECT 1234\n".getBytes(US_ASCII)));
                String ok = readLine(c);
                if (ok != null && ok.startsWith("OK ")) {
                    c.write(ByteBuffer.wrap((line + "\n").getBytes(US_ASCII)));
                    return readLine(c);
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the guest never accepted on vsock port 1234");
            }
            Thread.sleep(200);
        }
    }

    private static byte[] socatInitramfs(Path socat) throws IOException {
        String init = String.join(
                "\n",
                "#!/bin/sh",
                "mount -t proc proc /proc",
                "echo guest-to-host | /bin/socat -t 5 - VSOCK-CONNECT:2:5000 > /tmp/reply",
                "echo \"REPLY=$(cat /tmp/reply)\"",
                "/bin/socat VSOCK-LISTEN:1234 EXEC:/bin/cat",
                "echo VSOCK-DONE",
                "reboot -f",
                "");
        Initramfs cpio = Initramfs.builder()
                .compression(Initramfs.Compression.NONE)
                .directory("bin", 0755)
                .directory("proc", 0555)
                .directory("dev", 0755)
                .directory("tmp", 01777)
                .characterDevice("dev/console", 5, 1, 0600)
                .characterDevice("dev/null", 1, 3, 0666)
                .file("bin/busybox", Files.readAllBytes(BusyboxInitramfs.HOST_BUSYBOX), 0755)
                .file("bin/socat", Files.readAllBytes(socat), 0755);
        for (String applet : new String[] {"sh", "mount", "echo", "cat", "reboot"}) {
            cpio.symlink("bin/" + applet, "busybox");
        }
        return cpio.file("init", init, 0755).build();
    }

    /** One line without its '\n'; null at end of stream before any byte. */
    private static String readLine(SocketChannel c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (c.read(one) < 0) {
                return out.size() == 0 ? null : out.toString(US_ASCII);
            }
            if (one.get(0) == '\n') {
                return out.toString(US_ASCII);
            }
            out.write(one.get(0));
        }
    }
}
