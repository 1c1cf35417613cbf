package org.vmm4j.linux.machine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.SnapshotException;
import org.vmm4j.virtio.VirtioMmio;

/**
 * Issue #20 for the slow guest tests: the guest kernel booted once to a console line before its virtio devices are
 * probed, snapshotted there, and restored by each test with backends of its own ({@link Machine.Restore#disk},
 * {@link Machine.Restore#netTap}, {@link Machine.Restore#vsockSocket}, console streams) instead of a cold boot.
 * Where guest code is emulated the part of the boot before the device initcalls is most of a boot; tests whose
 * point is what the guest does with a device (probe, I/O) lose nothing, tests whose point is the cold boot keep
 * booting.
 *
 * <p>A checkpoint is kept in {@code ~/.cache/vmm4j/guest-checkpoints/<name>-<key>} (system property {@code
 * vmm4j.test.checkpoints}: another directory, or {@code off} to boot every time), the key a SHA-256 of the kernel,
 * vmm4j's core classes and the caller's description of the machine, so a changed kernel, vmm4j or configuration
 * boots again; a checkpoint this vmm4j refuses to restore is made again; older checkpoints of the same name are
 * removed. The boot to the checkpoint checks that no driver took a virtio device before the pause (no status but
 * ACKNOWLEDGE, which the virtio core sets when virtio_mmio registers the device; a driver's probe reads the
 * features and configuration after it): a marker too late fails instead of giving a test a half-probed device.
 *
 * <p>What a restored guest differs in, on a host whose KVM does not offset the guest's TSC (nested through PVM, as
 * here: see {@code RestoredClockTest}): its TSC clock jumps by the checkpoint's age (hence {@link #MAX_AGE}); the
 * wall clock is set again from the RTC by {@code rtc_hctosys}, which runs after the checkpoint.
 */
