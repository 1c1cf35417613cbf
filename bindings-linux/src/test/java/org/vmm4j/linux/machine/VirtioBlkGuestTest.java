package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.Hypervisor;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.GuestKernel;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.virtio.VirtioBlk;

/**
 * vmm4j's guest kernel with two virtio disks and no initramfs, in one boot: {@code /dev/vda}, an ext2
 * image read-write, which the kernel mounts as its root ({@code root=/dev/vda rw}) and writes (its
 * superblock's mount count, write time and state change in the host file), and {@code /dev/vdb}, another
 * ext2 image attached read-only, which the kernel probes (its capacity line, reads) with
 * VIRTIO_BLK_F_RO negotiated, and leaves byte-identical. The kernel then finds no init on the root
 * and panics, and {@code panic=-1} reboots the machine. The boot up to the device initcalls is a {@link
 * GuestCheckpoint}, restored with this test's images: everything the test looks at happens after it.
 *
 * <p>That the kernel refuses to write a read-only disk needs a writer: user space, or a second boot with
 * that disk as the root, which the kernel then mounts "readonly" ({@link #aReadOnlyRootDiskIsMountedReadonly},
 * on hardware KVM only: where KVM emulates guest code a boot takes minutes, and this class boots once).
 */
@RequiresHost(kvm = true, tools = "mke2fs")
class VirtioBlkGuestTest {
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4);
    private static final String CMDLINE = "console=ttyS0 earlyprintk=serial reboot=k panic=-1 root=/dev/vda rw";
    private static final Pattern MOUNTED =
            Pattern.compile("VFS: Mounted root \\(ext2 filesystem\\)( readonly)? on device (\\d+):(\\d+)\\.");
    // struct ext2_super_block, 1024 bytes into the image
    private static final int SUPERBLOCK = 1024;
    private static final int S_WTIME = 48;
    private static final int S_MNT_COUNT = 52;
    private static final int S_MAGIC = 56;
    private static final int S_STATE = 58;
    private static final int EXT2_VALID_FS = 1;

    private static boolean emulated;

    @TempDir
    Path dir;

    @BeforeAll
    static void whatKvmDoesHere() {
        try (Hypervisor h = Hypervisor.open("kvm")) {
            emulated = h.emulatesGuestCode();
        }
    }

    /** The superblock fields the kernel changes when it mounts the file system read-write. */
    private record Superblock(int magic, long writeTime, int mountCount, int state) {
        static Superblock of(Path image) throws IOException {
            byte[] all = Files.readAllBytes(image);
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            return new Superblock(
                    b.getShort(SUPERBLOCK + S_MAGIC) & 0xffff,
                    b.getInt(SUPERBLOCK + S_WTIME) & 0xffff_ffffL,
                    b.getShort(SUPERBLOCK + S_MNT_COUNT) & 0xffff,
                    b.getShort(SUPERBLOCK + S_STATE) & 0xffff);
        }
    }

    private Path ext2(String name, String size, String fileText) throws Exception {
        Path content = Files.createDirectories(dir.resolve(name + ".d"));
        Files.createDirectories(content.resolve("dev"));
        Files.writeString(content.resolve("hello.txt"), fileText);
        Path image = dir.resolve(name);
        Process p = new ProcessBuilder(
                        "mke2fs", "-q", "-t", "ext2", "-d", content.toString(), "-F", image.toString(), size)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mke2fs did not end");
        assertEquals(0, p.exitValue(), "mke2fs: " + out);
        return image;
    }

    @Test
    @Timeout(300)
    void mountsARootDiskReadWriteAndSeesASecondDiskReadOnly() throws Exception {
        Path rootImage = ext2("root.img", "8M", "vda, read-write\n");
        Path roImage = ext2("ro.img", "4M", "vdb, read-only\n");
        Superblock rootBefore = Superblock.of(rootImage);
        assertEquals(0xef53, rootBefore.magic(), "mke2fs made ext2");
        assertEquals(EXT2_VALID_FS, rootBefore.state() & EXT2_VALID_FS, "cleanly unmounted");
        byte[] roBefore = Files.readAllBytes(roImage);

        ConsoleCapture console = new ConsoleCapture(false);
        Leaks leaksBefore = Leaks.now();
        Instant started = Instant.now();
        MachineExit exit;
        VirtioBlk vda;
        VirtioBlk vdb;
        Path kernel = GuestKernel.vmlinux(GuestKernel.Variant.STANDARD);
        // restored from a checkpoint taken before the device initcalls: the disks are probed, mounted and written
        // after the restore, and the guest's wall clock is set from the RTC (rtc_hctosys) after it too
        try (Machine machine = GuestCheckpoint.restore(
                "blk",
                kernel,
                "256 MiB, 1 vCPU, disks: read-write, read-only; command line " + CMDLINE,
                () -> Machine.builder()
                        .kernel(kernel)
                        .memoryMiB(256)
                        .vcpus(1)
                        .disk(rootImage, false)
                        .disk(roImage, true)
                        .commandLine(CMDLINE)
                        .console(console),
                GuestCheckpoint.BEFORE_DEVICES,
                r -> r.disk(0, rootImage).disk(1, roImage).console(console))) {
            vda = (VirtioBlk) machine.virtioDevices().get(0).device();
            vdb = (VirtioBlk) machine.virtioDevices().get(1).device();
            assertTrue(machine.commandLine().contains("virtio_mmio.device=4K@0xd0000000:5"), machine.commandLine());
            machine.start();
            console.awaitWhileRunning(machine, "VFS: Mounted root (ext2 filesystem)", BOOT_TIMEOUT);
            exit = machine.awaitExit(BOOT_TIMEOUT)
                    .orElseThrow(() -> new AssertionError(
                            "no machine exit within " + BOOT_TIMEOUT.toSeconds() + " s\n" + console.tail(40)));
        }
        Instant ended = Instant.now();
        String text = console.text();

        // both disks probed, each with its own capacity (16384 and 8192 sectors tell them apart)
        assertTrue(text.contains("[vda] 16384 512-byte logical blocks"), console.tail(40));
        assertTrue(text.contains("[vdb] 8192 512-byte logical blocks"), console.tail(40));

        // vda: mounted read-write, and written
        Matcher m = MOUNTED.matcher(text);
        assertTrue(m.find(), console.tail(40));
        assertEquals(null, m.group(1), "mounted read-write, not readonly: " + m.group());
        assertEquals("0", m.group(3), "the whole disk vda, minor 0: " + m.group());
        Superblock rootAfter = Superblock.of(rootImage);
        assertEquals(0xef53, rootAfter.magic());
        assertEquals(rootBefore.mountCount() + 1, rootAfter.mountCount(), "the kernel counted the mount");
        assertEquals(0, rootAfter.state() & EXT2_VALID_FS, "mounted, not cleanly unmounted: " + rootAfter);
        assertTrue(
                rootAfter.writeTime() >= started.getEpochSecond() - 2
                        && rootAfter.writeTime() <= ended.getEpochSecond() + 2,
                "the superblock's write time " + Instant.ofEpochSecond(rootAfter.writeTime()) + " is this boot's ("
                        + started + " to " + ended + ")");
        assertTrue(vda.bytesWritten() >= 1024, "vda written: " + vda.bytesWritten() + " bytes");
        assertTrue(vda.bytesRead() > 0);
        assertEquals(0, vda.requestsFailed());

        // vdb: the driver accepted read-only, read it, wrote nothing
        assertTrue(vdb.readOnly());
        assertEquals(VirtioBlk.F_RO, vdb.driverFeatures() & VirtioBlk.F_RO, "the kernel's virtio_blk took RO");
        assertEquals(0, vdb.driverFeatures() & (VirtioBlk.F_DISCARD | VirtioBlk.F_WRITE_ZEROES), "not offered");
        assertTrue(vdb.bytesRead() >= 512, "the kernel read vdb's partition table: " + vdb.bytesRead() + " bytes");
        assertEquals(0, vdb.bytesWritten());
        assertEquals(0, vdb.requestsFailed(), "no write was even tried");
        assertArrayEquals(roBefore, Files.readAllBytes(roImage), "vdb is byte-identical");

        // no init on the root: the kernel panics and panic=-1 reboots
        assertTrue(text.contains("Kernel panic - not syncing: No working init found."), console.tail(40));
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "\n" + console.tail(40));
        assertEquals(leaksBefore, Leaks.now(), "the disks' descriptors are closed with the machine");
    }

    /**
     * On hardware KVM, where a boot takes a second: the read-only disk as the root, asked for read-write
     * ({@code root=/dev/vdb rw}). The block layer refuses to open it for writing (EACCES), so the kernel
     * mounts it read-only instead and says so, and the file stays byte-identical.
     */
    @Test
    @Timeout(300)
    void aReadOnlyRootDiskIsMountedReadonly() throws Exception {
        assumeFalse(
                emulated,
                "KVM emulates guest code here (nested PVM): a boot takes a minute or more, and this class boots once"
                        + " on such hosts (mountsARootDiskReadWriteAndSeesASecondDiskReadOnly); needs hardware KVM");
        Path rootImage = ext2("root.img", "8M", "vda, read-write\n");
        Path roImage = ext2("ro.img", "4M", "vdb, read-only\n");
        byte[] roBefore = Files.readAllBytes(roImage);
        ConsoleCapture console = new ConsoleCapture(false);
        MachineExit exit;
        try (Machine machine = Machine.builder()
                .kernel(GuestKernel.vmlinux(GuestKernel.Variant.STANDARD))
                .memoryMiB(256)
                .vcpus(1)
                .disk(rootImage, false)
                .disk(roImage, true)
                .commandLine(CMDLINE.replace("root=/dev/vda", "root=/dev/vdb"))
                .console(console)
                .build()) {
            machine.start();
            console.awaitWhileRunning(machine, "VFS: Mounted root (ext2 filesystem)", BOOT_TIMEOUT);
            exit = machine.awaitExit(BOOT_TIMEOUT)
                    .orElseThrow(() -> new AssertionError(
                            "no machine exit within " + BOOT_TIMEOUT.toSeconds() + " s\n" + console.tail(40)));
        }
        Matcher m = MOUNTED.matcher(console.text());
        assertTrue(m.find(), console.tail(40));
        assertEquals(" readonly", m.group(1), "the kernel fell back to a read-only mount: " + m.group());
        assertEquals("16", m.group(3), "vdb, the second disk (minor 16): " + m.group());
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "\n" + console.tail(40));
        assertArrayEquals(roBefore, Files.readAllBytes(roImage), "vdb is byte-identical");
    }

    /**
     * On hardware KVM, busybox user space on two raw disks: it checksums the read-only one whole, writes a
     * line to the read-write one with {@code conv=fsync} (a FLUSH) and reads it back, and its write to the
     * read-only one fails; the host then checks the files.
     */
    @Test
    @Timeout(300)
    @RequiresHost(kvm = true, files = RequiresHost.BUSYBOX_STATIC)
    void busyboxWritesFlushesAndReadsTheDisks() throws Exception {
        assumeFalse(
                emulated,
                "KVM emulates guest code here (nested PVM): user space cannot run (init's first system call faults"
                        + " at entry_SYSCALL_64); this test needs hardware KVM");
        byte[] pattern = new byte[1 << 20];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 31 + i / 4096);
        }
        Path rw = Files.write(dir.resolve("rw.img"), new byte[1 << 20]);
        Path ro = Files.write(dir.resolve("ro.img"), pattern);
        String roSha = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(pattern));
        byte[] initrd = org.vmm4j.boot.BusyboxInitramfs.builder()
                .compression(org.vmm4j.boot.Initramfs.Compression.NONE)
                .marker("VMM4J-BLK-INIT")
                .command("echo vdb-sha256=$(sha256sum /dev/vdb | cut -d' ' -f1)")
                .command("echo VMM4J-BLK-WRITE | dd of=/dev/vda bs=512 seek=8 conv=fsync,notrunc 2>/dev/null")
                .command("echo vda-read=$(dd if=/dev/vda bs=512 skip=8 count=1 2>/dev/null | head -n 1)")
                .command("echo x | dd of=/dev/vdb bs=512 conv=fsync,notrunc 2>/dev/null; echo vdb-write-status=$?")
                .build();
        ConsoleCapture console = new ConsoleCapture(false);
        MachineExit exit;
        try (Machine machine = Machine.builder()
                .kernel(GuestKernel.vmlinux(GuestKernel.Variant.STANDARD))
                .memoryMiB(256)
                .vcpus(1)
                .disk(rw, false)
                .disk(ro, true)
                .initrd(initrd)
                .commandLine("console=ttyS0 reboot=k panic=-1 rdinit=/init")
                .console(console)
                .build()) {
            machine.start();
            exit = machine.awaitExit(BOOT_TIMEOUT)
                    .orElseThrow(() -> new AssertionError(
                            "no machine exit within " + BOOT_TIMEOUT.toSeconds() + " s\n" + console.tail(40)));
        }
        String text = console.text();
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "\n" + console.tail(40));
        assertTrue(text.contains("VMM4J-BLK-INIT"), console.tail(40));
        assertTrue(text.contains("vdb-sha256=" + roSha + "\n"), "the guest read vdb whole\n" + console.tail(40));
        assertTrue(text.contains("vda-read=VMM4J-BLK-WRITE\n"), console.tail(40));
        Matcher status = Pattern.compile("vdb-write-status=(\\d+)").matcher(text);
        assertTrue(status.find(), console.tail(40));
        assertFalse(status.group(1).equals("0"), "writing the read-only disk failed in the guest: " + status.group());
        byte[] written = Files.readAllBytes(rw);
        assertEquals(
                "VMM4J-BLK-WRITE\n",
                new String(written, 4096, 16, StandardCharsets.US_ASCII),
                "the host sees the guest's line at sector 8");
        assertArrayEquals(pattern, Files.readAllBytes(ro), "vdb is byte-identical");
    }
}
