package org.vmm4j.examples;

import java.io.PrintStream;
import java.util.List;
import org.vmm4j.HostCapabilities;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.examples.CommandSpec.Option;

/** {@code vmm4j info [--json]}: what the host offers, as a table or JSON. */
final class InfoCommand implements Cli.Command {

    static final CommandSpec SPEC = new CommandSpec(
            "info",
            "show what this host offers (KVM, libvirt, QEMU, bhyve, vmm); --json for JSON",
            "[--json]",
            List.of(Option.flag("--json", "print JSON instead of a table")),
            "vmm4j info --json");

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Arguments a = new Arguments(args, SPEC);
        boolean json = a.flag("--json");
        a.end();
        HostCapabilities caps = Hypervisor.probe();
        if (json) {
            out.println(caps.toJson());
            return 0;
        }
        out.printf(
                "host: %s %s (%s), native access: %s%n%n",
                caps.os(), caps.osVersion(), caps.arch(), caps.nativeAccess());
        String format = "%-12s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %-8s %s%n";
        out.printf(format, "KIND", "AVAIL", "ACCESS", "ENABLED", "RUNNING", "INIT", "CPU", "NESTED", "UEFI", "VERSION");
        for (HypervisorInfo h : caps.hypervisors()) {
            out.printf(
                    format,
                    h.kind(),
                    h.available().label(),
                    h.accessible().label(),
                    h.enabled().label(),
                    h.running().label(),
                    h.initialized().label(),
                    h.cpuSupported().label(),
                    h.nested().label(),
                    h.uefiFirmware().label(),
                    h.version() == null ? "-" : h.version());
        }
        for (HypervisorInfo h : caps.hypervisors()) {
            if (!h.details().isEmpty()) {
                out.println();
                out.println(h.kind() + ":");
                h.details().forEach((k, v) -> out.printf("  %-16s %s%n", k, v));
            }
        }
        return caps.hypervisors().isEmpty() ? 1 : 0;
    }
}
