package org.vmm4j.examples;

import java.io.PrintStream;
import java.util.List;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.Snapshot;

/** {@code vmm4j guests snapshot NAME create SNAP [--description D] [--disk-only] | list | revert SNAP | delete SNAP}. */
final class GuestSnapshots {
    static final String USAGE = "vmm4j guests snapshot NAME create SNAP [--description D] [--disk-only]"
            + " | snapshot NAME list | snapshot NAME revert SNAP | snapshot NAME delete SNAP";

    private final GuestManager manager;

    GuestSnapshots(GuestManager manager) {
        this.manager = manager;
    }

    int run(Arguments all, PrintStream out) {
        Arguments a = all.withUsage(USAGE);
        String description = a.option("--description").orElse("");
        boolean diskOnly = a.flag("--disk-only");
        String name = a.positional(CliText.t("guests.what-name"));
        String action = a.positional(CliText.t("snapshots.what-action"));
        if (!action.equals("create") && (diskOnly || !description.isEmpty())) {
            throw a.error(CliText.t("snapshots.create-only"));
        }
        switch (action) {
            case "create", "revert", "delete" -> {
                String snapshot = a.positional(CliText.t("snapshots.what-snap"));
                a.end();
                Guest g = GuestsCommand.find(manager, name);
                try {
                    switch (action) {
                        case "create" -> {
                            Snapshot s = g.createSnapshot(snapshot, description, diskOnly);
                            out.println(CliText.t(
                                    s.diskOnly() ? "snapshots.created-disks" : "snapshots.created",
                                    s.name(),
                                    g.name()));
                        }
                        case "revert" -> {
                            g.revertToSnapshot(snapshot);
                            out.println(CliText.t("snapshots.reverted", g.name(), snapshot));
                        }
                        default -> {
                            g.deleteSnapshot(snapshot);
                            out.println(CliText.t("snapshots.deleted", snapshot, g.name()));
                        }
                    }
                } finally {
                    g.close();
                }
            }
            case "list" -> {
                a.end();
                Guest g = GuestsCommand.find(manager, name);
                try {
                    print(g.snapshots(), out);
                } finally {
                    g.close();
                }
            }
            default -> throw a.error(CliText.t("snapshots.unknown-action", action));
        }
        return 0;
    }

    private static void print(List<Snapshot> snapshots, PrintStream out) {
        String format = "%-20s %-20s %-12s %-7s %-9s %s%n";
        out.printf(
                format,
                CliText.t("snapshots.col.name"),
                CliText.t("snapshots.col.created"),
                CliText.t("snapshots.col.state"),
                CliText.t("snapshots.col.current"),
                CliText.t("snapshots.col.disk-only"),
                CliText.t("snapshots.col.description"));
        for (Snapshot s : snapshots) {
            out.printf(
                    format,
                    s.name(),
                    s.created() == null ? "-" : s.created().toString(),
                    GuestsCommand.label(s.guestState()),
                    s.current() ? CliText.t("guests.yes") : CliText.t("guests.no"),
                    s.diskOnly() ? CliText.t("guests.yes") : CliText.t("guests.no"),
                    s.description() == null || s.description().isEmpty() ? "-" : s.description());
        }
    }
}
