package org.vmm4j.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.contract.ClosedAssertions.assertClosed;
import static org.vmm4j.contract.ClosedAssertions.assertRejected;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestEventListener;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.GuestStats;

/**
 * What every {@link GuestManager} does: find guests by name and UUID (empty when absent), define
 * them stopped, refuse a duplicate name, list them by state, and refuse work once closed. Guests the
 * tests define are named {@code contract-*} and removed afterwards. A backend's test extends this
 * class and implements the hooks.
 */
public abstract class GuestManagerContract {
    private static final String[] MANAGER_NAMES = {"manager", "connection"};

    private GuestManager manager;
    private final DefinedGuests defined = new DefinedGuests();

    /**
     * Connects to the backend's guest manager (for example {@code GuestManager.connect("test:///default")});
     * called once per test and closed by the contract. A backend that cannot run here aborts with an
     * assumption saying why.
     */
    protected abstract GuestManager connect();

    /** The kind the manager reports, e.g. {@code "libvirt"}. */
    protected abstract String expectedKind();

    /**
     * A spec this backend can define and start (no boot needed: the contract starts and destroys the
     * guest at once), named {@code name}.
     */
    protected abstract GuestSpec specFor(String name);

    /**
     * Whether {@link GuestManager#addListener} works; if not, it must throw
     * {@link UnsupportedOperationException}.
     */
    protected boolean supportsListeners() {
        return false;
    }

    /**
     * Whether {@link GuestManager#stats} works; if not, it must throw {@link UnsupportedOperationException}.
     */
    protected boolean supportsBulkStats() {
        return false;
    }

    @BeforeEach
    final void connectToTheManager() {
        manager = connect();
    }

    @AfterEach
    final void removeGuestsAndClose() {
        try {
            defined.removeAll(manager);
        } finally {
            manager.close();
        }
    }

    /** The manager under test (connected before each test, closed after it). */
    protected final GuestManager manager() {
        return manager;
    }

    @Test
    void reportsItsKindAndUri() {
        assertEquals(expectedKind(), manager.kind());
        assertNotNull(manager.uri());
    }

    @Test
    void findingAnUnknownGuestIsEmpty() {
        assertEquals(Optional.empty(), manager.find("contract-no-such-guest"));
        assertEquals(Optional.empty(), manager.find(UUID.randomUUID()));
    }

    @Test
    void definedGuestIsStoppedAndFoundByNameAndUuid() {
        String name = defined.newName("define");
        try (Guest guest = manager.define(specFor(name))) {
            assertEquals(name, guest.name());
            assertEquals(GuestState.STOPPED, guest.state());
            UUID uuid = guest.uuid();
            try (Guest byName = manager.find(name).orElseThrow();
                    Guest byUuid = manager.find(uuid).orElseThrow()) {
                assertEquals(uuid, byName.uuid());
                assertEquals(name, byUuid.name());
            }
        }
    }

    @Test
    void listsGuestsByState() {
        String name = defined.newName("list");
        try (Guest guest = manager.define(specFor(name))) {
            assertTrue(names(GuestFilter.ALL).contains(name));
            assertTrue(names(GuestFilter.INACTIVE).contains(name));
            assertFalse(names(GuestFilter.ACTIVE).contains(name));
            guest.start();
            assertTrue(names(GuestFilter.ACTIVE).contains(name));
            assertFalse(names(GuestFilter.INACTIVE).contains(name));
            guest.destroy();
            assertTrue(names(GuestFilter.INACTIVE).contains(name));
        }
    }

    private List<String> names(GuestFilter filter) {
        List<Guest> guests = manager.list(filter);
        try {
            return guests.stream().map(Guest::name).toList();
        } finally {
            guests.forEach(Guest::close);
        }
    }

    @Test
    void definingADuplicateNameIsRejected() {
        String name = defined.newName("dup");
        try (Guest first = manager.define(specFor(name))) {
            UUID uuid = first.uuid();
            assertRejected(
                    "define with a taken name",
                    name,
                    () -> manager.define(specFor(name)).close());
            try (Guest still = manager.find(name).orElseThrow()) {
                assertEquals(uuid, still.uuid(), "the existing guest is left as it was");
            }
        }
    }

    @Test
    void undefinedGuestIsGone() {
        String name = defined.newName("undef");
        UUID uuid;
        try (Guest guest = manager.define(specFor(name))) {
            uuid = guest.uuid();
            guest.undefine();
        }
        assertEquals(Optional.empty(), manager.find(name));
        assertEquals(Optional.empty(), manager.find(uuid));
    }

    @Test
    void listenersWhereSupported() throws Exception {
        GuestEventListener ignore = event -> {};
        if (!supportsListeners()) {
            assertThrows(UnsupportedOperationException.class, () -> manager.addListener(ignore));
            return;
        }
        AutoCloseable registration = manager.addListener(ignore);
        assertNotNull(registration);
        registration.close();
    }

    @Test
    void bulkStatsWhereSupported() {
        if (!supportsBulkStats()) {
            assertThrows(UnsupportedOperationException.class, () -> manager.stats(GuestFilter.ALL));
            return;
        }
        String name = defined.newName("stats");
        try (Guest guest = manager.define(specFor(name))) {
            guest.start();
            List<GuestStats> stats = manager.stats(GuestFilter.ACTIVE);
            assertTrue(stats.stream().anyMatch(s -> s.name().equals(name)), "stats of the running guest: " + stats);
            guest.destroy();
        }
    }

    @Test
    void closingTwiceIsANoOp() {
        manager.close();
        manager.close();
        assertClosed("find", () -> manager.find("x"), MANAGER_NAMES);
    }

    @Test
    void everyOperationOnAClosedManagerThrowsIllegalState() {
        GuestSpec spec = specFor("contract-never-defined");
        manager.close();
        assertClosed("list", () -> manager.list(GuestFilter.ALL), MANAGER_NAMES);
        assertClosed("find(name)", () -> manager.find("x"), MANAGER_NAMES);
        assertClosed("find(uuid)", () -> manager.find(UUID.randomUUID()), MANAGER_NAMES);
        assertClosed("define", () -> manager.define(spec), MANAGER_NAMES);
        if (supportsListeners()) {
            assertClosed("addListener", () -> manager.addListener(event -> {}), MANAGER_NAMES);
        }
        if (supportsBulkStats()) {
            assertClosed("stats", () -> manager.stats(GuestFilter.ALL), MANAGER_NAMES);
        }
        assertEquals(expectedKind(), manager.kind(), "kind() still answers after close");
    }
}
