package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmm4j.GuestMemory;
import org.vmm4j.VmmException;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.machine.PortIoDevice;
import org.vmm4j.machine.SnapshotException;
import org.vmm4j.machine.SnapshotResult;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.virtio.VirtioBlk;
import org.vmm4j.virtio.VirtioConsole;
import org.vmm4j.virtio.VirtioNet;
import org.vmm4j.virtio.VirtioRng;
import org.vmm4j.virtio.VirtioVsock;
import org.vmm4j.x86.Irqchip;

/**
 * Pause, snapshot and restore on KVM with a guest that counts: the minimal kernel's 64-bit entry replaced by a
 * loop that increments a counter in RAM and writes port 0x80 (an exit to vmm4j) on every round. While paused
 * neither count moves; a snapshot restored into another VM continues counting from where it stopped.
 */
@RequiresHost(kvm = true)
class MachineSnapshotTest {
    private static final long COUNTER = 0x50_0000;
    static final int PORT = 0x80;

    @TempDir
    Path tmp;

    /**
     * What a JVM opens once for good, before any test counts fds: SecureRandom's /dev/random and /dev/urandom,
     * and what the first machine of the process opens (on JDK 17 with JNA one descriptor stays).
     */
    @BeforeAll
    static void openWhatAProcessOpensOnce() throws Exception {
        new VirtioRng().close();
        Exits exits = new Exits();
        try (Machine m = countingMachine(Irqchip.KERNEL, 32, exits)) {
            m.start();
            awaitCount(exits, 1);
        }
    }

    /** Counts the guest's writes to port 0x80. */
    static final class Exits implements PortIoDevice {
        final AtomicLong count = new AtomicLong();

        @Override
        public int ioRead(int offset, int size) {
            return 0;
        }

        @Override
        public void ioWrite(int offset, int size, int value) {
            count.incrementAndGet();
        }
    }

    private static byte[] countingKernel() {
        int[] loop = {
            0x48, 0xff, 0x04, 0x25, 0x00, 0x00, 0x50, 0x00, // inc qword [0x500000]
            0xe6, 0x80, // out 0x80, al
            0xeb, 0xf4, // jmp back to the inc
        };
        return withEntryCode(loop);
    }

    /** The minimal kernel with {@code code} in place of its 64-bit entry (the protected-mode code's 0x200). */
    static byte[] withEntryCode(int... code) {
        byte[] image = MinimalKernel.bzImage();
        for (int i = 0; i < code.length; i++) {
            image[1024 + 0x200 + i] = (byte) code[i];
        }
        return image;
    }

    static Machine countingMachine(Irqchip irqchip, long mib, Exits exits) {
        return countingMachine(irqchip, mib, exits, false);
    }

    /** The counting guest, with {@link Machine.Builder#trackDirtyPages()} if {@code track}. */
    static Machine countingMachine(Irqchip irqchip, long mib, Exits exits, boolean track) {
        Machine.Builder b = Machine.builder()
                .kernel(LinuxKernel.of(countingKernel(), null, null))
                .memoryMiB(mib)
                .irqchip(irqchip)
                .virtioRng();
        Machine m = (track ? b.trackDirtyPages() : b).build();
        m.devices().ports().register(PORT, 1, exits);
        return m;
    }

    static long counter(Machine m) {
        GuestMemory ram = m.vm().memoryAt(COUNTER);
        return ram.getLong(COUNTER - ram.guestAddress());
    }

    static void awaitCount(Exits exits, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (exits.count.get() < atLeast) {
            assertTrue(System.nanoTime() < deadline, "the guest counted only " + exits.count.get());
            Thread.sleep(5);
        }
    }

