package org.vmm4j.freebsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.vmm4j.Fact;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.VirtualMachine;
import org.vmm4j.freebsd.abi.Vmm;
import org.vmm4j.freebsd.guest.BhyveHostLayout;
import org.vmm4j.freebsd.internal.BhyveHost;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.RecordedHostFacts;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.spi.HypervisorProvider;

/** The provider loads everywhere and declines politely where bhyve cannot exist. */
class BhyveProviderTest {

    @Test
    void serviceLoaderFindsTheBhyveProvider() {
        boolean found = false;
        for (HypervisorProvider p : ServiceLoader.load(HypervisorProvider.class)) {
            found |= p instanceof BhyveProvider && p.kind().equals(BhyveHypervisor.KIND);
        }
        assertTrue(found);
    }

    @Test
    void isUnsupportedAndUnavailableOffFreeBsd() {
        assumeFalse(Os.current() == Os.FREEBSD, "this host is FreeBSD");
        BhyveProvider provider = new BhyveProvider();
        assertFalse(provider.supportsCurrentOs());
        HypervisorUnavailableException e = assertThrows(HypervisorUnavailableException.class, provider::open);
        assertTrue(e.getMessage().contains("FreeBSD"), e.getMessage());
    }

    private static BhyveHost.Installation freeBsd(String osreldate, ScriptedVmmKernel kernel) {
        return BhyveHost.install(new BhyveHost(
                true,
                new RecordedHostFacts()
                        .sysctl("kern.osreldate", osreldate)
                        .path("/usr/sbin/bhyve")
                        .path("/usr/sbin/bhyvectl"),
                () -> kernel,
                CommandExecutor.system(),
                BhyveHostLayout::standard));
    }

    @Test
    void hypervisorOpenOnFreeBsdFourteenCreatesVmsInVmm() {
        ScriptedVmmKernel kernel = new ScriptedVmmKernel();
        BhyveHost.Installation installed = freeBsd("1401000", kernel);
        try (Hypervisor hv = Hypervisor.open(BhyveHypervisor.KIND);
                VirtualMachine vm = hv.createVm()) {
            assertInstanceOf(BhyveHypervisor.class, hv);
            assertEquals(BhyveHypervisor.KIND, vm.kind());
            assertEquals(List.of(((BhyveVm) vm).name()), kernel.list());
            assertTrue(((BhyveVm) vm)
                    .name()
                    .startsWith("vmm4j-" + ProcessHandle.current().pid() + "-"));
        } finally {
            installed.close();
        }
    }

    @Test
    void hypervisorOpenRefusesFreeBsdThirteen() {
        BhyveHost.Installation installed = freeBsd("1302001", new ScriptedVmmKernel());
        try {
            HypervisorUnavailableException e =
                    assertThrows(HypervisorUnavailableException.class, () -> Hypervisor.open(BhyveHypervisor.KIND));
            assertTrue(e.getMessage().contains("14"), e.getMessage());
        } finally {
            installed.close();
        }
    }

    @Test
    void probeReportsTheInstalledHostsFacts() {
        BhyveHost.Installation installed = freeBsd("1401000", new ScriptedVmmKernel());
        try {
            List<HypervisorInfo> infos = new BhyveProvider().probe();
            assertEquals(1, infos.size());
            assertEquals(BhyveHypervisor.KIND, infos.get(0).kind());
            assertEquals(Fact.YES, infos.get(0).available(), "bhyve and bhyvectl are there");
        } finally {
            installed.close();
        }
    }

    @Test
    void refusesKernelsOlderThanFourteen() {
        assertThrows(
                HypervisorUnavailableException.class,
                () -> BhyveProvider.requireSupportedKernel(Optional.of("1302001")));
        BhyveProvider.requireSupportedKernel(Optional.of("1400097"));
        BhyveProvider.requireSupportedKernel(Optional.of("1500000"));
        BhyveProvider.requireSupportedKernel(Optional.empty());
    }

    @Test
    void guestNamesFitTheKernelsNameLimit() {
        assertEquals(229, Vmm.VM_MAX_NAMELEN);
        assertTrue(GuestSpec.MAX_NAME_LENGTH <= Vmm.VM_MAX_NAMELEN);
    }
}
