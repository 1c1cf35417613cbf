package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestInfo;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.NicSpec;
import org.vmm4j.guest.UndefineOption;
import org.vmm4j.testsupport.RequiresHost;

/** The guest API against libvirt's built-in test driver ({@code test:///default}); no daemon needed. */
@RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
class LibvirtTestDriverTest {
    private LibvirtGuestManager libvirt;

    @BeforeEach
    void connect() {
        libvirt = LibvirtGuestManager.connect("test:///default");
    }

    @AfterEach
    void close() {
        libvirt.close();
    }

    private static GuestSpec spec(String name) {
        return GuestSpec.builder(name)
                .memoryMiB(256)
                .topology(1, 2, 1)
                .disk(DiskSpec.file("/var/lib/libvirt/images/" + name + ".qcow2", DiskSpec.Format.QCOW2))
                .nic(NicSpec.network("default"))
                .build();
    }

    @Test
    void listsTheTestDriversRunningGuest() {
        List<LibvirtGuest> running = libvirt.guests(GuestFilter.ACTIVE);
        try {
            assertEquals(List.of("test"), running.stream().map(Guest::name).toList());
            assertEquals(GuestState.RUNNING, running.get(0).state());
            assertTrue(libvirt.guests(GuestFilter.INACTIVE).isEmpty());
        } finally {
            running.forEach(LibvirtGuest::close);
        }
    }

    @Test
    void shutdownOfATransientGuestSucceedsThoughTheGuestDisappears() {
        try (LibvirtGuest guest = libvirt.createXml(DomainXml.toXml(spec("transient"), libvirt.domainType()))) {
            assertTrue(guest.isActive());
            assertTrue(guest.shutdown(Duration.ofSeconds(5)), "a transient guest that stopped has shut down");
            assertEquals(Optional.empty(), libvirt.find("transient"), "libvirt forgets a stopped transient guest");
        }
    }

    @Test
    void findsGuestByNameAndUuidAndReportsAbsentOnes() {
        try (LibvirtGuest byName = libvirt.findGuest("test").orElseThrow();
                LibvirtGuest byUuid = libvirt.findGuest(byName.uuid()).orElseThrow()) {
            assertEquals("test", byUuid.name());
            assertEquals(byName.uuid(), byUuid.uuid());
        }
        assertEquals(Optional.empty(), libvirt.find("no-such-guest"));
        assertEquals(Optional.empty(), libvirt.find(UUID.randomUUID()));
    }

    @Test
    void infoOfRunningGuestCarriesMemoryVcpusAndCpuTime() {
        try (LibvirtGuest guest = libvirt.findGuest("test").orElseThrow()) {
            GuestInfo info = guest.info();
            assertEquals(GuestState.RUNNING, info.state());
            assertEquals(8L << 30, info.maxMemoryBytes()); // test driver: 8 GiB
            assertEquals(2, info.vcpus());
            assertTrue(info.cpuTime().toNanos() > 0);
            assertEquals(guest.stateAndReason().reason(), info.reason());
        }
    }

    @Test
    void definesGuestFromSpecAndDrivesItsLifecycle() {
        try (LibvirtGuest guest = libvirt.define(spec("web1"))) {
            assertEquals(GuestState.STOPPED, guest.state());
            guest.start();
            assertEquals(GuestState.RUNNING, guest.state());
            guest.suspend();
            assertEquals(GuestState.PAUSED, guest.state());
            guest.resume();
            assertEquals(GuestState.RUNNING, guest.state());
            guest.reboot();
            assertEquals(GuestState.RUNNING, guest.state());
            guest.destroy();
            assertEquals(GuestState.STOPPED, guest.state());
            assertEquals(2, guest.stateAndReason().reason()); // VIR_DOMAIN_SHUTOFF_DESTROYED
            guest.undefine();
        }
        assertTrue(libvirt.find("web1").isEmpty());
    }

    @Test
    void gracefulShutdownStopsGuestWithoutForce() {
        try (LibvirtGuest guest = libvirt.define(spec("web2"))) {
            guest.start();
            assertTrue(guest.shutdown(Duration.ofSeconds(5)));
            assertEquals(GuestState.STOPPED, guest.state());
            guest.undefine(UndefineOption.SNAPSHOTS);
        }
    }

