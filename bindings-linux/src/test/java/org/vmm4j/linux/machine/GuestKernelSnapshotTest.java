package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.VmlinuxCache;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.machine.SnapshotResult;
import org.vmm4j.testsupport.GuestKernel;
import org.vmm4j.testsupport.RequiresHost;

/**
 * Issue #20's done-when: vmm4j's guest kernel with an entropy device and a disk, snapshotted partway through
 * its boot (on a console line halfway through an uninterrupted boot's) as an increment over a full snapshot taken
 * a third of the way in, restores in a new JVM (from the full snapshot's memory with the increment's pages over it)
 * and finishes the boot with the console an uninterrupted boot prints: the same lines (timestamps masked, the lines that measure
 * time left out, see {@link #TIMING}), and the same end in order. The kernel has no root file system here, so
 * the boot ends, deterministically, in a panic that {@code panic=-1 reboot=k} turns into a reset. Two boots
 * and a restore: a minute or two where guest code is emulated.
 */
@RequiresHost(kvm = true)
class GuestKernelSnapshotTest {
    private static final String CMDLINE = "console=ttyS0 reboot=k panic=-1";
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4);
    private static final Pattern TIMESTAMP = Pattern.compile("^\\[ *\\d+\\.\\d+\\] ", Pattern.MULTILINE);
    /**
     * Lines that differ between two uninterrupted boots here, because they measure time: where guest code is
     * emulated, the TSC calibration against the PIT succeeds or fails by chance, and what follows from it (the
     * delay loop's BogoMIPS, the clocksource chosen, whether the IOAPIC timer check runs, the unstable-TSC taint
     * flag) and the RTC's time with it; and the local APIC timer's check against the jiffies, which fails or passes
     * by the same chance (slower still while dirty pages are logged).
     */
    private static final Pattern TIMING = Pattern.compile(
            "tsc: |TSC|clocksource|sched_clock|\\.\\.TIMER: |BogoMIPS|Calibrating delay|rtc_cmos rtc_cmos: setting system clock|Tainted:|APIC timer disabled due to verification failure");

    @TempDir
    Path tmp;

    @Test
    @Timeout(900)
    void aGuestSnapshottedMidBootFinishesItsBootInANewProcess() throws Exception {
        LinuxKernel kernel = LinuxKernel.load(GuestKernel.vmlinux(), null, VmlinuxCache.defaultCache());
        Path disk = Files.write(tmp.resolve("disk.img"), new byte[1 << 20]);

        long coldStart = System.nanoTime();
        ConsoleCapture whole = new ConsoleCapture(false);
        MachineExit exit;
        try (Machine m = machine(kernel, whole, disk)) {
            m.start();
            exit = m.awaitExit(BOOT_TIMEOUT).orElseThrow(() -> new AssertionError("no exit\n" + whole.text()));
        }
        long coldNanos = System.nanoTime() - coldStart;
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "\n" + whole.text());
        assertTrue(whole.text().contains("[vda] 2048 512-byte logical blocks"), whole.text());
        String uninterrupted = mask(whole.text());
        String early = markerAfter(uninterrupted, 3, "");
        String marker = markerAfter(uninterrupted, 2, early);

        Path full = tmp.resolve("full");
        Path dir = tmp.resolve("increment");
        ConsoleCapture first = new ConsoleCapture(false);
        String before;
        SnapshotResult fullResult;
        SnapshotResult result;
        long toMarker;
        long t0 = System.nanoTime(); // from the build, as a restore's time counts from its call
        try (Machine m = machine(kernel, first, disk)) {
            m.start();
            first.awaitWhileRunning(m, early, BOOT_TIMEOUT);
            fullResult = m.snapshot(full); // pauses, saves, runs on
            first.awaitWhileRunning(m, marker, BOOT_TIMEOUT);
            m.pause();
            toMarker = System.nanoTime() - t0;
            before = first.text();
            result = m.snapshotIncremental(dir);
        }
        assertTrue(
                result.memoryWritten() < fullResult.memoryWritten(),
                "the increment holds less than the full snapshot: " + result + " over " + fullResult);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        if (Runtime.version().feature() >= 22) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                SnapshotRestoreProbe.class.getName(),
                dir.toString(),
                Long.toString(BOOT_TIMEOUT.toSeconds())));
        Path err = tmp.resolve("probe.err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(p.waitFor(BOOT_TIMEOUT.toSeconds() + 60, TimeUnit.SECONDS), "the restoring process still runs");
        String after = new String(stdout.get(), StandardCharsets.ISO_8859_1);
        String probe = Files.readString(err);
        assertEquals(0, p.exitValue(), probe + "\nconsole after the restore:\n" + after);

        assertTrue(
                after.contains("Kernel panic - not syncing: VFS: Unable to mount root fs"),
                "the restored guest finished its boot:\n" + after);
        assertTrue(!after.contains(marker), "the restored guest went on from the snapshot, not from the start");
        String resumed = mask(before + after);
        assertSameLines(
                uninterrupted,
                resumed,
                "the snapshot was taken on \"" + marker + "\"; the console's last bytes before it: "
                        + escaped(before.substring(Math.max(0, before.length() - 300))) + "\nand first after it: "
                        + escaped(after.substring(0, Math.min(after.length(), 300))));
        Matcher restore = Pattern.compile("restore-to-running=(\\d+)").matcher(probe);
        assertTrue(restore.find(), probe);
        long restoreNanos = Long.parseLong(restore.group(1));
        long allocated = MachineSnapshotTest.allocatedBytes(dir.resolve("memory.raw"));
        System.out.printf(
                "guest-kernel snapshot at \"%s\" over a full one at \"%s\": restore-to-running %.2f ms in a new"
                        + " JVM; cold boot to the same point %.0f ms (%.3f%%), whole boot %.0f ms; memory file %d MiB,"
                        + " increment %d KiB allocated (%d KiB of pages written), full snapshot %d KiB written; state"
                        + " %d bytes; increment took %d ms, full %d ms%n",
                marker.strip(),
                early.strip(),
                restoreNanos / 1e6,
                toMarker / 1e6,
                100.0 * restoreNanos / toMarker,
                coldNanos / 1e6,
                result.memoryBytes() >> 20,
                allocated >> 10,
                result.memoryWritten() >> 10,
                fullResult.memoryWritten() >> 10,
                result.stateBytes(),
                result.total().toMillis(),
                fullResult.total().toMillis());
    }

    /**
     * One vCPU, an entropy device and a read-only disk: the kernel probes both (the disk's partition table is
     * read through the queue), before or after the snapshots. Dirty pages are tracked, for the increment.
     */
    private static Machine machine(LinuxKernel kernel, ConsoleCapture console, Path disk) {
        return Machine.builder()
                .kernel(kernel)
                .memoryMiB(256)
                .vcpus(1)
                .commandLine(CMDLINE)
                .console(console)
                .virtioRng()
                .disk(disk, true)
                .trackDirtyPages()
                .build();
    }

    /**
     * CR LF as LF, each line's {@code [seconds.micros]} as {@code [T]}, and blank lines and the lines that measure
     * time (see {@link #TIMING}) left out.
     */
    static String mask(String console) {
        String text = TIMESTAMP.matcher(console.replace("\r\n", "\n")).replaceAll("[T] ");
        StringBuilder kept = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (!line.isBlank() && !TIMING.matcher(line).find()) {
                kept.append(line).append('\n');
            }
        }
        return kept.toString();
    }

    /**
     * A line that occurs once, to snapshot on: the first from {@code 1/divisor} of the way through the boot's lines,
     * and after {@code previous} (a marker already chosen) if there is one.
     */
    private static String markerAfter(String console, int divisor, String previous) {
        String[] lines = console.split("\n");
        int from = lines.length / divisor;
        for (int i = 0; !previous.isEmpty() && i < lines.length; i++) {
            if (lines[i].replace("[T] ", "").equals(previous)) {
                from = Math.max(from, i + 1);
            }
        }
        for (int i = from; i < lines.length; i++) {
            String text = lines[i].replace("[T] ", "");
            if (text.length() > 12
                    && !TIMING.matcher(text).find()
                    && console.indexOf(text) == console.lastIndexOf(text)) {
                return text;
            }
        }
        throw new AssertionError("no line to snapshot on in\n" + console);
    }

    private static String escaped(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }

    /**
     * The same lines, each as often, and the same last lines (the panic and its trace) in order. Not every
     * line's place is fixed: asynchronous probes (the i8042's keyboard input device, the entropy pool's
     * "crng init done") print when their work runs, which moves with timing from boot to boot.
     */
    private static void assertSameLines(String expected, String actual, String where) {
        List<String> e = new ArrayList<>(List.of(expected.split("\n")));
        List<String> a = new ArrayList<>(List.of(actual.split("\n")));
        int tail = 12;
        assertEquals(
                e.subList(Math.max(0, e.size() - tail), e.size()),
                a.subList(Math.max(0, a.size() - tail), a.size()),
                "the end of the boot, in order (" + where + ")\nrestored console:\n" + actual);
        List<String> missing = new ArrayList<>(e);
        for (String line : a) {
            missing.remove(line);
        }
        List<String> extra = new ArrayList<>(a);
        for (String line : e) {
            extra.remove(line);
        }
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new AssertionError("the consoles differ (" + where + ");\nonly uninterrupted:\n  "
                    + String.join("\n  ", missing) + "\nonly restored:\n  " + String.join("\n  ", extra)
                    + "\n\nuninterrupted console:\n" + expected + "\n\nrestored console:\n" + actual);
        }
    }
}
