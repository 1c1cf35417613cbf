package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestEvent;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.GuestStats;
import org.vmm4j.guest.NetworkSpec;
import org.vmm4j.guest.Snapshot;
import org.vmm4j.guest.UndefineOption;
import org.vmm4j.guest.VolumeSpec;
import org.vmm4j.linux.internal.LibvirtEventLoop;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The guest, network, storage, snapshot, event and statistics API against the test driver loaded
 * from a node file this test writes: three guests (two running, one shut off), two networks, a
 * directory pool.
 */
@RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
class LibvirtTestNodeTest {
    @SuppressWarnings("InlineFormatString") // the test's world, described at the top
    private static final String NODE = """
            <node>
              <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads>
                <active>4</active><mhz>2000</mhz><model>x86_64</model></cpu>
              <memory>16777216</memory>
              %s
              %s
              %s
              <network><name>lan</name><bridge name='virbr10'/><forward mode='nat'/>
                <ip address='192.168.210.1' netmask='255.255.255.0'>
                  <dhcp><range start='192.168.210.2' end='192.168.210.254'/></dhcp></ip></network>
              <network><name>hostonly</name><bridge name='virbr11'/>
                <ip address='10.20.0.1' prefix='24'/></network>
              <pool type='dir'><name>images</name><capacity>100000000000</capacity>
                <allocation>0</allocation><available>100000000000</available>
                <target><path>/var/lib/vmm4j-test/images</path></target></pool>
            </node>
            """;

    private static String domain(String name, int vcpus, boolean running) {
        return ("<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
                        + "<name>%s</name><memory unit='MiB'>%d</memory><vcpu>%d</vcpu><os><type>hvm</type></os>"
                        + "<devices><interface type='network'><mac address='52:54:00:00:00:%02x'/><source network='lan'/></interface>"
                        + "<disk type='file' device='disk'><source file='/images/%s.img'/><target dev='vda' bus='virtio'/></disk>"
                        + "</devices>%s</domain>")
                .formatted(name, 256 * vcpus, vcpus, vcpus, name, running ? "" : "<test:runstate>5</test:runstate>");
    }

    private LibvirtGuestManager libvirt;

    @BeforeEach
    void connect(@TempDir Path dir) throws Exception {
        Path node = dir.resolve("node.xml");
        Files.writeString(
                node, NODE.formatted(domain("alpha", 1, true), domain("beta", 2, true), domain("gamma", 3, false)));
        libvirt = LibvirtGuestManager.connect("test://" + node.toAbsolutePath());
    }

    @AfterEach
    void close() {
        libvirt.close();
    }

    private static Set<String> names(
            List<? extends AutoCloseable> objects, java.util.function.Function<Object, String> name) throws Exception {
        Set<String> result = new TreeSet<>();
        for (AutoCloseable o : objects) {
            result.add(name.apply(o));
            o.close();
        }
        return result;
    }

    @Test
    void listsTheGuestsNetworksAndPoolsOfTheNodeFile() throws Exception {
        assertEquals(
                Set.of("alpha", "beta", "gamma"),
                names(libvirt.guests(GuestFilter.ALL), o -> ((LibvirtGuest) o).name()));
        assertEquals(
                Set.of("alpha", "beta"), names(libvirt.guests(GuestFilter.ACTIVE), o -> ((LibvirtGuest) o).name()));
        assertEquals(Set.of("gamma"), names(libvirt.guests(GuestFilter.INACTIVE), o -> ((LibvirtGuest) o).name()));
        assertEquals(Set.of("lan", "hostonly"), names(libvirt.networks(), o -> ((LibvirtNetwork) o).name()));
        assertEquals(Set.of("images"), names(libvirt.pools(), o -> ((LibvirtStoragePool) o).name()));
    }

    @Test
    void readsNetworkSpecsBack() {
        try (LibvirtNetwork lan = libvirt.findNetwork("lan").orElseThrow()) {
            NetworkSpec spec = lan.spec();
            assertEquals(NetworkSpec.Mode.NAT, spec.mode());
            assertEquals("192.168.210.1", spec.address());
            assertEquals(24, spec.prefix());
            assertEquals("192.168.210.254", spec.dhcpEnd());
        }
        assertTrue(libvirt.findNetwork("nonexistent").isEmpty());
    }

