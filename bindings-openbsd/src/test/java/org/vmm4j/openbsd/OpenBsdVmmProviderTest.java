package org.vmm4j.openbsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.internal.nat.Os;

class OpenBsdVmmProviderTest {

    @Test
    void reportsUnsupportedAndRefusesToOpenOffOpenBsd() {
        assumeTrue(Os.current() != Os.OPENBSD, "this host is OpenBSD");
        OpenBsdVmmProvider provider = new OpenBsdVmmProvider();
        assertEquals("openbsd-vmm", provider.kind());
        assertFalse(provider.supportsCurrentOs());
        assertThrows(HypervisorUnavailableException.class, provider::open);
    }

    @Test
    void probingThroughServiceLoaderOffOpenBsdReportsNoOpenBsdKinds() {
        assumeTrue(Os.current() != Os.OPENBSD, "this host is OpenBSD");
        org.vmm4j.HostCapabilities caps = org.vmm4j.Hypervisor.probe();
        assertTrue(caps.hypervisors().stream().noneMatch(h -> h.kind().equals("openbsd-vmm") || h.kind().equals("vmd")),
                caps.toString());
    }
}
