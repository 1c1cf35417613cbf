package org.vmm4j.examples;

import static org.vmm4j.examples.CliText.t;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.vmm4j.HostCapabilities;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.internal.JsonWriter;
import org.vmm4j.text.Localized;
import org.vmm4j.text.Message;

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
    record ManagedGuests(String manager, String uri, AcceleratorChoice choice, Message error) {

        static ManagedGuests ask(String uri) {
            try (GuestManager manager = GuestManager.connect(uri)) {
                try {
                    return new ManagedGuests(
                            manager.kind(), manager.uri(), manager.acceleratorChoice(Accelerator.AUTO), null);
                } catch (RuntimeException e) {
                    return new ManagedGuests(manager.kind(), manager.uri(), null, reason(e));
                }
            } catch (RuntimeException e) {
                return new ManagedGuests(null, uri, null, reason(e));
            }
        }

        /** Why a manager could not be asked: its message in the reader's locale where it has one. */
        private static Message reason(RuntimeException e) {
            return e instanceof Localized l ? l.text() : Message.literal(String.valueOf(e.getMessage()));
        }

        /** {@code managed guests (libvirt qemu:///system): tcg (qemu): KVM here emulates ...}. */
        String line() {
            return line(Locale.ROOT);
        }

        /** {@link #line()} in {@code locale}. */
        String line(Locale locale) {
            String who = manager == null ? t(locale, "info.managed") : t(locale, "info.managed-by", manager, uri);
            return choice == null
                    ? t(locale, "info.managed-unknown", who, error.render(locale))
                    : t(locale, "info.managed-choice", who, choice.label(), choice.reason(locale));
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
                json.field("error", error.english());
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
        Locale locale = CliText.locale();
        out.println(t("info.host", caps.os(), caps.osVersion(), caps.arch(), caps.nativeAccess()));
        out.println();
        TextTable table = new TextTable();
        table.row(
                t("info.col.kind"),
                t("info.col.available"),
                t("info.col.access"),
                t("info.col.enabled"),
                t("info.col.running"),
                t("info.col.init"),
                t("info.col.cpu"),
                t("info.col.nested"),
                t("info.col.uefi"),
                t("info.col.version"));
        for (HypervisorInfo h : caps.hypervisors()) {
            table.row(
                    h.kind(),
                    h.available().text().render(locale),
                    h.accessible().text().render(locale),
                    h.enabled().text().render(locale),
                    h.running().text().render(locale),
                    h.initialized().text().render(locale),
                    h.cpuSupported().text().render(locale),
                    h.nested().text().render(locale),
                    h.uefiFirmware().text().render(locale),
                    h.version() == null ? "-" : h.version());
        }
        table.print(out, 12, 8);
        for (HypervisorInfo h : caps.hypervisors()) {
            if (!h.details().isEmpty()) {
                out.println();
                out.println(h.kind() + ":");
                h.details().forEach((k, v) -> out.printf("  %-16s %s%n", k, v));
            }
        }
        out.println();
        out.println(managed.line(locale));
        return caps.hypervisors().isEmpty() ? 1 : 0;
    }
}
