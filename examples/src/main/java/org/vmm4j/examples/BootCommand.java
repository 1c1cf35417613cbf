package org.vmm4j.examples;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.vmm4j.boot.BusyboxInitramfs;
import org.vmm4j.boot.EntryKind;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.x86.Irqchip;

/**
 * {@code vmm4j boot --kernel K [--initrd I | --busybox] [--append ARGS] [--mem 256M] [--cpus N]
 * [--entry bzimage64|pvh|elf64] [--irqchip kernel|split] [--timeout SECONDS] [--until TEXT]}: boots a Linux kernel in this process with the serial
 * console on the terminal; ends when the guest reboots or powers off.
 */
final class BootCommand implements Cli.Command {

    @Override
    public String summary() {
        return "boot a Linux kernel in-process: --kernel K [--initrd I|--busybox] [--append ..] [--mem 256M] [--cpus N]";
    }

    private static Irqchip irqchip(String name) {
        switch (name) {
            case "kernel":
                return Irqchip.KERNEL;
            case "split":
                return Irqchip.SPLIT;
            default:
                throw new IllegalArgumentException("--irqchip must be kernel or split, not " + name);
        }
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Path kernel = null;
        Path initrd = null;
        boolean busybox = false;
        String append = null;
        long memory = 256L << 20;
        int cpus = 1;
        EntryKind entry = null;
        Irqchip irqchip = Irqchip.KERNEL;
        Duration timeout = null;
        String until = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--kernel" -> kernel = Path.of(value(args, ++i, a));
                case "--initrd" -> initrd = Path.of(value(args, ++i, a));
                case "--busybox" -> busybox = true;
                case "--append" -> append = value(args, ++i, a);
                case "--mem" -> memory = size(value(args, ++i, a));
                case "--cpus" -> cpus = integer(value(args, ++i, a), a);
                case "--entry" -> entry = EntryKind.fromName(value(args, ++i, a));
                case "--irqchip" -> irqchip = irqchip(value(args, ++i, a));
                case "--timeout" -> timeout = Duration.ofSeconds(integer(value(args, ++i, a), a));
                case "--until" -> until = value(args, ++i, a);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (kernel == null) {
            throw new IllegalArgumentException("--kernel is required");
        }
        if (initrd != null && busybox) {
            throw new IllegalArgumentException("--initrd and --busybox exclude each other");
        }
        if (!Files.isReadable(kernel)) {
            throw new IllegalArgumentException("cannot read kernel " + kernel);
        }
        String cmdline = append != null
                ? append
                : busybox ? "console=ttyS0 reboot=k panic=-1 rdinit=/init" : "console=ttyS0 reboot=k panic=-1";
        ConsoleWatch console = new ConsoleWatch(out, until);
        Machine.Builder builder = Machine.builder()
                .kernel(kernel)
                .entry(entry)
                .memoryBytes(memory)
                .vcpus(cpus)
                .irqchip(irqchip)
                .commandLine(cmdline)
                .console(console)
                .consoleInput(System.in)
                .bootListener(nanos ->
                        err.printf("%n[vmm4j] guest init reached the boot timer after %d ms%n", nanos / 1_000_000));
        if (initrd != null) {
            builder.initrd(initrd);
        } else if (busybox) {
            builder.initrd(BusyboxInitramfs.builder().build());
        }
        try (Machine machine = builder.build()) {
            console.onMatch(machine::stop);
            Optional<MachineExit> exit;
            try (RawTerminal terminal = RawTerminal.enter()) {
                if (terminal.isRaw()) {
                    err.print("[vmm4j] console attached; the guest ends the session (reboot/poweroff)\r\n");
                }
                machine.start();
                exit = machine.awaitExit(timeout != null ? timeout : Duration.ofDays(365));
                out.flush();
            }
            // The terminal is back in its own mode: plain line ends from here on.
            if (exit.isEmpty()) {
                err.printf("%n[vmm4j] no exit within %d s; stopping%n", timeout.toSeconds());
                machine.stop();
                return 3;
            }
            MachineExit e = exit.get();
            if (console.matched()) {
                err.println(System.lineSeparator() + "[vmm4j] saw \"" + until + "\" after "
                        + machine.uptime().toMillis() + " ms; stopped");
                return 0;
            }
            // Concatenation, not printf: java.util.Formatter loads locale data, a cost at every start.
            err.println(System.lineSeparator() + "[vmm4j] machine ended: "
                    + e.reason().name().toLowerCase(Locale.ROOT) + " (" + e.detail() + ") after "
                    + machine.uptime().toMillis() + " ms");
            return e.reason() == MachineExit.Reason.ERROR ? 1 : 0;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int integer(String s, String option) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, not '" + s + "'");
        }
    }

    /** 256M, 1G, 512K or plain bytes. */
    static long size(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long factor = 1;
        if (t.endsWith("K")) {
            factor = 1L << 10;
        } else if (t.endsWith("M")) {
            factor = 1L << 20;
        } else if (t.endsWith("G")) {
            factor = 1L << 30;
        }
        String digits = factor == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(digits);
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, factor);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: '" + s + "' (use e.g. 256M or 1G)");
        }
    }
}
