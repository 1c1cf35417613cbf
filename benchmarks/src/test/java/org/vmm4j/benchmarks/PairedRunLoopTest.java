package org.vmm4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmm4j.testsupport.RequiresHost;

/** The paired harness on a real vCPU, briefly: it must run, check itself and produce sane figures. */
class PairedRunLoopTest {

    @ParameterizedTest
    @EnumSource(RunLoopGuest.Exit.class)
    @RequiresHost(
            kvm = true,
            tools = "gcc",
            files = {RequiresHost.LIBC_HEADERS, RequiresHost.KVM_HEADER})
    void measuresBothLoopsOnTheSameExits(RunLoopGuest.Exit exit) {
        PairedRunLoop.Result r = PairedRunLoop.measure(exit, 3, 1, 20);
        assertEquals(3, r.pairs().size());
        for (PairedRunLoop.Pair p : r.pairs()) {
            assertTrue(p.cNs() > 0 && p.javaNs() > 0, p.toString());
        }
        assertTrue(r.pairs().get(0).cFirst() && !r.pairs().get(1).cFirst(), "the order alternates");
        assertTrue(r.ratio().low() <= r.ratio().median()
                && r.ratio().median() <= r.ratio().high());
    }
}
