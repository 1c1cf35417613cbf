package org.vmm4j.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestState;

/** The guests a contract test defined, so that it leaves none behind on a shared host. */
final class DefinedGuests {
    private final List<String> names = new ArrayList<>();

    /** A fresh guest name, {@code contract-<stem>-<random>}, within {@code GuestSpec.MAX_NAME_LENGTH}. */
    String newName(String stem) {
        String name = "contract-" + stem + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36);
        names.add(name);
        return name;
    }

    /** Destroys and undefines every guest named by {@link #newName} that still exists. */
    void removeAll(GuestManager manager) {
        for (String name : names) {
            Optional<Guest> found = manager.find(name);
            if (found.isEmpty()) {
                continue;
            }
            try (Guest guest = found.get()) {
                if (guest.state() != GuestState.STOPPED) {
                    guest.destroy();
                }
                guest.undefine();
            }
        }
        names.clear();
    }
}