    @Test
    void specSurvivesTheRoundTripThroughLibvirt() {
        GuestSpec spec = GuestSpec.builder("rt1")
                .memoryMiB(512)
                .topology(2, 2, 1)
                .cpuMode(GuestSpec.CpuMode.HOST_PASSTHROUGH)
                .disk(DiskSpec.file("/images/rt1.qcow2", DiskSpec.Format.QCOW2))
                .disk(DiskSpec.cdrom("/images/seed.iso"))
                .nic(new NicSpec(NicSpec.Type.NETWORK, "default", "virtio", "52:54:00:12:34:56"))
                .nic(new NicSpec(NicSpec.Type.BRIDGE, "br0", "e1000", "52:54:00:ab:cd:ef"))
                .vnc(true)
                .boot(org.vmm4j.guest.BootSpec.bios(
                        org.vmm4j.guest.BootSpec.Device.CDROM, org.vmm4j.guest.BootSpec.Device.DISK))
                .autostart(true)
                .build();
        try (LibvirtGuest guest = libvirt.define(spec)) {
            assertEquals(spec, guest.spec());
            guest.undefine();
        }
    }

    @Test
    void definesGuestFromRawXmlAndReturnsItsXml() {
        String xml = "<domain type='test'><name>raw1</name><memory unit='MiB'>128</memory>"
                + "<os><type>hvm</type></os></domain>";
        try (LibvirtGuest guest = libvirt.defineXml(xml)) {
            String back = guest.xml();
            assertTrue(back.contains("<name>raw1</name>"), back);
            assertEquals(128L << 20, guest.spec().memoryBytes());
            guest.undefine();
        }
    }

    @Test
    void renamesStoppedGuest() {
        try (LibvirtGuest guest = libvirt.define(spec("old1"))) {
            guest.rename("new1");
            assertEquals("new1", guest.name());
            assertTrue(libvirt.find("old1").isEmpty());
            assertTrue(libvirt.find("new1").isPresent());
            guest.undefine();
        }
    }

    @Test
    void setsMemoryVcpusAndAutostart() {
        try (LibvirtGuest guest = libvirt.define(spec("size1"))) {
            guest.setMemory(1L << 30);
            guest.setVcpus(4);
            guest.setAutostart(true);
            GuestSpec now = guest.spec();
            assertEquals(1L << 30, now.memoryBytes());
            assertEquals(4, now.vcpus());
            assertTrue(guest.autostart());
            guest.setAutostart(false);
            assertFalse(guest.autostart());
            guest.undefine();
        }
    }

    @Test
    void failedCallBecomesLibvirtExceptionWithCodeDomainAndMessage() {
        LibvirtException e = assertThrows(
                LibvirtException.class, () -> libvirt.defineXml("<domain type='test'><name>bad</name></domain>"));
        assertNotEquals(0, e.code());
        assertNotEquals(0, e.domain());
        assertTrue(e.libvirtMessage() != null && !e.libvirtMessage().isEmpty());
        assertTrue(e.getMessage().startsWith("virDomainDefineXML failed: "), e.getMessage());

        try (LibvirtGuest guest = libvirt.define(spec("stopped1"))) {
            LibvirtException notRunning = assertThrows(LibvirtException.class, guest::destroy);
            assertEquals(LibvirtException.OPERATION_INVALID, notRunning.code());
            assertTrue(notRunning.getMessage().contains("virDomainDestroy(stopped1)"), notRunning.getMessage());
            guest.undefine();
        }
    }

    @Test
    @RequiresHost(libvirtd = true) // without a daemon, libvirt reports the refused socket (SYSTEM_ERROR) instead
    void unknownDriverUriFailsToConnect() {
        LibvirtException e = assertThrows(LibvirtException.class, () -> LibvirtGuestManager.connect("nosuch:///x"));
        assertEquals(LibvirtException.NO_CONNECT, e.code());
    }

    @Test
    void connectsWithAuthenticator() {
        try (LibvirtGuestManager withAuth = LibvirtGuestManager.connect("test:///default", c -> "unused")) {
            assertEquals("test:///default", withAuth.canonicalUri());
            assertTrue(withAuth.isAlive());
        }
    }

    @Test
    void reportsTheInstalledLibraryWithoutConnecting() {
        assertTrue(LibvirtGuestManager.isLibraryAvailable());
        assertEquals(Optional.empty(), LibvirtGuestManager.libraryUnavailableReason());
        assertTrue(LibvirtGuestManager.installedLibraryVersion() >= 1_000_000, "major version at least 1");
        assertEquals(LibvirtGuestManager.installedLibraryVersion(), libvirt.libraryVersion());
    }

