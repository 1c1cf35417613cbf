package org.vmm4j.freebsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.Optional;
import java.util.ServiceLoader;

import org.junit.jupiter.api.Test;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.freebsd.abi.Vmm;
import org.vmm4j.guest.GuestSpec;
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

    @Test
    void refusesKernelsOlderThanFourteen() {
        assertThrows(HypervisorUnavailableException.class,
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
