package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.GuestEvent;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.GuestStats;
import org.vmm4j.guest.NetworkSpec;
import org.vmm4j.guest.NicSpec;
import org.vmm4j.guest.Snapshot;
import org.vmm4j.guest.UndefineOption;
import org.vmm4j.guest.VolumeSpec;
import org.vmm4j.testsupport.HostRequirements;

/**
 * The tests every libvirt connection passes against a real libvirtd and QEMU: network, pool, qcow2 volume,
 * a volume upload, a guest booting the host's kernel directly, its lifecycle events, bulk stats, reset, live
 * memory and vCPU changes, suspend, a snapshot, resume, destroy, undefine; and a graceful shutdown that falls
 * back to force. {@link LibvirtDaemonTest} runs them on {@code qemu:///system}, {@link LibvirtRemoteTest} over
 * SSH. The daemons are started by {@code .ci/test}, not by the tests.
 */
abstract class LibvirtDaemonContract {
    /** The connection under test, open for the whole class. */
    abstract LibvirtGuestManager libvirt();

    /** A short word that keeps this connection's names apart from another run's. */
    abstract String tag();

    /** The accelerator the guests ask for: a remote connection's AUTO follows the remote capabilities only. */
    abstract Accelerator accelerator();

    @Test
    @SuppressWarnings("try") // the event listener stays registered for the body's duration
    void runsAGuestThroughItsWholeLifecycleOnQemu() throws Exception {
        Path kernel = HostRequirements.debianKernel();
        LibvirtGuestManager libvirt = libvirt();
        String prefix = "vmm4j-" + tag() + "-" + ProcessHandle.current().pid();
        String net = prefix + "-net";
        String poolName = prefix + "-pool";
        Path poolDir = Path.of("/var/lib/libvirt/images", poolName);
        String guestName = tag() + ProcessHandle.current().pid();
        BlockingQueue<GuestEvent> events = new LinkedBlockingQueue<>();

        try (AutoCloseable listening = libvirt.addListener(e -> {
                    if (e.guest().equals(guestName)) {
                        events.add(e);
                    }
                });
                LibvirtNetwork network = libvirt.defineNetwork(new NetworkSpec(
                        net, NetworkSpec.Mode.NAT, null, "192.168.231.1", 24, "192.168.231.10", "192.168.231.50"));
                LibvirtStoragePool pool = libvirt.defineDirectoryPool(poolName, poolDir.toString())) {
            try {
                network.start();
                assertTrue(network.isActive());
                assertTrue(network.leases().isEmpty());
                pool.start();
                try (LibvirtStorageVolume disk = pool.createVolume(VolumeSpec.qcow2("root.qcow2", 64L << 20));
                        LibvirtStorageVolume seed = pool.createVolume(VolumeSpec.raw("seed.img", 1L << 20))) {
                    assertEquals(64L << 20, disk.capacity());
                    assertTrue(disk.xml().contains("qcow2"));

                    byte[] content = new byte[1 << 20];
                    for (int i = 0; i < content.length; i++) {
                        content[i] = (byte) (i * 31);
                    }
                    Path upload = Files.createTempFile("vmm4j-upload", ".img");
                    try {
                        Files.write(upload, content);
                        seed.upload(upload);
                    } finally {
                        Files.deleteIfExists(upload);
                    }
                    assertArrayEquals(content, Files.readAllBytes(Path.of(seed.path())));

                    GuestSpec spec = GuestSpec.builder(guestName)
                            .memoryMiB(128)
                            .vcpus(1)
                            .disk(new DiskSpec(
                                    poolName + "/root.qcow2",
                                    DiskSpec.SourceType.VOLUME,
                                    DiskSpec.Format.QCOW2,
                                    DiskSpec.Bus.VIRTIO,
                                    false,
                                    false))
                            .nic(NicSpec.network(net))
                            .accelerator(accelerator())
                            .boot(BootSpec.kernel(kernel.toString(), null, "console=ttyS0 panic=0"))
                            .build();
                    try (LibvirtGuest guest = libvirt.define(spec)) {
                        try {
                            assertEquals(GuestState.STOPPED, guest.state());
                            assertEquals(spec.name(), guest.spec().name());
                            assertEquals(kernel.toString(), guest.spec().boot().kernel());
                            guest.start();
                            assertEquals(GuestState.RUNNING, guest.state());
                            awaitEvent(events, GuestEvent.Type.STARTED);
                            assertTrue(guest.consolePath().orElseThrow().startsWith("/dev/pts/"));

                            GuestStats stats = libvirt.stats(GuestFilter.ACTIVE).stream()
                                    .filter(s -> s.name().equals(guestName))
                                    .findFirst()
                                    .orElseThrow();
                            assertEquals(GuestState.RUNNING, stats.state());
                            assertEquals(1, stats.vcpus().size());
                            assertEquals(1, stats.interfaces().size());
                            assertEquals(1, stats.blocks().size());
                            assertEquals("vda", stats.blocks().get(0).name());
                            assertEquals(128L << 20, stats.maxMemoryBytes());

                            guest.reset();
                            awaitEvent(events, GuestEvent.Type.REBOOTED);
                            assertEquals(GuestState.RUNNING, guest.state());

                            // Live where QEMU allows (balloon), and always in the persistent definition.
                            guest.setMemory(96L << 20);
                            guest.setVcpus(2);
                            GuestSpec persistent = DomainXml.parse(guest.xml(2 /* VIR_DOMAIN_XML_INACTIVE */), false);
                            assertEquals(2, persistent.vcpus());
                            assertEquals(128L << 20, persistent.memoryBytes(), "maximum memory stays");
                            assertTrue(
                                    guest.xml(2).contains("<currentMemory unit=\"KiB\">98304</currentMemory>")
                                            || guest.xml(2).contains("<currentMemory unit='KiB'>98304</currentMemory>"),
                                    guest.xml(2));

                            guest.suspend();
                            awaitEvent(events, GuestEvent.Type.SUSPENDED);
                            Snapshot snapshot = guest.createSnapshot("paused", "taken by vmm4j", false);
                            assertEquals(GuestState.PAUSED, snapshot.guestState());
                            assertEquals(
                                    List.of("paused"),
                                    guest.snapshots().stream()
                                            .map(Snapshot::name)
                                            .toList());
                            guest.resume();

                            guest.destroy();
                            awaitEvent(events, GuestEvent.Type.STOPPED);
                            assertEquals(GuestState.STOPPED, guest.state());
                        } finally {
                            if (guest.isActive()) {
                                guest.destroy();
                            }
                            guest.undefine(UndefineOption.SNAPSHOTS, UndefineOption.STORAGE);
                        }
                        awaitEvent(events, GuestEvent.Type.UNDEFINED);
                    }
                    assertTrue(libvirt.find(guestName).isEmpty());
                    assertTrue(pool.findVolume("root.qcow2").isEmpty(), "undefine STORAGE deletes the guest's volume");
                    seed.delete();
                }
            } finally {
                if (network.isActive()) {
                    network.stop();
                }
                network.undefine();
                // An inactive pool has no volume list; failing here would hide the test's own failure.
                for (LibvirtStorageVolume v : pool.isActive() ? pool.volumes() : List.<LibvirtStorageVolume>of()) {
                    try (v) {
                        v.delete();
                    }
                }
                if (pool.isActive()) {
                    pool.stop();
                }
                pool.undefine();
                Files.deleteIfExists(poolDir);
            }
        }
        assertTrue(libvirt.findNetwork(net).isEmpty());
        assertTrue(libvirt.findPool(poolName).isEmpty());
    }

