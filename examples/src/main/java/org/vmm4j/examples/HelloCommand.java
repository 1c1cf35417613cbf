package org.vmm4j.examples;

import java.io.PrintStream;
import java.util.List;
import org.vmm4j.Hypervisor;

/** {@code vmm4j hello}: runs the LWN guest and prints what it said and every exit. */
final class HelloCommand implements Cli.Command {

    static final CommandSpec SPEC = new CommandSpec(
            "hello", "run a tiny real-mode guest (2 + 3) and show its output and exits", "", List.of(), "vmm4j hello");

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        new Arguments(args, SPEC).end();
        try (Hypervisor hv = Hypervisor.open()) {
            out.println(CliText.t("hello.hypervisor", hv.kind()));
            HelloGuest.Result result = HelloGuest.run(hv, 2, 3);
            out.print(HelloGuest.describe(result));
            return result.printed().equals("5\n") ? 0 : 1;
        }
    }
}