    @Test
    void definesStartsAndRemovesNetworksOfEveryMode() {
        for (NetworkSpec spec : List.of(
                NetworkSpec.nat("nat9", "192.168.99.1"),
                NetworkSpec.isolated("iso9", "10.99.0.1"),
                new NetworkSpec("route9", NetworkSpec.Mode.ROUTED, "virbr99", "172.29.0.1", 24, null, null))) {
            try (LibvirtNetwork network = libvirt.defineNetwork(spec)) {
                assertFalse(network.isActive());
                network.start();
                assertTrue(network.isActive(), spec.name());
                network.setAutostart(true);
                assertTrue(network.autostart());
                assertEquals(spec.mode(), network.spec().mode());
                network.stop();
                assertFalse(network.isActive());
                network.undefine();
            }
            assertTrue(libvirt.findNetwork(spec.name()).isEmpty(), spec.name());
        }
    }

    @Test
    void createsRawAndQcow2VolumesWithBackingAndDeletesThem() throws Exception {
        try (LibvirtStoragePool pool = libvirt.findPool("images").orElseThrow()) {
            assertTrue(pool.isActive());
            try (LibvirtStorageVolume base = pool.createVolume(VolumeSpec.raw("base.img", 1L << 30));
                    LibvirtStorageVolume disk = pool.createVolume(VolumeSpec.qcow2("disk.qcow2", 2L << 30))) {
                assertEquals(1L << 30, base.capacity());
                assertEquals("/var/lib/vmm4j-test/images/base.img", base.path());
                assertEquals(2L << 30, disk.capacity());
                assertEquals(
                        Set.of("base.img", "disk.qcow2"),
                        names(pool.volumes(), o -> ((LibvirtStorageVolume) o).name()));
                disk.delete();
                assertTrue(pool.findVolume("disk.qcow2").isEmpty());
            }
            assertTrue(pool.findVolume("base.img").isPresent());
        }
    }

    @Test
    void definesStartsAndUndefinesADirectoryPool(@TempDir Path dir) {
        try (LibvirtStoragePool pool =
                libvirt.defineDirectoryPool("scratch", dir.resolve("scratch").toString())) {
            pool.start();
            assertTrue(pool.isActive());
            try (LibvirtStorageVolume v = pool.createVolume(VolumeSpec.qcow2("v.qcow2", 1L << 20))) {
                assertEquals("v.qcow2", v.name());
            }
            pool.stop();
            pool.undefine();
        }
        assertTrue(libvirt.findPool("scratch").isEmpty());
    }

    @Test
    @SuppressWarnings("try") // the volume is the guest's disk: it must exist while the guest is defined
    void undefineWithStorageDeletesTheGuestsVolumes() {
        try (LibvirtStoragePool pool = libvirt.findPool("images").orElseThrow();
                LibvirtStorageVolume volume = pool.createVolume(VolumeSpec.qcow2("owned.qcow2", 1L << 30))) {
            GuestSpec spec = GuestSpec.builder("owner")
                    .memoryMiB(128)
                    .disk(new DiskSpec(
                            "images/owned.qcow2",
                            DiskSpec.SourceType.VOLUME,
                            DiskSpec.Format.QCOW2,
                            DiskSpec.Bus.VIRTIO,
                            false,
                            false))
                    .build();
            try (LibvirtGuest guest = libvirt.define(spec)) {
                assertEquals(spec, guest.spec());
                guest.undefine(UndefineOption.STORAGE);
            }
            assertTrue(pool.findVolume("owned.qcow2").isEmpty());
            assertTrue(libvirt.find("owner").isEmpty());
        }
    }

