package org.vmm4j.examples;

import static org.vmm4j.examples.CliText.t;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.vmm4j.boot.BusyboxInitramfs;
import org.vmm4j.boot.EntryKind;
import org.vmm4j.boot.Initramfs;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.virtio.VirtioNet;
import org.vmm4j.virtio.VirtioVsock;
import org.vmm4j.x86.CpuModel;
import org.vmm4j.x86.Irqchip;

/**
 * {@code vmm4j boot --kernel K [--initrd I | --busybox [--compression none|gzip]] [--append ARGS] [--mem 256M]
 * [--overcommit] [--cpus N] [--cpu host|baseline|auto[,+feat,-feat…]] [--entry bzimage64|pvh|elf64]
 * [--irqchip kernel|split] [--rng] [--net tap=NAME[,mac=MAC]] [--vsock CID,SOCKET] [--console ttyS0|hvc0]
 * [--disk PATH[,ro]]... [--timeout SECONDS] [--until TEXT]}: boots a Linux kernel in this process with its
 * console (the serial port, or a virtio console) on the terminal; ends when the guest reboots or powers off.
 */
final class BootCommand implements Cli.Command {

    static final CommandSpec SPEC = new CommandSpec(
            "boot",
            "boot a Linux kernel in-process: --kernel K [--initrd I|--busybox] [--append ..] [--mem 256M] [--cpus N]",
            "--kernel FILE [options]",
            List.of(
                    Option.value("--kernel", "FILE", "the kernel to boot: a bzImage, a vmlinux (ELF) or a PVH kernel"),
                    Option.value("--initrd", "FILE", "the initial ramdisk"),
                    Option.flag("--busybox", "use a built-in busybox initramfs (instead of --initrd)"),
                    Option.value(
                            "--compression",
                            "KIND",
                            "how --busybox packs its initramfs: none (default; no time spent inflating) or gzip"),
                    Option.value(
                            "--append", "ARGS", "the kernel command line (default: console=ttyS0 reboot=k panic=-1)"),
                    Option.value("--mem", "SIZE", "guest memory: bytes or with K, M, G, T (default: 256M)"),
                    Option.flag(
                            "--overcommit",
                            "allow --mem beyond the host's memory (pages are only used once the guest touches them)"),
                    Option.value("--cpus", "N", "number of vCPUs (default: 1)"),
                    Option.value(
                            "--cpu",
                            "MODEL",
                            "CPU model: auto (default; baseline,-kvm-pv where KVM emulates guest code, else host),"
                                    + " host or baseline, then +feature/-feature edits by /proc/cpuinfo name and"
                                    + " +kvm-pv/-kvm-pv, e.g. baseline,+popcnt,-kvm-pv"),
                    Option.value("--entry", "KIND", "how to enter the kernel: bzimage64, pvh or elf64"),
                    Option.value("--irqchip", "MODE", "interrupt controller: kernel (default) or split"),
                    Option.flag(
                            "--rng",
                            "add a virtio entropy device (virtio-mmio at 0xd0000000, IRQ 5; the kernel needs"
                                    + " VIRTIO_MMIO_CMDLINE_DEVICES and HW_RANDOM_VIRTIO)"),
                    Option.value(
                            "--net",
                            "tap=NAME[,mac=MAC]",
                            "add a virtio network card on host tap device NAME (created if absent; needs"
                                    + " CAP_NET_ADMIN), MAC default 02:76:6d:.. from the name"),
                    Option.value(
                            "--console",
                            "TTY",
                            "the guest's console: ttyS0 (default; the serial port) or hvc0 (adds a virtio console,"
                                    + " which takes the terminal's input, and console=hvc0 to the command line; hvc0 prints from"
                                    + " virtio_console's probe on, so add earlyprintk=serial,keep to see the start)"),
                    Option.value(
                            "--vsock",
                            "CID,SOCKET",
                            "add a virtio socket device for guest CID (3 or more), Firecracker-style: host programs"
                                    + " connect to the Unix socket SOCKET and write CONNECT <port>; the guest's"
                                    + " connections to host port P go to SOCKET_P"),
                    Option.value(
                            "--disk",
                            "PATH[,ro]",
                            "add a virtio block device over a raw image or block device (a multiple of 512"
                                    + " bytes), read-only with ,ro; repeatable: /dev/vda, /dev/vdb, ... in order"),
                    Option.value("--timeout", "SECONDS", "stop the guest after this many seconds (exit status 3)"),
                    Option.value("--until", "TEXT", "stop once the console has printed TEXT"),
                    Option.value(
                            "--snapshot-on",
                            "TEXT",
                            "once the console has printed TEXT, save the guest in --snapshot-dir and exit"
                                    + " (vmm4j restore DIR continues it)"),
                    Option.value(
                            "--snapshot-dir",
                            "DIR",
                            "where --snapshot-on saves the guest (a directory; a snapshot there is replaced)")),
            "vmm4j boot --kernel bzImage --busybox --mem 512M --until 'login:' --timeout 30");

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    private static Irqchip irqchip(String name) {
        switch (name) {
            case "kernel":
                return Irqchip.KERNEL;
            case "split":
                return Irqchip.SPLIT;
            default:
                throw new IllegalArgumentException(t("boot.bad-irqchip", name));
        }
    }

