package org.vmm4j.linux.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.NetworkSpec;
import org.vmm4j.image.Qcow2Options;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.linux.guest.LibvirtGuestManager;
import org.vmm4j.linux.guest.LibvirtNetwork;
import org.vmm4j.provision.GuestAddressPoller;
import org.vmm4j.provision.GuestProvisioner;
import org.vmm4j.provision.ImageSource;
import org.vmm4j.provision.ProvisionException;
import org.vmm4j.provision.ProvisionRequest;
import org.vmm4j.provision.ProvisionResult;
import org.vmm4j.provision.ProvisionStep;
import org.vmm4j.testsupport.HostRequirements;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The workflow for real against libvirtd and QEMU ({@code qemu:///system}) up to "guest started": a
 * qcow2 base image made here, the overlay and seed in /var/lib/libvirt/images, the host's kernel booted
 * directly (guests run too slowly here to reach SSH), on a NAT network of the test's own. And a rollback
 * when the IP step fails on purpose: the real lease/ARP poller with a short timeout, against a guest
 * that never asks for a lease.
 */
@RequiresHost(libvirtd = true, tools = "qemu-system-x86_64", files = RequiresHost.DEBIAN_KERNEL)
class ProvisionOnQemuTest {
    private static final String PREFIX = "vmm4j-prov-" + ProcessHandle.current().pid();
    private static final Path WORK = Path.of("/var/lib/libvirt/images", PREFIX);
    private static LibvirtGuestManager libvirt;
    private static LibvirtNetwork network;
    private static Path base;
    private static Path kernel;

    @BeforeAll
    static void connect() throws IOException {
        libvirt = LibvirtGuestManager.connect("qemu:///system");
        kernel = HostRequirements.debianKernel();
        Files.createDirectories(WORK);
        base = Qcow2Writer.create(
                WORK.resolve("base.qcow2"), Qcow2Options.builder(64L << 20).build());
        network = libvirt.defineNetwork(new NetworkSpec(
                PREFIX, NetworkSpec.Mode.NAT, null, "192.168.239.1", 24, "192.168.239.10", "192.168.239.50"));
        network.start();
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (network != null) {
            if (network.isActive()) {
                network.stop();
            }
            network.undefine();
            network.close();
        }
        if (Files.isDirectory(WORK)) {
            try (Stream<Path> files = Files.walk(WORK)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (libvirt != null) {
            libvirt.close();
        }
    }

    private static ProvisionRequest.Builder request(String name) {
        return ProvisionRequest.builder(name)
                .image(ImageSource.file(base))
                .workDirectory(WORK)
                .memoryBytes(128L << 20)
                .vcpus(1)
                .diskBytes(128L << 20)
                .network(PREFIX)
                .user("admin")
                .password("qemu-test-pw".toCharArray())
                .boot(BootSpec.kernel(kernel.toString(), null, "console=ttyS0 panic=0"));
    }

    @Test
    void provisionsOnQemuUpToGuestStarted() {
        String name = "prov-q-" + ProcessHandle.current().pid();
        ProvisionResult result = GuestProvisioner.builder(libvirt)
                .build()
                .provision(request(name).stopAfter(ProvisionStep.START_GUEST).build());
        try {
            Guest guest = libvirt.find(name).orElseThrow();
            assertEquals(GuestState.RUNNING, guest.state());
            assertTrue(Files.isRegularFile(result.disk()));
            assertTrue(Files.isRegularFile(result.seed()));
            assertTrue(result.address().isEmpty());
            assertTrue(result.timeOf(ProvisionStep.START_GUEST).toNanos() > 0);
        } finally {
            libvirt.find(name).ifPresent(g -> {
                g.destroy();
                g.undefine();
            });
        }
    }

    @Test
    void rollbackOnQemuLeavesNothingBehindWhenIpStepFails() {
        String name = "prov-qrb-" + ProcessHandle.current().pid();
        ProvisionRequest request =
                request(name).addressTimeout(Duration.ofSeconds(3)).build();
        GuestProvisioner provisioner = GuestProvisioner.builder(libvirt)
                .addressWaiter(new GuestAddressPoller(
                        List.of(GuestAddress.Source.DHCP_LEASE, GuestAddress.Source.ARP),
                        Duration.ofMillis(200),
                        Duration.ofSeconds(1)))
                .build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> provisioner.provision(request));

        assertEquals(ProvisionStep.WAIT_FOR_IP, e.step());
        assertTrue(e.getMessage().contains("no DHCP lease"), e.getMessage());
        assertFalse(e.getMessage().contains("qemu-test-pw"));
        assertEquals(0, e.getSuppressed().length, List.of(e.getSuppressed()).toString());
        assertTrue(libvirt.find(name).isEmpty(), "no domain");
        assertFalse(Files.exists(request.diskPath()), "no disk");
        assertFalse(Files.exists(request.seedPath()), "no seed");
        assertTrue(Files.exists(base), "the base image stays");
    }
}
