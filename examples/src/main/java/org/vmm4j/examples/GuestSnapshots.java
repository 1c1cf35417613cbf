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
        String name = a.positional("the guest's NAME");
        String action = a.positional("a snapshot command (create, list, revert, delete)");
        if (!action.equals("create") && (diskOnly || !description.isEmpty())) {
            throw a.error("--description and --disk-only are for create");
        }
        switch (action) {
            case "create", "revert", "delete" -> {
                String snapshot = a.positional("the snapshot's name (SNAP)");
                a.end();
                Guest g = GuestsCommand.find(manager, name);
                try {
                    switch (action) {
                        case "create" -> {
                            Snapshot s = g.createSnapshot(snapshot, description, diskOnly);
                            out.println("created snapshot " + s.name() + " of " + g.name()
                                    + (s.diskOnly() ? " (disks only)" : ""));
                        }
                        case "revert" -> {
                            g.revertToSnapshot(snapshot);
                            out.println("reverted " + g.name() + " to snapshot " + snapshot);
                        }
                        default -> {
                            g.deleteSnapshot(snapshot);
                            out.println("deleted snapshot " + snapshot + " of " + g.name());
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
            default -> throw a.error("unknown snapshot command '" + action + "'");
        }
        return 0;
    }

    private static void print(List<Snapshot> snapshots, PrintStream out) {
        String format = "%-20s %-20s %-12s %-7s %-9s %s%n";
        out.printf(format, "NAME", "CREATED", "STATE", "CURRENT", "DISK-ONLY", "DESCRIPTION");
        for (Snapshot s : snapshots) {
            out.printf(
                    format,
                    s.name(),
                    s.created() == null ? "-" : s.created().toString(),
                    GuestsCommand.label(s.guestState()),
                    s.current() ? "yes" : "no",
                    s.diskOnly() ? "yes" : "no",
                    s.description() == null || s.description().isEmpty() ? "-" : s.description());
        }
    }
}