    /** The value of {@code --vsock CID,SOCKET}. */
    private record Vsock(long cid, Path socket) {}

    private static Vsock vsock(String value) {
        int comma = value.indexOf(',');
        if (comma <= 0 || comma == value.length() - 1) {
            throw new IllegalArgumentException(t("boot.bad-vsock", value));
        }
        long cid;
        try {
            cid = Long.parseLong(value.substring(0, comma));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(t("boot.vsock-cid-number", value.substring(0, comma)), e);
        }
        if (cid < VirtioVsock.MIN_GUEST_CID || cid > VirtioVsock.MAX_GUEST_CID) {
            throw new IllegalArgumentException(t(
                    "boot.vsock-cid-range",
                    String.valueOf(VirtioVsock.MIN_GUEST_CID),
                    String.valueOf(VirtioVsock.MAX_GUEST_CID),
                    String.valueOf(cid)));
        }
        return new Vsock(cid, Path.of(value.substring(comma + 1)));
    }

    private static Initramfs.Compression compression(String name) {
        switch (name) {
            case "none":
                return Initramfs.Compression.NONE;
            case "gzip":
                return Initramfs.Compression.GZIP;
            default:
                throw new IllegalArgumentException(t("boot.bad-compression", name));
        }
    }

    /** {@code tap=NAME[,mac=MAC]}: the tap's name and the MAC (checked here) or null. */
    private static String[] net(String spec) {
        String tap = null;
        String mac = null;
        for (String part : spec.split(",", -1)) {
            if (part.startsWith("tap=") && tap == null) {
                tap = part.substring(4);
            } else if (part.startsWith("mac=") && mac == null) {
                mac = part.substring(4);
                VirtioNet.parseMac(mac);
            } else {
                throw new IllegalArgumentException(t("boot.bad-net", spec));
            }
        }
        if (tap == null || tap.isEmpty()) {
            throw new IllegalArgumentException(t("boot.net-needs-tap", spec));
        }
        return new String[] {tap, mac};
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Arguments a = new Arguments(args, SPEC);
        Locale locale = CliText.locale(); // the boot timer reports on a vCPU thread
        Path kernel = a.option("--kernel").map(Path::of).orElse(null);
        Path initrd = a.option("--initrd").map(Path::of).orElse(null);
        boolean busybox = a.flag("--busybox");
        Initramfs.Compression compression =
                a.option("--compression").map(BootCommand::compression).orElse(null);
        String append = a.option("--append").orElse(null);
        long memory = a.option("--mem").map(BootCommand::size).orElse(256L << 20);
        boolean overcommit = a.flag("--overcommit");
        int cpus = a.number("--cpus", 1, 1024).orElse(1L).intValue();
        CpuModel cpuModel = a.option("--cpu").map(BootCommand::cpuModel).orElse(CpuModel.auto());
        EntryKind entry = a.option("--entry").map(EntryKind::fromName).orElse(null);
        Irqchip irqchip = a.option("--irqchip").map(BootCommand::irqchip).orElse(Irqchip.KERNEL);
        boolean rng = a.flag("--rng");
        String[] net = a.option("--net").map(BootCommand::net).orElse(null);
        boolean hvc0 = a.option("--console").map(BootCommand::hvc0).orElse(false);
        Optional<Vsock> vsock = a.option("--vsock").map(BootCommand::vsock);
        List<Disk> disks = a.options("--disk").stream().map(BootCommand::disk).toList();
        Duration timeout = a.number("--timeout", 1).map(Duration::ofSeconds).orElse(null);
        String until = a.option("--until").orElse(null);
        String snapshotOn = a.option("--snapshot-on").orElse(null);
        Path snapshotDir = a.option("--snapshot-dir").map(Path::of).orElse(null);
        a.end();
        if ((snapshotOn == null) != (snapshotDir == null)) {
            throw new IllegalArgumentException(t("boot.snapshot-together"));
        }
        if (kernel == null) {
            throw new IllegalArgumentException(t("boot.kernel-required"));
        }
        if (initrd != null && busybox) {
            throw new IllegalArgumentException(t("boot.initrd-or-busybox"));
        }
        if (compression != null && !busybox) {
            throw new IllegalArgumentException(t("boot.compression-busybox"));
        }
        if (!Files.isReadable(kernel)) {
            throw new IllegalArgumentException(t("boot.cannot-read-kernel", kernel.toString()));
        }
        for (Disk d : disks) {
            if (!Files.isReadable(d.path()) || (!d.readOnly() && !Files.isWritable(d.path()))) {
                throw new IllegalArgumentException(t(
                        d.readOnly() ? "boot.cannot-read-disk" : "boot.cannot-write-disk",
                        d.path().toString()));
            }
        }
        String consoleArg = hvc0 ? "console=hvc0" : "console=ttyS0";
        String cmdline = append != null
                ? withConsole(append, hvc0)
                : busybox ? consoleArg + " reboot=k panic=-1 rdinit=/init" : consoleArg + " reboot=k panic=-1";
        ConsoleWatch console = new ConsoleWatch(out, until);
        SnapshotPoint snapshot = snapshotOn == null ? null : new SnapshotPoint(console, snapshotOn);
        Machine.Builder builder = Machine.builder()
                .kernel(kernel)
                .entry(entry)
                .memoryBytes(memory)
                .vcpus(cpus)
                .cpu(cpuModel)
                .irqchip(irqchip)
                .commandLine(cmdline)
                .console(snapshot != null ? snapshot.console() : console)
                .consoleInput(System.in)
                .bootListener(nanos -> err.print(System.lineSeparator()
                        + t(locale, "boot.init-timer", String.valueOf(nanos / 1_000_000))
                        + System.lineSeparator()));
        if (overcommit) {
            builder.allowMemoryOvercommit();
        }
        if (rng) {
            builder.virtioRng();
        }
        if (net != null) {
            builder.net(net[0], net[1]);
        }
        if (hvc0) {
            builder.virtioConsole(); // the console stream above, so --until sees its output
        }
        vsock.ifPresent(v -> builder.vsock(v.cid(), v.socket()));
        for (Disk d : disks) {
            builder.disk(d.path(), d.readOnly());
        }
        if (initrd != null) {
            builder.initrd(initrd);
        } else if (busybox) {
            builder.initrd(BusyboxInitramfs.builder()
                    .compression(compression != null ? compression : Initramfs.Compression.NONE)
                    .build());
        }
        try (Machine machine = builder.build()) {
            console.onMatch(machine::stop);
            Optional<MachineExit> exit;
            try (RawTerminal terminal = RawTerminal.enter()) {
                if (terminal.isRaw()) {
                    err.print(t("boot.console-attached") + "\r\n");
                }
                machine.start();
                Duration limit = timeout != null ? timeout : Duration.ofDays(365);
                exit = snapshot != null
                        ? snapshot.awaitAndSave(machine, snapshotDir, limit, err)
                        : machine.awaitExit(limit);
                out.flush();
            }
            if (snapshot != null && snapshot.saved()) {
                return 0;
            }
            // The terminal is back in its own mode: plain line ends from here on.
            if (exit.isEmpty()) {
                err.print(System.lineSeparator()
                        + t("boot.no-exit", String.valueOf(timeout.toSeconds()))
                        + System.lineSeparator());
                machine.stop();
                return 3;
            }
            MachineExit e = exit.get();
            if (console.matched()) {
                err.println(System.lineSeparator()
                        + t(
                                "boot.saw-until",
                                until,
                                String.valueOf(machine.uptime().toMillis())));
                return 0;
            }
            // Concatenation, not printf: java.util.Formatter loads locale data, a cost at every start.
            err.println(System.lineSeparator()
                    + t(
                            "boot.machine-ended",
                            t("boot.reason." + e.reason().name().toLowerCase(Locale.ROOT)),
                            String.valueOf(e.detail()),
                            String.valueOf(machine.uptime().toMillis())));
            return e.reason() == MachineExit.Reason.ERROR ? 1 : 0;
        }
    }

