package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.VmmException;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.NicSpec;
import org.vmm4j.internal.nat.Os;

/**
 * {@link GuestManager#connect(String)}, the public entry point, reaching vmd through the OpenBSD
 * provider: the backends' OS is set to OpenBSD ({@link Os#BACKENDS_PROPERTY}) and vmd is the stand-in
 * on a UNIX socket, so everything from the ServiceLoader scan to the imsg conversation runs here.
 */
class GuestManagerConnectTest {
    @TempDir
    Path dir;

    private VmdStandIn vmd;
    private Path conf;
    private String before;

    @BeforeEach
    void openBsdWithVmd() throws Exception {
        before = System.getProperty(Os.BACKENDS_PROPERTY);
        System.setProperty(Os.BACKENDS_PROPERTY, "openbsd");
        vmd = new VmdStandIn(dir, "7.8");
        conf = dir.resolve("vm.conf");
        vmd.confFile = conf;
    }

    @AfterEach
    void restore() throws Exception {
        if (before == null) {
            System.clearProperty(Os.BACKENDS_PROPERTY);
        } else {
            System.setProperty(Os.BACKENDS_PROPERTY, before);
        }
        vmd.close();
    }

    private String uri() {
        return "vmd://" + vmd.socket + "?config=" + conf + "&release=7.8";
    }

    @Test
    void connectDefinesStartsAndFindsTheGuestsAddressThroughVmd() {
        try (GuestManager manager = GuestManager.connect(uri())) {
            assertEquals(VmdGuestManager.KIND, manager.kind());
            assertEquals("vmd://" + vmd.socket + "?config=" + conf, manager.uri());
            try (Guest g = manager.define(GuestSpec.builder("web1")
                    .memoryMiB(512)
                    .nic(new NicSpec(NicSpec.Type.USER, null, "virtio", null))
                    .build())) {
                g.start();
                assertEquals(GuestState.RUNNING, g.state());
                int id = vmd.vms.get("web1").id;
                List<GuestAddress> found = g.addresses(GuestAddress.Source.DHCP_LEASE);
                assertEquals("100.64." + id + ".3", found.get(0).address());
                assertEquals(
                        List.of("web1"),
                        manager.list(GuestFilter.ACTIVE).stream()
                                .map(Guest::name)
                                .toList());
            }
        }
    }

    @Test
    void aLibvirtUriIsRefusedNamingVmdsForm() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> GuestManager.connect("qemu:///system"));
        assertTrue(e.getMessage().contains("vmd:///var/run/vmd.sock"), e.getMessage());
    }

    @Test
    void connectFailsAtOnceWhenNoVmdAnswers() throws Exception {
        vmd.close();
        VmmException e = assertThrows(VmmException.class, () -> GuestManager.connect(uri()));
        assertTrue(e.getMessage().contains("rcctl start vmd"), e.getMessage());
    }

    @Test
    void withoutAReleaseInTheUriTheHostsReleasePicksTheProtocol() throws Exception {
        vmd.close();
        vmd = new VmdStandIn(dir, "7.4");
        vmd.define("old", 1L << 30);
        RecordedCommands host = new RecordedCommands();
        try (VmdGuestManager manager =
                VmdGuestManager.connect("vmd://" + vmd.socket + "?config=" + conf, () -> "7.4", host)) {
            assertEquals(
                    List.of("old"),
                    manager.list(GuestFilter.ALL).stream().map(Guest::name).toList());
        }
        assertEquals(vmd.wire.getInfoVmRequest, vmd.received.get(0).type());
    }

    @Test
    void offOpenBsdNoProviderConnectsGuests() {
        System.clearProperty(Os.BACKENDS_PROPERTY);
        assumeTrue(Os.current() != Os.OPENBSD, "this host is OpenBSD");
        assertThrows(HypervisorUnavailableException.class, () -> GuestManager.connect(uri()));
    }
}
