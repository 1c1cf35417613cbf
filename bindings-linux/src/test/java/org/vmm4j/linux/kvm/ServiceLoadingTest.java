package org.vmm4j.linux.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.vmm4j.Fact;
import org.vmm4j.HostCapabilities;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;

/** The Linux backend is found through ServiceLoader, for VMs, for guests and for the probe. */
class ServiceLoadingTest {

    @Test
    void probeReportsKvmLibvirtAndQemuAsThisHostHasThem() {
        HostCapabilities caps = Hypervisor.probe();
        HypervisorInfo kvm = caps.hypervisor("kvm").orElseThrow();
        assertEquals(Fact.of(Files.exists(Path.of("/dev/kvm"))), kvm.available());
        if (kvm.available().isYes() && kvm.accessible().isYes()) {
            assertEquals("12", kvm.details().get("apiVersion"));
            assertEquals(Fact.YES, kvm.cpuSupported(), kvm.details().toString());
        }
        HypervisorInfo libvirt = caps.hypervisor("libvirt").orElseThrow();
        boolean libraryInstalled = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libvirt.so.0"));
        assertEquals(Fact.of(libraryInstalled), libvirt.available());
        assertEquals(Fact.of(Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64"))),
                caps.hypervisor("qemu").orElseThrow().available());
        String json = caps.toJson();
        assertTrue(json.contains("\"kind\":\"kvm\""), json);
        assertEquals(caps.nativeAccess(), org.vmm4j.internal.nat.NativeAccess.describe());
    }

    @Test
    void openFindsKvmAndGuestsFindsLibvirt() {
        if (!Files.exists(Path.of("/dev/kvm"))) {
            KvmAvailable.require();
        }
        try (Hypervisor hv = Hypervisor.open()) {
            assertEquals("kvm", hv.kind());
            assertTrue(hv instanceof KvmHypervisor);
        }
        if (Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libvirt.so.0"))) {
            try (GuestManager guests = GuestManager.connect("test:///default")) {
                assertEquals("libvirt", guests.kind());
                assertEquals("test:///default", guests.uri());
                assertTrue(guests.find("test").isPresent(), "the test driver's stock guest");
                assertEquals(1, guests.list(GuestFilter.ACTIVE).size());
            }
        }
    }

    @Test
    void backendsAreFoundOnceAndSharedByOpenProbeAndConnect() {
        java.util.List<org.vmm4j.spi.HypervisorProvider> installed = org.vmm4j.spi.HypervisorProvider.installed();
        assertSame(installed, org.vmm4j.spi.HypervisorProvider.installed(), "the scan is made once");
        assertEquals(1, installed.stream().filter(p -> p instanceof KvmProvider).count(), installed.toString());
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> installed.add(new KvmProvider()));
    }
}
