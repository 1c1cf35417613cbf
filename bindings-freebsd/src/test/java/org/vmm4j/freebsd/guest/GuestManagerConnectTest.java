package org.vmm4j.freebsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.freebsd.BhyveHypervisor;
import org.vmm4j.freebsd.internal.BhyveHost;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.host.RecordedHostFacts;
import org.vmm4j.internal.nat.Os;

/**
 * {@link GuestManager#connect(String)}, the public entry point, reaches the bhyve guest manager on a
 * FreeBSD host: here the stand-in host, installed as the provider's host.
 */
class GuestManagerConnectTest {
    @TempDir
    Path tmp;

    private StandInHost host;
    private BhyveHost.Installation installed;

    @BeforeEach
    void setUp() throws IOException {
        host = new StandInHost(tmp);
        Files.createDirectories(host.layout.stateDir());
    }

    @AfterEach
    void tearDown() {
        if (installed != null) {
            installed.close();
        }
    }

    private void installStandIn() {
        installed = BhyveHost.install(new BhyveHost(true, new RecordedHostFacts(), () -> host, host, host::layout));
    }

    @Test
    void connectOnFreeBsdGivesTheBhyveManagerThatRunsGuests() throws IOException {
        installStandIn();
        host.statuses("1");
        String uri = "bhyve://" + host.layout.stateDir();
        try (GuestManager manager = GuestManager.connect(uri)) {
            BhyveGuestManager bhyve = assertInstanceOf(BhyveGuestManager.class, manager);
            assertEquals(BhyveHypervisor.KIND, manager.kind());
            assertEquals(uri, manager.uri());
            try (Guest g = manager.define(
                    GuestSpec.builder("pub1").boot(BootSpec.bios()).build())) {
                g.start();
                assertTrue(bhyve.awaitStopped("pub1", Duration.ofSeconds(10)));
                assertEquals(GuestState.STOPPED, g.state());
            }
            assertEquals(
                    List.of("-k " + host.layout.configFile("pub1")),
                    host.invocations(),
                    "the guest ran under the stand-in bhyve of the installed host");
        }
        try (GuestManager again = GuestManager.connect(uri)) {
            assertEquals(
                    List.of("pub1"),
                    again.list(GuestFilter.ALL).stream().map(Guest::name).toList());
        }
    }

    @Test
    void defaultUriIsTheSystemLayout() {
        installStandIn();
        try (GuestManager manager = GuestManager.connect()) {
            assertEquals(BhyveGuestManager.DEFAULT_URI, manager.uri());
        }
        try (GuestManager manager = GuestManager.connect(BhyveGuestManager.DEFAULT_URI)) {
            assertEquals(BhyveGuestManager.DEFAULT_URI, manager.uri());
        }
        assertEquals(BhyveHostLayout.DEFAULT_STATE_DIR, BhyveGuestManager.stateDirectory(null));
    }

    @Test
    void otherUrisAreRejectedWithTheFormsThatWork() {
        installStandIn();
        String state = host.layout.stateDir().toString();
        for (String bad : List.of(
                "qemu:///system",
                "vmd:///",
                "bhyve://host/var/db",
                "bhyve:" + state,
                "bhyve://" + state + "/",
                "bhyve://" + state + "/../state",
                "bhyve://" + state + "?x=1",
                "bhyve://" + tmp.resolve("missing"))) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> GuestManager.connect(bad), bad);
            assertTrue(e.getMessage().contains(BhyveGuestManager.DEFAULT_URI), e.getMessage());
        }
    }

    @Test
    void offFreeBsdThereIsNoGuestManager() {
        assumeFalse(Os.current() == Os.FREEBSD, "this host is FreeBSD");
        assertThrows(HypervisorUnavailableException.class, () -> GuestManager.connect(null));
        assertThrows(HypervisorUnavailableException.class, () -> BhyveGuestManager.connect(null));
    }
}