    @Test
    void concurrentFailuresAreReportedToTheThreadThatFailed() throws Exception {
        int threads = 6;
        List<LibvirtGuest> guests = new java.util.ArrayList<>();
        for (int i = 0; i < threads; i++) {
            guests.add(libvirt.define(spec("conc" + i)));
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<String>> results = new java.util.ArrayList<>();
            for (LibvirtGuest guest : guests) {
                results.add(pool.submit(() -> {
                    for (int n = 0; n < 2_000; n++) {
                        LibvirtException e = assertThrows(LibvirtException.class, guest::destroy);
                        if (!e.getMessage().startsWith("virDomainDestroy(" + guest.name() + ")")
                                || e.code() != LibvirtException.OPERATION_INVALID) {
                            return "thread of " + guest.name() + " got: " + e.getMessage();
                        }
                        assertEquals(GuestState.STOPPED, guest.info().state());
                    }
                    return null;
                }));
            }
            for (var result : results) {
                assertEquals(null, result.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
            for (LibvirtGuest guest : guests) {
                guest.undefine();
                guest.close();
            }
        }
    }

    @Test
    @SuppressWarnings("ThreadPriorityCheck") // yields on purpose, to move virtual threads between carriers
    void failuresOnVirtualThreadsAreReportedToTheVirtualThreadThatFailed() throws Exception {
        java.lang.reflect.Method factory;
        try {
            factory = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        } catch (NoSuchMethodException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "no virtual threads before JDK 21");
            return;
        }
        List<LibvirtGuest> guests = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            guests.add(libvirt.define(spec("virt" + i)));
        }
        var executor = (java.util.concurrent.ExecutorService) factory.invoke(null);
        try {
            List<java.util.concurrent.Future<String>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 200; t++) {
                LibvirtGuest guest = guests.get(t % guests.size());
                results.add(executor.submit(() -> {
                    for (int n = 0; n < 50; n++) {
                        LibvirtException e = assertThrows(LibvirtException.class, guest::destroy);
                        if (!e.getMessage().startsWith("virDomainDestroy(" + guest.name() + ")")) {
                            return e.getMessage();
                        }
                        Thread.yield(); // invite the scheduler to move this virtual thread to another carrier
                    }
                    return null;
                }));
            }
            for (var result : results) {
                assertEquals(null, result.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            executor.shutdownNow();
            for (LibvirtGuest guest : guests) {
                guest.undefine();
                guest.close();
            }
        }
    }

    @Test
    void closingGuestWhileOtherThreadsUseItNeverCrashes() throws Exception {
        LibvirtGuest guest = libvirt.findGuest("test").orElseThrow();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        CountDownLatch allCalling = new CountDownLatch(4);
        List<java.util.concurrent.Future<?>> loops = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            loops.add(pool.submit(() -> {
                for (int n = 0; n < 1_000_000; n++) {
                    try {
                        assertEquals(GuestState.RUNNING, guest.info().state());
                    } catch (IllegalStateException closed) {
                        refused.incrementAndGet();
                        return;
                    }
                    if (n == 0) {
                        allCalling.countDown();
                    }
                }
            }));
        }
        assertTrue(allCalling.await(30, TimeUnit.SECONDS), "the four threads are calling the guest");
        guest.close();
        for (var loop : loops) {
            loop.get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(4, refused.get());
    }

    @Test
    void diskOnlySnapshotAsksLibvirtForDiskOnly() {
        try (LibvirtGuest guest = libvirt.define(spec("disk1"))) {
            try {
                // The test driver refuses VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY (0x10), which proves it was asked.
                LibvirtException e = assertThrows(
                        LibvirtException.class, () -> guest.createSnapshot("disk-state", "only disks", true));
                assertTrue(e.libvirtMessage().contains("0x10"), e.getMessage());
            } finally {
                guest.undefine(UndefineOption.SNAPSHOTS);
            }
        }
    }

    @Test
    void parsesDiskOnlySnapshotXml() {
        var snapshot = SnapshotXml.parse(
                "<domainsnapshot><name>s</name><description>d &amp; e</description>"
                        + "<state>disk-snapshot</state><creationTime>1700000000</creationTime></domainsnapshot>",
                true);
        assertTrue(snapshot.diskOnly());
        assertTrue(snapshot.current());
        assertEquals("d & e", snapshot.description());
        assertEquals(1700000000L, snapshot.created().getEpochSecond());
        assertEquals(GuestState.STOPPED, snapshot.guestState());
    }

    @Test
    void closedGuestRefusesCallsInsteadOfTouchingFreedMemory() {
        LibvirtGuest guest = libvirt.findGuest("test").orElseThrow();
        guest.close();
        guest.close();
        assertThrows(IllegalStateException.class, guest::info);
    }

    @Test
    void closedManagerRefusesCalls() {
        LibvirtGuestManager other = LibvirtGuestManager.connect("test:///default");
        other.close();
        assertFalse(other.isAlive());
        assertThrows(IllegalStateException.class, () -> other.find("test"));
    }
}
