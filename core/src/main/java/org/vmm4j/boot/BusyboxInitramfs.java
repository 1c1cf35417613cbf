package org.vmm4j.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A minimal initramfs around a static busybox binary (Debian: {@code busybox-static}): an init
 * script that mounts /proc, /sys and /dev, prints a marker line, tells the boot timer it has
 * booted (one byte {@code 123} to its port through {@code /dev/port}), runs optional commands and
 * reboots (or powers off, or starts a shell).
 */
public final class BusyboxInitramfs {

    public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");
    public static final String DEFAULT_MARKER = "VMM4J-INIT-READY";
    /** Must match {@code org.vmm4j.machine.BootTimer.DEFAULT_PORT}. */
    public static final int DEFAULT_BOOT_TIMER_PORT = 0x440;

    public static final int BOOT_TIMER_MAGIC = 123;

    /** What init does after its commands. */
    public enum FinalAction {
        /** {@code reboot -f}: with {@code reboot=k} the kernel pulses the i8042 reset line. */
        REBOOT,
        /** {@code poweroff -f}. */
        POWEROFF,
        /** An interactive shell on the console. */
        SHELL
    }

    private static final Pattern MARKER = Pattern.compile("[A-Za-z0-9_.:=+-]{1,80}");
    private static final List<String> APPLETS = List.of(
            "sh",
            "mount",
            "mkdir",
            "cat",
            "echo",
            "dd",
            "ls",
            "uname",
            "grep",
            "reboot",
            "poweroff",
            "sleep",
            "dmesg",
            "ps");

    private Path busybox = HOST_BUSYBOX;
    private String marker = DEFAULT_MARKER;
    private int bootTimerPort = DEFAULT_BOOT_TIMER_PORT;
    private final List<String> commands = new ArrayList<>();
    private FinalAction finalAction = FinalAction.REBOOT;
    private Initramfs.Compression compression = Initramfs.Compression.NONE;

    private BusyboxInitramfs() {}

    public static BusyboxInitramfs builder() {
        return new BusyboxInitramfs();
    }

    /** The static busybox binary to include (default {@link #HOST_BUSYBOX}). */
    public BusyboxInitramfs busybox(Path path) {
        this.busybox = path;
        return this;
    }

    /** The line init prints once it runs: letters, digits and {@code _.:=+-}, up to 80 characters. */
    public BusyboxInitramfs marker(String text) {
        if (!MARKER.matcher(text).matches()) {
            throw new IllegalArgumentException("marker must be 1-80 of [A-Za-z0-9_.:=+-]: \"" + text + "\"");
        }
        this.marker = text;
        return this;
    }

    public BusyboxInitramfs bootTimerPort(int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("boot timer port outside 0-0xffff: " + port);
        }
        this.bootTimerPort = port;
        return this;
    }

    /** A shell command init runs after the boot timer write (e.g. {@code grep -c ^processor /proc/cpuinfo}). */
    public BusyboxInitramfs command(String shellCommand) {
        if (shellCommand.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("one command per call, without newlines");
        }
        commands.add(shellCommand);
        return this;
    }

    public BusyboxInitramfs finalAction(FinalAction action) {
        this.finalAction = action;
        return this;
    }

    /**
     * How {@link #build()} packs the archive: {@link Initramfs.Compression#NONE} by default (see there
     * why), {@link Initramfs.Compression#GZIP} for about half the size.
     */
    public BusyboxInitramfs compression(Initramfs.Compression compression) {
        this.compression = Objects.requireNonNull(compression, "compression");
        return this;
    }

    /** The init script. */
    public String initScript() {
        StringBuilder s = new StringBuilder();
        s.append("#!/bin/sh\n");
        s.append("mount -t proc proc /proc\n");
        s.append("mount -t sysfs sysfs /sys\n");
        s.append("mount -t devtmpfs devtmpfs /dev 2>/dev/null\n");
        s.append("/bin/busybox --install -s 2>/dev/null\n");
        s.append("echo ").append(marker).append('\n');
        s.append("printf '\\")
                .append(Integer.toOctalString(BOOT_TIMER_MAGIC))
                .append("' | dd of=/dev/port bs=1 seek=")
                .append(bootTimerPort)
                .append(" count=1 conv=notrunc 2>/dev/null\n");
        for (String c : commands) {
            s.append(c).append('\n');
        }
        s.append(
                switch (finalAction) {
                    case REBOOT -> "reboot -f\n";
                    case POWEROFF -> "poweroff -f\n";
                    case SHELL -> "exec /bin/sh\n";
                });
        return s.toString();
    }

    /**
     * The initramfs, uncompressed unless {@link #compression(Initramfs.Compression)} says otherwise.
     *
     * @throws BootException if the busybox binary is missing or not a static x86-64 executable
     * @throws UncheckedIOException if it cannot be read
     */
    public byte[] build() {
        if (!Files.isRegularFile(busybox)) {
            throw new BootException("busybox not found at " + busybox + " (Debian: apt install busybox-static)");
        }
        byte[] binary;
        try {
            binary = Files.readAllBytes(busybox);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + busybox + ": " + e.getMessage(), e);
        }
        requireStaticExecutable(binary);
        Initramfs cpio = Initramfs.builder()
                .compression(compression)
                .directory("bin", 0755)
                .directory("sbin", 0755)
                .directory("proc", 0555)
                .directory("sys", 0555)
                .directory("dev", 0755)
                .directory("tmp", 01777)
                .characterDevice("dev/console", 5, 1, 0600)
                .characterDevice("dev/null", 1, 3, 0666)
                .characterDevice("dev/port", 1, 4, 0640)
                .file("bin/busybox", binary, 0755);
        for (String applet : APPLETS) {
            cpio.symlink("bin/" + applet, "busybox");
        }
        cpio.file("init", initScript(), 0755);
        return cpio.build();
    }

    /** Rejects anything but a 64-bit x86 ELF executable without a program interpreter. */
    static void requireStaticExecutable(byte[] binary) {
        if (!ElfKernel.looksLikeElf(binary) || binary.length < 64 || binary[4] != 2) {
            throw new BootException("busybox is not a 64-bit ELF executable");
        }
        ByteBuffer b = ByteBuffer.wrap(binary).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(18) & 0xffff) != 62) {
            throw new BootException("busybox is not an x86-64 executable");
        }
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff;
        int phnum = b.getShort(56) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            long ph = phoff + (long) i * phentsize;
            if (ph + 4 <= binary.length && b.getInt((int) ph) == 3) { // PT_INTERP
                throw new BootException("busybox is dynamically linked; the initramfs needs a static one "
                        + "(Debian: busybox-static)");
            }
        }
    }
}