    @ParameterizedTest
    @EnumSource(Irqchip.class)
    void whilePausedNoVcpuRunsAndResumeContinues(Irqchip irqchip) throws Exception {
        Leaks before = Leaks.now();
        Exits exits = new Exits();
        try (Machine m = countingMachine(irqchip, 64, exits)) {
            m.start();
            awaitCount(exits, 100);
            m.pause();
            assertTrue(m.isPaused());
            long exitsAtPause = exits.count.get();
            long counterAtPause = counter(m);
            assertTrue(counterAtPause >= exitsAtPause, counterAtPause + " rounds, " + exitsAtPause + " exits");
            Thread.sleep(300);
            assertEquals(exitsAtPause, exits.count.get(), "no exit while paused");
            assertEquals(counterAtPause, counter(m), "no guest instruction while paused");
            m.pause(); // idempotent
            assertTrue(m.isPaused());
            m.resume();
            assertFalse(m.isPaused());
            awaitCount(exits, exitsAtPause + 100);
            assertTrue(counter(m) > counterAtPause, "counting again");
            m.resume(); // idempotent
            assertTrue(m.awaitExit(Duration.ofMillis(50)).isEmpty(), "still running");
        }
        assertEquals(before, Leaks.now(), "fds, KVM mappings and vCPU threads after close");
    }