    @Test
    void takesListsRevertsAndDeletesSnapshots() {
        try (LibvirtGuest guest = libvirt.findGuest("alpha").orElseThrow()) {
            assertTrue(guest.currentSnapshot().isEmpty());
            Snapshot first = guest.createSnapshot("before-upgrade", "state <before> & after", false);
            assertEquals("before-upgrade", first.name());
            assertEquals("state <before> & after", first.description());
            assertEquals(GuestState.RUNNING, first.guestState());
            assertTrue(first.created().getEpochSecond() > 0);
            guest.createSnapshot("after-upgrade", null, false);
            assertEquals(
                    Set.of("before-upgrade", "after-upgrade"),
                    new TreeSet<>(guest.snapshots().stream().map(Snapshot::name).toList()));
            assertEquals("after-upgrade", guest.currentSnapshot().orElseThrow().name());
            guest.revertToSnapshot("before-upgrade");
            assertEquals("before-upgrade", guest.currentSnapshot().orElseThrow().name());
            guest.deleteSnapshot("after-upgrade");
            assertEquals(
                    List.of("before-upgrade"),
                    guest.snapshots().stream().map(Snapshot::name).toList());
        }
    }

    @Test
    @SuppressWarnings("try") // the listener stays registered for the body's duration
    void deliversLifecycleAndRebootEventsToListeners() throws Exception {
        BlockingQueue<GuestEvent> events = new LinkedBlockingQueue<>();
        try (AutoCloseable registration = libvirt.addListener(events::add)) {
            assertTrue(LibvirtEventLoop.isRunning());
            try (LibvirtGuest guest =
                    libvirt.define(GuestSpec.builder("evt1").memoryMiB(128).build())) {
                guest.start();
                guest.suspend();
                guest.resume();
                guest.reboot();
                guest.destroy();
                guest.undefine();
            }
            List<GuestEvent.Type> expected = List.of(
                    GuestEvent.Type.DEFINED,
                    GuestEvent.Type.STARTED,
                    GuestEvent.Type.SUSPENDED,
                    GuestEvent.Type.RESUMED,
                    // the test driver raises no VIR_DOMAIN_EVENT_ID_REBOOT event, so REBOOTED is not expected here
                    GuestEvent.Type.STOPPED,
                    GuestEvent.Type.UNDEFINED);
            List<GuestEvent.Type> seen = new ArrayList<>();
            while (seen.size() < expected.size()) {
                GuestEvent e = events.poll(5, TimeUnit.SECONDS);
                assertNotNull(e, "events so far: " + seen);
                assertEquals("evt1", e.guest());
                seen.add(e.type());
            }
            assertEquals(expected, seen);
        }
    }

    @Test
    void eventLoopStopsWhenTheLastListeningConnectionCloses() {
        libvirt.addListener(e -> {});
        assertTrue(LibvirtEventLoop.isRunning());
        libvirt.close();
        assertFalse(LibvirtEventLoop.isRunning());
    }

    @Test
    void bulkStatsCoverEveryGuestInOneCall() {
        List<GuestStats> stats = libvirt.stats(GuestFilter.ALL);
        assertEquals(
                Set.of("alpha", "beta", "gamma"),
                new TreeSet<>(stats.stream().map(GuestStats::name).toList()));
        GuestStats beta =
                stats.stream().filter(s -> s.name().equals("beta")).findFirst().orElseThrow();
        assertEquals(GuestState.RUNNING, beta.state());
        GuestStats gamma =
                stats.stream().filter(s -> s.name().equals("gamma")).findFirst().orElseThrow();
        assertEquals(GuestState.STOPPED, gamma.state());
        assertEquals(2, libvirt.stats(GuestFilter.ACTIVE).size());
        assertFalse(beta.raw().isEmpty());
    }

    @Test
    void reportsLeaseAddressesOfRunningGuest() {
        try (LibvirtGuest guest = libvirt.findGuest("beta").orElseThrow()) {
            List<GuestAddress> addresses = guest.addresses(GuestAddress.Source.DHCP_LEASE);
            assertFalse(addresses.isEmpty());
            assertEquals("52:54:00:00:00:02", addresses.get(0).mac());
            assertTrue(addresses.get(0).address().matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), addresses.toString());
        }
    }

    @Test
    void shutdownOfGuestInNodeFileAndStartAgain() {
        try (LibvirtGuest guest = libvirt.findGuest("gamma").orElseThrow()) {
            assertEquals(GuestState.STOPPED, guest.state());
            guest.start();
            assertEquals(3, guest.info().vcpus());
            assertTrue(guest.shutdown(Duration.ofSeconds(2)));
        }
    }
}
