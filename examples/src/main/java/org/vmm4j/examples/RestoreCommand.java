package org.vmm4j.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;

/**
 * {@code vmm4j restore DIR [--until TEXT] [--timeout SECONDS]}: continues a guest saved by {@code vmm4j boot
 * --snapshot-on TEXT --snapshot-dir DIR} in this process, its console on the terminal, where it stopped.
 */
final class RestoreCommand implements Cli.Command {

    static final CommandSpec SPEC = new CommandSpec(
            "restore",
            "continue a guest saved by boot --snapshot-dir: DIR [--until TEXT] [--timeout SECONDS]",
            "DIR [options]",
            List.of(
                    Option.value("--timeout", "SECONDS", "stop the guest after this many seconds (exit status 3)"),
                    Option.value("--until", "TEXT", "stop once the console has printed TEXT")),
            "vmm4j restore /tmp/booted --until 'login:'");

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Arguments a = new Arguments(args, SPEC);
        Duration timeout = a.number("--timeout", 1).map(Duration::ofSeconds).orElse(null);
        String until = a.option("--until").orElse(null);
        Path dir = Path.of(a.positional(CliText.t("restore.what-dir")));
        a.end();
        ConsoleWatch console = new ConsoleWatch(out, until);
        try (Machine machine =
                Machine.restoring(dir).console(console).consoleInput(System.in).build()) {
            console.onMatch(machine::stop);
            Optional<MachineExit> exit;
            try (RawTerminal terminal = RawTerminal.enter()) {
                if (terminal.isRaw()) {
                    err.print(CliText.t("boot.console-attached") + "\r\n");
                }
                machine.start();
                exit = machine.awaitExit(timeout != null ? timeout : Duration.ofDays(365));
                out.flush();
            }
            machine.restoreToRunning()
                    .ifPresent(d -> err.println(System.lineSeparator()
                            + CliText.t("restore.restored", String.valueOf(d.toNanos() / 1000))));
            if (exit.isEmpty()) {
                err.println(CliText.t("boot.no-exit", String.valueOf(timeout.toSeconds())));
                machine.stop();
                return 3;
            }
            if (console.matched()) {
                err.println(CliText.t(
                        "boot.saw-until", until, String.valueOf(machine.uptime().toMillis())));
                return 0;
            }
            MachineExit e = exit.get();
            err.println(CliText.t(
                    "boot.machine-ended",
                    CliText.t("boot.reason." + e.reason().name().toLowerCase(Locale.ROOT)),
                    String.valueOf(e.detail()),
                    String.valueOf(machine.uptime().toMillis())));
            return e.reason() == MachineExit.Reason.ERROR ? 1 : 0;
        }
    }
}