    /**
     * A 256 MiB guest snapshotted while counting restores into another VM and counts on from the saved count;
     * prints the restore-to-running time against a cold start to the same point, and the snapshot's size.
     */
    @ParameterizedTest
    @EnumSource(Irqchip.class)
    void snapshotRestoresIntoAnotherVmThatCountsOn(Irqchip irqchip) throws Exception {
        Path dir = tmp.resolve("snap-" + irqchip);
        Exits exits = new Exits();
        long saved;
        long coldNanos;
        SnapshotResult result;
        long t0 = System.nanoTime();
        try (Machine m = countingMachine(irqchip, 256, exits)) {
            m.start();
            awaitCount(exits, 1);
            coldNanos = System.nanoTime() - t0; // build to the guest's first round: the point a restore reaches
            awaitCount(exits, 1000);
            m.pause();
            saved = counter(m);
            result = m.snapshot(dir);
            assertTrue(m.isPaused(), "a paused machine stays paused");
            assertEquals(saved, counter(m));
        }
        assertEquals(256L << 20, Files.size(dir.resolve("memory.raw")));
        long allocated = allocatedBytes(dir.resolve("memory.raw"));
        assertTrue(allocated < 16L << 20, "sparse: " + allocated + " bytes allocated for a 256 MiB guest");

        Leaks before = Leaks.now();
        Exits after = new Exits();
        long restoreNanos;
        try (Machine r = Machine.restore(dir)) {
            r.devices().ports().register(PORT, 1, after);
            assertEquals(saved, counter(r), "the saved count, read from the mapped memory file");
            r.start();
            awaitCount(after, 100);
            restoreNanos = r.restoreToRunning().orElseThrow().toNanos();
            assertTrue(counter(r) > saved, "counting on from " + saved + ": " + counter(r));
            assertEquals(1, r.virtioDevices().size(), "the entropy device was opened again");
            assertEquals(result.directory(), dir.toAbsolutePath().normalize(), "published where asked");
        }
        assertEquals(before, Leaks.now(), "the restored machine released everything");
        long warmNanos = Long.MAX_VALUE; // the same restore again, its code warm: what a restore costs by itself
        for (int round = 0; round < 5; round++) {
            try (Machine again = Machine.restore(dir)) {
                again.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (again.restoreToRunning().isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "the restored vCPU never ran");
                    Thread.sleep(1);
                }
                warmNanos = Math.min(
                        warmNanos, again.restoreToRunning().orElseThrow().toNanos());
            }
        }
        System.out.printf("snapshot[%s]: restore-to-running warm, best of 5: %.2f ms%n", irqchip, warmNanos / 1e6);
        System.out.printf(
                "snapshot[%s]: restore-to-running %.2f ms, cold start to the same point %.2f ms (%.1f%%); memory file"
                        + " %d MiB, %d KiB allocated (%d KiB of pages written), state file %d bytes; snapshot took %d ms"
                        + " (%d ms paused)%n",
                irqchip,
                restoreNanos / 1e6,
                coldNanos / 1e6,
                100.0 * restoreNanos / coldNanos,
                result.memoryBytes() >> 20,
                allocated >> 10,
                result.memoryWritten() >> 10,
                result.stateBytes(),
                result.total().toMillis(),
                result.captured().toMillis());
    }

    /**
     * A restored machine is snapshotted again into the directory its memory is mapped from (the new snapshot
     * replaces the old one under it), and that snapshot restores and counts on too.
     */
    @Test
    void aRestoredMachineSnapshotsOverItsOwnSnapshot() throws Exception {
        Path dir = tmp.resolve("chain");
        long first;
        try (Machine m = countingMachine(Irqchip.SPLIT, 64, new Exits())) {
            m.start();
            m.pause();
            first = counter(m);
            m.snapshot(dir);
        }
        long second;
        Exits exits = new Exits();
        try (Machine r = Machine.restore(dir)) {
            r.devices().ports().register(PORT, 1, exits);
            r.start();
            awaitCount(exits, 500);
            r.snapshot(dir); // pauses, saves over the files its RAM is mapped from, resumes
            assertFalse(r.isPaused(), "resumed after the snapshot");
            awaitCount(exits, exits.count.get() + 100);
            r.pause();
            assertTrue(counter(r) > first, "it ran on after saving");
        }
        try (Machine again = Machine.restore(dir)) {
            second = counter(again);
            Exits more = new Exits();
            again.devices().ports().register(PORT, 1, more);
            again.start();
            awaitCount(more, 100);
        }
        assertTrue(second >= first + 500, "the second snapshot has the later count: " + first + " then " + second);
    }

    /**
     * A machine with a network card, a socket device and a virtio console saves what opens them again. Restored
     * while the original still holds its tap and socket, with another tap and socket given for them, the card
     * keeps its MAC on the new tap and the socket device its CID on the new socket, and the guest counts on;
     * restored by default once the original is closed, they are back on the recorded tap and socket. A tap or
     * socket for a slot that holds no such device is refused, naming the slot. A disk is opened on another image
     * when asked, keeping its read-only flag.
     */
    @Test
    void networkSocketAndConsoleDevicesOpenAgainOnTheRecordedOrTheGivenTapAndSocket() throws Exception {
        String tap = "vms" + ProcessHandle.current().pid() % 100_000;
        String other = tap + "r";
        String mac = "52:54:00:00:00:07";
        Path socket = tmp.resolve("a.sock");
        Path otherSocket = tmp.resolve("b.sock");
        Path dir = tmp.resolve("devices");
        long saved;
        Machine m;
        try {
            m = Machine.builder()
                    .kernel(LinuxKernel.of(countingKernel(), null, null))
                    .memoryMiB(64)
                    .net(tap, mac)
                    .vsock(7, socket)
                    .virtioConsole()
                    .disk(Files.write(tmp.resolve("a.img"), new byte[4096]), true)
                    .build();
        } catch (VmmException e) {
            if ("1".equals(System.getenv("VMM4J_REQUIRE_TAP"))) {
                throw new AssertionError("no usable tap under VMM4J_REQUIRE_TAP=1", e);
            }
            assumeTrue(false, "no usable tap: " + e.getMessage());
            return;
        }
        try (m) {
            Exits exits = new Exits();
            m.devices().ports().register(PORT, 1, exits);
            m.start();
            awaitCount(exits, 100);
            m.pause();
            saved = counter(m);
            m.snapshot(dir);

            ByteArrayOutputStream console = new ByteArrayOutputStream();
            try (Machine r = Machine.restoring(dir)
                    .netTap(0, other)
                    .vsockSocket(1, otherSocket)
                    .disk(3, Files.write(tmp.resolve("b.img"), new byte[8192]))
                    .console(console)
                    .build()) {
                VirtioNet net = (VirtioNet) r.virtioDevices().get(0).device();
                assertEquals(other, net.tap().name(), "the tap given");
                assertEquals(mac, VirtioNet.formatMac(net.mac()), "the recorded MAC");
                VirtioVsock vsock = (VirtioVsock) r.virtioDevices().get(1).device();
                assertEquals(7, vsock.guestCid());
                assertEquals(otherSocket.toAbsolutePath(), vsock.socket());
                assertTrue(Files.exists(otherSocket), "listening on the socket given");
                assertTrue(r.virtioDevices().get(2).device() instanceof VirtioConsole, "the console");
                VirtioBlk disk = (VirtioBlk) r.virtioDevices().get(3).device();
                assertEquals(16, disk.capacity(), "the image given: 8 KiB");
                assertTrue(disk.readOnly(), "read-only, as recorded");
                Exits after = new Exits();
                r.devices().ports().register(PORT, 1, after);
                r.start();
                awaitCount(after, 100);
                assertTrue(counter(r) > saved, "counting on from " + saved);
            }
            assertFalse(Files.exists(otherSocket), "the restored machine removed its socket");
        }
        try (Machine r = Machine.restore(dir)) {
            assertEquals(
                    tap, ((VirtioNet) r.virtioDevices().get(0).device()).tap().name(), "the recorded tap");
            assertEquals(
                    socket.toAbsolutePath(),
                    ((VirtioVsock) r.virtioDevices().get(1).device()).socket());
            assertEquals(8, ((VirtioBlk) r.virtioDevices().get(3).device()).capacity(), "the recorded image");
        }
        SnapshotException wrongSlot = assertThrows(
                SnapshotException.class,
                () -> Machine.restoring(dir).netTap(1, other).build());
        assertTrue(wrongSlot.getMessage().contains("no network card in virtio slot 1"), wrongSlot.getMessage());
        SnapshotException noSlot = assertThrows(
                SnapshotException.class,
                () -> Machine.restoring(dir).vsockSocket(5, otherSocket).build());
        assertTrue(noSlot.getMessage().contains("no socket device in virtio slot 5"), noSlot.getMessage());
        SnapshotException noDisk = assertThrows(
                SnapshotException.class,
                () -> Machine.restoring(dir).disk(0, otherSocket).build());
        assertTrue(noDisk.getMessage().contains("no disk in virtio slot 0"), noDisk.getMessage());
    }

    /** A pause asked for by the guest's own output, on the vCPU thread that printed it, is refused at once. */
    @Test
    void pauseOnAVcpuThreadIsRefused() throws Exception {
        AtomicReference<Machine> machine = new AtomicReference<>();
        AtomicReference<Throwable> refused = new AtomicReference<>();
        OutputStream console = new OutputStream() {
            @Override
            public void write(int b) {
                if (refused.get() == null) {
                    try {
                        machine.get().pause();
                        refused.set(new AssertionError("pause() returned on the vCPU thread"));
                    } catch (IllegalStateException | InterruptedException e) {
                        refused.set(e);
                    }
                }
            }
        };
        try (Machine m = Machine.builder()
                .kernel(LinuxKernel.of(MinimalKernel.bzImage(), null, null))
                .memoryMiB(32)
                .console(console)
                .build()) {
            machine.set(m);
            m.start();
            MachineExit exit = m.awaitExit(Duration.ofSeconds(30)).orElseThrow();
            assertEquals(MachineExit.Reason.REBOOT, exit.reason(), "the guest went on: " + exit.detail());
        }
        assertTrue(refused.get() instanceof IllegalStateException, String.valueOf(refused.get()));
        assertTrue(
                refused.get().getMessage().contains("vCPU thread"),
                refused.get().getMessage());
    }

    @Test
    void aDamagedSnapshotOpensNothing() throws Exception {
        Path dir = tmp.resolve("damaged");
        try (Machine m = countingMachine(Irqchip.KERNEL, 32, new Exits())) {
            m.snapshot(dir); // never started: the boot state
        }
        Path state = dir.resolve("machine.state");
        byte[] bytes = Files.readAllBytes(state);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(state, bytes);
        Leaks before = Leaks.now();
        SnapshotException e = assertThrows(SnapshotException.class, () -> Machine.restore(dir));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        assertEquals(before, Leaks.now(), "no /dev/kvm, VM or memory file opened");
    }

    static long allocatedBytes(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString())
                .redirectErrorStream(true)
                .start();
        String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                .trim()
                .split(" ");
        assertEquals(0, p.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }
}