    @Test
    void gracefulShutdownOfGuestThatIgnoresAcpiFallsBackToForce() throws Exception {
        Path kernel = HostRequirements.debianKernel();
        // With no initrd and no root disk the kernel panics early and never handles the ACPI button.
        LibvirtGuestManager libvirt = libvirt();
        GuestSpec spec = GuestSpec.builder(
                        "sd" + tag() + ProcessHandle.current().pid())
                .memoryMiB(128)
                .accelerator(accelerator())
                .boot(BootSpec.kernel(kernel.toString(), null, "console=ttyS0 panic=0 acpi=off"))
                .build();
        try (LibvirtGuest guest = libvirt.define(spec)) {
            try {
                guest.start();
                assertFalse(guest.shutdown(Duration.ofSeconds(2)));
                assertEquals(GuestState.STOPPED, guest.state());
            } finally {
                if (guest.isActive()) {
                    guest.destroy();
                }
                guest.undefine();
            }
        }
    }

    private static void awaitEvent(BlockingQueue<GuestEvent> events, GuestEvent.Type type) throws InterruptedException {
        List<GuestEvent> others = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            GuestEvent e = events.poll(1, TimeUnit.SECONDS);
            if (e != null && e.type() == type) {
                return;
            }
            if (e != null) {
                others.add(e);
            }
        }
        assertNotNull(null, "no " + type + " event within 30 s; got " + others);
    }
}