final class GuestCheckpoint {
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4);
    /**
     * How old a checkpoint may be. Where KVM does not offset the guest's TSC (here), a guest restored from a
     * snapshot reads the host's TSC and sees the time the snapshot lay on disk pass at once (its clock jumps by the
     * snapshot's age; on hardware KVM the restored IA32_TSC goes on from the saved one): restored after 15 minutes, the guest kernel took 130 s instead of 9 for
     * the disk test and never reached its DHCP request in the network test; restored within a minute or two, it
     * behaves as booted. So a checkpoint serves the tests of one run (the two tests of a class that share one, a
     * rerun), not the next day's.
     */
    static final Duration MAX_AGE = Duration.ofMinutes(2);

    /**
     * The line the 8250 serial driver prints in the device initcalls ({@code drivers/tty}): after virtio_mmio found
     * the devices ({@code drivers/virtio}, linked before: a device is then registered with the virtio core, status
     * ACKNOWLEDGE, and its ID was read), before any virtio driver binds one ({@code drivers/char}, {@code
     * drivers/block}, {@code drivers/net} and {@code net/} are linked after). Where guest code is emulated the boot
     * up to here is most of the boot to the devices' probes (here: 25 of 26 guest seconds); the check that no device
     * has its DRIVER bit guards the pause.
     */
    static final String BEFORE_DEVICES = "Serial: 8250/16550 driver";

    private GuestCheckpoint() {}

    /**
     * A machine restored from the checkpoint {@code name} (made first if there is none: {@code boot} built, run to
     * {@code marker} on its console, paused, saved, closed), with {@code backends} applied to the restore (its
     * console, taps, sockets, disks: a checkpoint's recorded ones are another test's). Not started. With
     * checkpoints {@code off}, {@code boot} built, to boot cold.
     *
     * @param boot the test's machine, with its own backends and console (the checkpoint's boot watches a console of
     *     its own)
     * @param description everything about the machine that is not in {@code kernel}: command line, initrd, memory,
     *     vCPUs, devices and their options (part of the checkpoint's key)
     */
    static Machine restore(
            String name,
            Path kernel,
            String description,
            Supplier<Machine.Builder> boot,
            String marker,
            UnaryOperator<Machine.Restore> backends)
            throws InterruptedException, IOException {
        String where = System.getProperty("vmm4j.test.checkpoints", "");
        if (where.equals("off")) {
            return boot.get().build();
        }
        Path root = where.isEmpty()
                ? Path.of(System.getProperty("user.home"), ".cache", "vmm4j", "guest-checkpoints")
                : Path.of(where);
        Path dir = root.resolve(name + "-"
                + key(kernel, description + "; checkpoint at " + marker).substring(0, 24));
        if (Files.isDirectory(dir) && olderThan(dir, MAX_AGE)) {
            System.out.println("[vmm4j] guest checkpoint " + dir.getFileName() + " is older than " + MAX_AGE.toSeconds()
                    + " s; booting to it again");
            delete(dir);
        }
        if (Files.isDirectory(dir)) {
            try {
                return backends.apply(Machine.restoring(dir)).build();
            } catch (SnapshotException e) {
                System.out.println("[vmm4j] guest checkpoint " + dir.getFileName() + " is refused (" + e.getMessage()
                        + "); booting to it again");
                delete(dir);
            }
        }
        make(root, dir, name, boot, marker);
        return backends.apply(Machine.restoring(dir)).build();
    }

    private static void make(Path root, Path dir, String name, Supplier<Machine.Builder> boot, String marker)
            throws InterruptedException, IOException {
        Files.createDirectories(root);
        Path partial = root.resolve(
                "." + dir.getFileName() + ".boot-" + ProcessHandle.current().pid());
        ConsoleCapture console = new ConsoleCapture(false);
        long t0 = System.nanoTime();
        try (Machine m = boot.get().console(console).build()) {
            m.start();
            console.awaitWhileRunning(m, marker, BOOT_TIMEOUT);
            m.pause();
            List<VirtioMmio> devices = m.virtioDevices();
            for (int slot = 0; slot < devices.size(); slot++) {
                if ((devices.get(slot).status() & ~VirtioMmio.STATUS_ACKNOWLEDGE) != 0) {
                    throw new AssertionError("guest checkpoint " + name + ": a driver had taken virtio slot " + slot
                            + " (status 0x"
                            + Integer.toHexString(devices.get(slot).status()) + ") when \"" + marker
                            + "\" was seen; choose an earlier line\n" + console.tail(20));
                }
            }
            m.snapshot(partial);
        }
        try (Stream<Path> old = Files.list(root)) {
            for (Path p : old.filter(p -> p.getFileName().toString().startsWith(name + "-"))
                    .toList()) {
                delete(p);
            }
        }
        try {
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            delete(partial); // another JVM made it meanwhile
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
        System.out.printf(
                "[vmm4j] guest checkpoint %s: booted to \"%s\" and saved in %.1f s%n",
                dir.getFileName(), marker, (System.nanoTime() - t0) / 1e9);
    }

    /** SHA-256 of the kernel, vmm4j's core classes (a jar, or the class files of a build) and {@code description}. */
    static String key(Path kernel, String description) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            digest(sha, kernel);
            Path core = Path.of(Machine.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (Files.isDirectory(core)) {
                try (Stream<Path> files = Files.walk(core)) {
                    for (Path f : files.filter(Files::isRegularFile)
                            .sorted(Comparator.comparing(Path::toString))
                            .toList()) {
                        sha.update(core.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                        digest(sha, f);
                    }
                }
            } else {
                digest(sha, core);
            }
            sha.update(description.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException | URISyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean olderThan(Path dir, Duration age) throws IOException {
        Path state = dir.resolve("machine.state");
        return !Files.exists(state)
                || Files.getLastModifiedTime(state).toInstant().plus(age).isBefore(Instant.now());
    }

    /** SHA-256 of {@code bytes}, in hexadecimal. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void digest(MessageDigest sha, Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
