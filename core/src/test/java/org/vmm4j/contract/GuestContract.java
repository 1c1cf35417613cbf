package org.vmm4j.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.contract.ClosedAssertions.assertClosed;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;

/**
 * What every {@link Guest} handle does: describe the guest it was defined from, move between stopped
 * and running, refuse to undefine a running guest, and refuse work once the handle is closed while the
 * guest itself stays. Each test defines one guest ({@code contract-*}) and removes it afterwards. A
 * backend's test extends this class and implements the hooks.
 */
public abstract class GuestContract {
    private static final String[] GUEST_NAMES = {"guest", "domain"};

    private GuestManager manager;
    private final DefinedGuests defined = new DefinedGuests();
    private GuestSpec spec;
    private Guest guest;

    /**
     * Connects to the backend's guest manager; called once per test and closed by the contract. A
     * backend that cannot run here aborts with an assumption saying why.
     */
    protected abstract GuestManager connect();

    /**
     * A spec this backend can define and start (no boot needed: the contract starts and destroys the
     * guest at once), named {@code name}.
     */
    protected abstract GuestSpec specFor(String name);

    /**
     * Whether the snapshot methods work; if not, each must throw {@link UnsupportedOperationException}.
     */
    protected boolean supportsSnapshots() {
        return false;
    }

    /**
     * Whether {@link Guest#openConsole(boolean)} streams a console; if not, it must throw
     * {@link UnsupportedOperationException}. The contract's guests are not booted, so it checks only the
     * refusals; each backend's own tests read a real console.
     */
    protected boolean supportsConsole() {
        return false;
    }

    @BeforeEach
    final void defineTheGuest() {
        manager = connect();
        spec = specFor(defined.newName("guest"));
        guest = manager.define(spec);
    }

    @AfterEach
    final void removeTheGuest() {
        try {
            guest.close();
            defined.removeAll(manager);
        } finally {
            manager.close();
        }
    }

    @Test
    void describesTheSpecItWasDefinedFrom() {
        assertEquals(spec.name(), guest.name());
        GuestSpec read = guest.spec();
        assertEquals(spec.name(), read.name());
        assertEquals(spec.memoryBytes(), read.memoryBytes());
        assertEquals(spec.vcpus(), read.vcpus());
        assertEquals(GuestState.STOPPED, guest.info().state());
    }

    @Test
    void startsAndIsDestroyed() {
        assertEquals(GuestState.STOPPED, guest.state());
        guest.start();
        assertEquals(GuestState.RUNNING, guest.state());
        guest.destroy();
        assertEquals(GuestState.STOPPED, guest.state());
    }

    @Test
    void undefiningARunningGuestIsRefused() {
        guest.start();
        assertThrows(IllegalStateException.class, guest::undefine);
        try (Guest still = manager.find(spec.name()).orElseThrow()) {
            assertEquals(GuestState.RUNNING, still.state(), "the refused undefine leaves the guest running");
        }
        guest.destroy();
        guest.undefine();
        assertTrue(manager.find(spec.name()).isEmpty());
    }

    @Test
    void snapshotsWhereSupported() {
        if (!supportsSnapshots()) {
            assertThrows(UnsupportedOperationException.class, () -> guest.createSnapshot("s1", "contract", false));
            assertThrows(UnsupportedOperationException.class, guest::snapshots);
            assertThrows(UnsupportedOperationException.class, guest::currentSnapshot);
            assertThrows(UnsupportedOperationException.class, () -> guest.revertToSnapshot("s1"));
            assertThrows(UnsupportedOperationException.class, () -> guest.deleteSnapshot("s1"));
            return;
        }
        guest.createSnapshot("s1", "contract", false);
        assertEquals(1, guest.snapshots().size());
        assertEquals("s1", guest.currentSnapshot().orElseThrow().name());
        guest.deleteSnapshot("s1");
        assertTrue(guest.snapshots().isEmpty());
    }

    @Test
    void consoleOfAStoppedGuestIsRefusedWhereSupported() {
        if (!supportsConsole()) {
            assertThrows(UnsupportedOperationException.class, () -> guest.openConsole(false));
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> guest.openConsole(true));
        assertTrue(e.getMessage().contains(spec.name()), e.getMessage());
        guest.close();
        assertClosed("openConsole", () -> guest.openConsole(false), GUEST_NAMES);
    }

    @Test
    void closingTheHandleLeavesTheGuest() {
        UUID uuid = guest.uuid();
        guest.start();
        guest.close();
        try (Guest again = manager.find(uuid).orElseThrow()) {
            assertEquals(GuestState.RUNNING, again.state());
        }
    }

    @Test
    void closingTwiceIsANoOp() {
        guest.close();
        guest.close();
        assertClosed("state", guest::state, GUEST_NAMES);
    }

    @Test
    void everyCallOnAClosedHandleThrowsIllegalState() {
        guest.close();
        assertClosed("name", guest::name, GUEST_NAMES);
        assertClosed("uuid", guest::uuid, GUEST_NAMES);
        assertClosed("state", guest::state, GUEST_NAMES);
        assertClosed("info", guest::info, GUEST_NAMES);
        assertClosed("spec", guest::spec, GUEST_NAMES);
        assertClosed("start", guest::start, GUEST_NAMES);
        assertClosed("shutdown", () -> guest.shutdown(Duration.ofMillis(1)), GUEST_NAMES);
        assertClosed("destroy", guest::destroy, GUEST_NAMES);
        assertClosed("reboot", guest::reboot, GUEST_NAMES);
        assertClosed("suspend", guest::suspend, GUEST_NAMES);
        assertClosed("resume", guest::resume, GUEST_NAMES);
        assertClosed("undefine", guest::undefine, GUEST_NAMES);
        assertClosed("rename", () -> guest.rename(spec.name() + "x"), GUEST_NAMES);
        assertClosed("setMemory", () -> guest.setMemory(spec.memoryBytes()), GUEST_NAMES);
        assertClosed("setVcpus", () -> guest.setVcpus(1), GUEST_NAMES);
        assertClosed("autostart", guest::autostart, GUEST_NAMES);
        assertClosed("setAutostart", () -> guest.setAutostart(false), GUEST_NAMES);
        assertClosed("addresses", () -> guest.addresses(GuestAddress.Source.DHCP_LEASE), GUEST_NAMES);
        assertClosed("consolePath", guest::consolePath, GUEST_NAMES);
        if (supportsSnapshots()) {
            assertClosed("createSnapshot", () -> guest.createSnapshot("s1", "contract", false), GUEST_NAMES);
            assertClosed("snapshots", guest::snapshots, GUEST_NAMES);
            assertClosed("currentSnapshot", guest::currentSnapshot, GUEST_NAMES);
            assertClosed("revertToSnapshot", () -> guest.revertToSnapshot("s1"), GUEST_NAMES);
            assertClosed("deleteSnapshot", () -> guest.deleteSnapshot("s1"), GUEST_NAMES);
        }
    }
}
