package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.vmm4j.Fact;
import org.vmm4j.HostCapabilities;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.testsupport.RequiresHost;

/** The Linux backend is found through ServiceLoader, for VMs, for guests and for the probe. */
class ServiceLoadingTest {

    @Test
    void probeReportsKvmLibvirtAndQemuAsThisHostHasThem() throws IOException {
        HostCapabilities caps = Hypervisor.probe();
        HypervisorInfo kvm = caps.hypervisor(KvmHypervisor.KIND).orElseThrow();
        assertEquals(Fact.of(Files.exists(Path.of("/dev/kvm"))), kvm.available());
        if (kvm.available().isYes() && kvm.accessible().isYes()) {
            assertEquals("12", kvm.details().get("apiVersion"));
            assertEquals(Fact.YES, kvm.cpuSupported(), kvm.details().toString());
        }
        HypervisorInfo libvirt = caps.hypervisor("libvirt").orElseThrow();
        boolean libraryInstalled = Files.isRegularFile(Path.of(RequiresHost.LIBVIRT_LIBRARY));
        assertEquals(Fact.of(libraryInstalled), libvirt.available());
        assertEquals(
                Fact.of(Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64"))),
                caps.hypervisor("qemu").orElseThrow().available());
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(), kvm.version());
        HypervisorInfo qemu = caps.hypervisor("qemu").orElseThrow();
        if (qemu.available().isYes()) {
            assertTrue(String.valueOf(qemu.version()).matches("\\d+\\.\\d+.*"), "qemu --version: " + qemu.version());
        }
        String json = caps.toJson();
        assertTrue(json.contains("\"kind\":\"kvm\""), json);
        assertEquals(caps.nativeAccess(), org.vmm4j.internal.nat.NativeAccess.describe());
    }

    @Test
    @RequiresHost(kvm = true)
    void openFindsKvm() {
        try (Hypervisor hv = Hypervisor.open()) {
            assertEquals(KvmHypervisor.KIND, hv.kind());
            assertTrue(hv instanceof KvmHypervisor);
        }
    }

    @Test
    @RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
    void guestsFindsLibvirt() {
        try (GuestManager guests = GuestManager.connect("test:///default")) {
            assertEquals("libvirt", guests.kind());
            assertEquals("test:///default", guests.uri());
            assertTrue(guests.find("test").isPresent(), "the test driver's stock guest");
            assertEquals(1, guests.list(GuestFilter.ACTIVE).size());
        }
    }

    @Test
    void backendsAreFoundOnceAndSharedByOpenProbeAndConnect() {
        java.util.List<org.vmm4j.spi.HypervisorProvider> installed = org.vmm4j.spi.HypervisorProvider.installed();
        assertSame(installed, org.vmm4j.spi.HypervisorProvider.installed(), "the scan is made once");
        assertEquals(1, installed.stream().filter(p -> p instanceof KvmProvider).count(), installed.toString());
        org.junit.jupiter.api.Assertions.assertThrows(
                UnsupportedOperationException.class, () -> installed.add(new KvmProvider()));
    }
}
