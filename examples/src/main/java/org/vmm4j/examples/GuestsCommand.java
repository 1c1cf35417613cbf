package org.vmm4j.examples;

import static org.vmm4j.examples.CliText.t;

import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.vmm4j.VmmException;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestInfo;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.Snapshot;
import org.vmm4j.guest.UndefineOption;
import org.vmm4j.text.Localized;

/**
 * {@code vmm4j guests [--uri U] list|info|start|stop|reboot|delete|snapshot|events|console}: the host's managed
 * guests (libvirt on Linux, bhyve on FreeBSD, vmd on OpenBSD) through {@link GuestManager}.
 */
final class GuestsCommand implements Cli.Command {
    static final CommandSpec SPEC = new CommandSpec(
            "guests",
            "list and control managed guests (libvirt, bhyve, vmd): list, info, start, stop, reboot, delete,"
                    + " snapshot, events, console; --uri U (default: qemu:///system on Linux, bhyve:///system on FreeBSD)",
            "[--uri U] list [--active|--inactive] | info NAME | start NAME"
                    + " | stop NAME [--force] [--timeout S] | reboot NAME | delete NAME [--storage] [--snapshots] [--nvram]"
                    + " | snapshot NAME create SNAP [--description D] [--disk-only] | snapshot NAME list"
                    + " | snapshot NAME revert|delete SNAP | events [--count N]"
                    + " | console NAME [--force] [--wait-for TEXT]",
            List.of(
                    Option.value("--uri", "U", "the guest manager (default: the host's own)"),
                    Option.flag("--active", "list: only running or paused guests"),
                    Option.flag("--inactive", "list: only stopped guests"),
                    Option.flag(
                            "--force",
                            "stop: power off at once instead of shutting down; console: take the console over from"
                                    + " another session"),
                    Option.value(
                            "--timeout", "S", "stop: seconds to wait for the shutdown before forcing it (default: 60)"),
                    Option.flag("--storage", "delete: also delete the guest's disks"),
                    Option.flag("--snapshots", "delete: also delete its snapshots"),
                    Option.flag("--nvram", "delete: also delete its UEFI variables"),
                    Option.value("--description", "D", "snapshot create: the snapshot's description"),
                    Option.flag("--disk-only", "snapshot create: the disks only, not the memory"),
                    Option.value("--count", "N", "events: stop after N events"),
                    Option.value(
                            "--wait-for",
                            "TEXT",
                            "console: end the session once the guest prints TEXT (for piped input)")),
            "vmm4j guests stop web1 --timeout 30");
    private static final long DEFAULT_STOP_TIMEOUT_SECONDS = 60;

    private final Function<String, GuestManager> connect;
    private final InputStream stdin;
    private final Supplier<RawTerminal> terminal;

    /**
     * Connects with {@link GuestManager#connect(String)}; {@code events} also ends when stdin closes, and
     * {@code console} puts the terminal into raw mode when stdin is one.
     */
    GuestsCommand() {
        this(GuestManager::connect, System.in);
    }

