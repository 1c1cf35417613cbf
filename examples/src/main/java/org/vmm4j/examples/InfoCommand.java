package org.vmm4j.examples;

import java.io.PrintStream;
import java.util.List;
import org.vmm4j.HostCapabilities;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.internal.JsonWriter;

/**
 * {@code vmm4j info [--json] [--uri U]}: what the host offers, as a table or JSON, and which accelerator
 * managed guests that leave the choice to vmm4j ({@link Accelerator#AUTO}) get, and why.
 */
final class InfoCommand implements Cli.Command {

    static final CommandSpec SPEC = new CommandSpec(
            "info",
            "show what this host offers (KVM, libvirt, QEMU, bhyve, vmm) and managed guests' accelerator;"
                    + " --json for JSON",
            "[--json] [--uri U]",
            List.of(
                    Option.flag("--json", "print JSON instead of a table"),
                    Option.value(
                            "--uri", "U", "the guest manager to ask about accelerators (default: the host's own)")),
            "vmm4j info --json");

    /** What a guest manager answered about {@link Accelerator#AUTO}, or why it could not be asked. */
    record ManagedGuests(String manager, String uri, AcceleratorChoice choice, String error) {

        static ManagedGuests ask(String uri) {
            try (GuestManager manager = GuestManager.connect(uri)) {
                try {
                    return new ManagedGuests(
                            manager.kind(), manager.uri(), manager.acceleratorChoice(Accelerator.AUTO), null);
                } catch (RuntimeException e) {
                    return new ManagedGuests(manager.kind(), manager.uri(), null, String.valueOf(e.getMessage()));
                }
            } catch (RuntimeException e) {
                return new ManagedGuests(null, uri, null, String.valueOf(e.getMessage()));
            }
        }

        /** {@code managed guests (libvirt qemu:///system): tcg (qemu): KVM here emulates ...}. */
        String line() {
            String where = manager == null ? "" : " (" + manager + " " + uri + ")";
            return choice == null
                    ? "managed guests" + where + ": unknown accelerator, no guest manager answered: " + error
                    : "managed guests" + where + ": " + choice.label() + " — " + choice.reason();
        }

        void writeTo(JsonWriter json) {
            json.beginObject();
            if (manager != null) {
                json.field("manager", manager);
            }
            if (uri != null) {
                json.field("uri", uri);
            }
            if (choice != null) {
                json.field("accelerator", choice.accelerator().label())
                        .field("type", choice.type())
                        .field("reason", choice.reason());
            } else {
                json.field("error", error);
            }
            json.endObject();
        }
    }

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Arguments a = new Arguments(args, SPEC);
        boolean json = a.flag("--json");
        String uri = a.option("--uri").orElse(null);
        a.end();
        HostCapabilities caps = Hypervisor.probe();
        ManagedGuests managed = ManagedGuests.ask(uri);
        if (json) {
            String host = caps.toJson();
            JsonWriter guests = new JsonWriter();
            managed.writeTo(guests);
            // the host's object, with the managed guests' answer as its last field
            out.println(host.substring(0, host.length() - 1) + ",\"managedGuests\":" + guests + "}");
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
        out.println();
        out.println(managed.line());
        return caps.hypervisors().isEmpty() ? 1 : 0;
    }
}