    private static boolean hvc0(String name) {
        switch (name) {
            case "ttyS0":
                return false;
            case "hvc0":
                return true;
            default:
                throw new IllegalArgumentException(t("boot.bad-console", name));
        }
    }

    /** {@code --append}'s command line, with {@code console=hvc0} last (the kernel's /dev/console) for hvc0. */
    static String withConsole(String append, boolean hvc0) {
        if (!hvc0 || List.of(append.trim().split("\\s+")).contains("console=hvc0")) {
            return append;
        }
        return append.isBlank() ? "console=hvc0" : append.trim() + " console=hvc0";
    }

    /** A {@code --disk PATH[,ro]}. */
    record Disk(Path path, boolean readOnly) {}

    static Disk disk(String spec) {
        boolean readOnly = spec.endsWith(",ro");
        String path = readOnly ? spec.substring(0, spec.length() - 3) : spec;
        if (path.isEmpty()) {
            throw new IllegalArgumentException(t("boot.bad-disk", spec));
        }
        return new Disk(Path.of(path), readOnly);
    }

    private static CpuModel cpuModel(String spec) {
        try {
            return CpuModel.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cpu: " + e.getMessage(), e);
        }
    }

    /** 256M, 1G, 512K, 1T or plain bytes. */
    static long size(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long factor = 1;
        if (t.endsWith("K")) {
            factor = 1L << 10;
        } else if (t.endsWith("M")) {
            factor = 1L << 20;
        } else if (t.endsWith("G")) {
            factor = 1L << 30;
        } else if (t.endsWith("T")) {
            factor = 1L << 40;
        }
        String digits = factor == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(digits);
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(t("boot.bad-size", s));
        }
    }
}