    /**
     * @param connect opens the manager for a URI ({@code null}: the backend's default); the command
     *                closes what it returns
     * @param stdin   {@code events} stops when this reaches its end
     */
    GuestsCommand(Function<String, GuestManager> connect, InputStream stdin) {
        this.connect = connect;
        this.stdin = stdin;
        // Only this process's own standard input can be a terminal to put into raw mode.
        @SuppressWarnings("ReferenceEquality")
        boolean own = stdin == System.in;
        this.terminal = own ? RawTerminal::enter : RawTerminal::none;
    }

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        Arguments a = new Arguments(args, SPEC);
        String uri = a.option("--uri").orElse(null);
        String action = a.positional(t("guests.what-action"));
        // Checked before connecting, so a typo does not wait for a daemon.
        if (!List.of("list", "info", "start", "stop", "reboot", "delete", "snapshot", "events", "console")
                .contains(action)) {
            throw a.error(t("guests.unknown-action", action));
        }
        try (GuestManager manager = connect.apply(uri)) {
            return run(manager, action, a, out, err);
        }
    }

    private int run(GuestManager manager, String action, Arguments a, PrintStream out, PrintStream err)
            throws InterruptedException {
        try {
            return switch (action) {
                case "list" -> list(manager, a, out);
                case "info" -> info(manager, a, out);
                case "start" -> start(manager, a, out);
                case "stop" -> stop(manager, a, out);
                case "reboot" -> reboot(manager, a, out);
                case "delete" -> delete(manager, a, out);
                case "snapshot" -> new GuestSnapshots(manager).run(a, out);
                case "console" -> new GuestConsoleSession(manager, stdin, terminal).run(a, out, err);
                default -> new GuestEventStream(manager, stdin).run(a, out, err);
            };
        } catch (UnsupportedOperationException e) {
            // e.g. snapshots or events on a backend without them: a failure of the host, not a crash; a refusal
            // that names the backend itself goes on as it is (Cli shows it in the reader's language)
            if (e instanceof Localized) {
                throw e;
            }
            throw new VmmException(manager.kind() + ": " + e.getMessage(), e);
        }
    }

    private static int list(GuestManager manager, Arguments a, PrintStream out) {
        boolean active = a.flag("--active");
        boolean inactive = a.flag("--inactive");
        a.end();
        if (active && inactive) {
            throw a.error(t("guests.active-inactive"));
        }
        GuestFilter filter = active ? GuestFilter.ACTIVE : inactive ? GuestFilter.INACTIVE : GuestFilter.ALL;
        List<String[]> rows = new ArrayList<>();
        for (Guest g : manager.list(filter)) {
            try {
                GuestInfo info = g.info();
                rows.add(new String[] {
                    g.name(),
                    label(info.state()),
                    Integer.toString(info.vcpus()),
                    mebibytes(info.memoryBytes()),
                    seconds(info.cpuTime())
                });
            } finally {
                g.close();
            }
        }
        String format = "%-24s %-14s %6s %12s  %s%n";
        out.printf(
                format,
                t("guests.col.name"),
                t("guests.col.state"),
                t("guests.col.vcpus"),
                t("guests.col.memory"),
                t("guests.col.cpu-time"));
        for (String[] row : rows) {
            out.printf(format, (Object[]) row);
        }
        return 0;
    }

    private static int info(GuestManager manager, Arguments a, PrintStream out) {
        String name = a.positional(t("guests.what-name"));
        a.end();
        Guest g = find(manager, name);
        try {
            GuestInfo info = g.info();
            String format = "%-12s %s%n";
            out.printf(format, "name", g.name());
            out.printf(format, "uuid", g.uuid());
            out.printf(format, "state", label(info.state()) + " (reason " + info.reason() + ")");
            out.printf(format, "vcpus", info.vcpus());
            out.printf(
                    format,
                    "memory",
                    mebibytes(info.memoryBytes()) + " (max " + mebibytes(info.maxMemoryBytes()) + ")");
            out.printf(format, "cpu time", seconds(info.cpuTime()));
            out.printf(format, "autostart", g.autostart() ? t("guests.yes") : t("guests.no"));
            out.printf(format, "console", g.consolePath().orElse("-"));
            out.printf(format, "manager", manager.kind() + " " + manager.uri());
            String snapshots;
            try {
                List<Snapshot> all = g.snapshots();
                snapshots = all.size()
                        + all.stream()
                                .filter(Snapshot::current)
                                .findFirst()
                                .map(s -> " " + t("guests.current-snapshot", s.name()))
                                .orElse("");
            } catch (UnsupportedOperationException e) {
                snapshots = t("guests.not-supported");
            }
            out.printf(format, "snapshots", snapshots);
            return 0;
        } finally {
            g.close();
        }
    }

    private static int start(GuestManager manager, Arguments a, PrintStream out) {
        String name = a.positional(t("guests.what-name"));
        a.end();
        Guest g = find(manager, name);
        try {
            g.start();
            out.println(t("guests.started", g.name()));
            return 0;
        } finally {
            g.close();
        }
    }

    private static int stop(GuestManager manager, Arguments a, PrintStream out) {
        boolean force = a.flag("--force");
        Optional<Long> timeout = a.number("--timeout", 0);
        String name = a.positional(t("guests.what-name"));
        a.end();
        if (force && timeout.isPresent()) {
            throw a.error(t("guests.force-timeout"));
        }
        Guest g = find(manager, name);
        try {
            if (force) {
                g.destroy();
                out.println(t("guests.stopped-forced", g.name()));
            } else {
                long seconds = timeout.orElse(DEFAULT_STOP_TIMEOUT_SECONDS);
                boolean graceful = g.shutdown(Duration.ofSeconds(seconds));
                out.println(
                        graceful
                                ? t("guests.stopped", g.name())
                                : t("guests.stopped-after", g.name(), String.valueOf(seconds)));
            }
            return 0;
        } finally {
            g.close();
        }
    }

    private static int reboot(GuestManager manager, Arguments a, PrintStream out) {
        String name = a.positional(t("guests.what-name"));
        a.end();
        Guest g = find(manager, name);
        try {
            g.reboot();
            out.println(t("guests.rebooting", g.name()));
            return 0;
        } finally {
            g.close();
        }
    }

    private static int delete(GuestManager manager, Arguments a, PrintStream out) {
        List<UndefineOption> options = new ArrayList<>();
        if (a.flag("--storage")) {
            options.add(UndefineOption.STORAGE);
        }
        if (a.flag("--snapshots")) {
            options.add(UndefineOption.SNAPSHOTS);
        }
        if (a.flag("--nvram")) {
            options.add(UndefineOption.NVRAM);
        }
        String name = a.positional(t("guests.what-name"));
        a.end();
        Guest g = find(manager, name);
        try {
            GuestState state = g.state();
            if (state != GuestState.STOPPED && state != GuestState.CRASHED) {
                throw new VmmException(t("guests.stop-first", name, label(state)));
            }
            g.undefine(options.toArray(UndefineOption[]::new));
            out.println(
                    options.isEmpty()
                            ? t("guests.deleted", g.name())
                            : t(
                                    "guests.deleted-with",
                                    g.name(),
                                    String.join(
                                            ", ",
                                            options.stream()
                                                    .map(o -> o.name().toLowerCase(Locale.ROOT))
                                                    .toList())));
            return 0;
        } finally {
            g.close();
        }
    }

    /** The guest called {@code name}, or a failure naming the manager it is missing from. */
    static Guest find(GuestManager manager, String name) {
        return manager.find(name).orElseThrow(() -> new VmmException(t("guests.no-guest", name, manager.uri())));
    }

    static String label(GuestState state) {
        return state.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static String mebibytes(long bytes) {
        return bytes < 0 ? "-" : (bytes >> 20) + " MiB";
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f s", d.toNanos() / 1e9);
    }
}
