package org.vmm4j.freebsd.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.Test;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.internal.nat.Os;

/** libvmmapi is looked up at run time; where it is missing that is a clear "unavailable". */
class LibvmmapiKernelTest {

    @Test
    void libvmmapiIsReportedUnavailableWhereItIsMissing() {
        assumeFalse(Os.current() == Os.FREEBSD, "this host is FreeBSD");
        HypervisorUnavailableException e = assertThrows(HypervisorUnavailableException.class, LibvmmapiKernel::load);
        assertTrue(e.getMessage().contains("libvmmapi"), e.getMessage());
    }
}
