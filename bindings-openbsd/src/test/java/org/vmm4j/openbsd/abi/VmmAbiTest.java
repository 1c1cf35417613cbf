package org.vmm4j.openbsd.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VmmAbiTest {

    @Test
    void selectsAbiFromKernOsrelease() {
        assertSame(VmmAbi.OPENBSD_7_4, VmmAbi.forRelease("7.4").orElseThrow());
        assertSame(VmmAbi.CURRENT, VmmAbi.forRelease("7.8").orElseThrow());
        assertSame(VmmAbi.CURRENT, VmmAbi.forRelease("7.9\n").orElseThrow());
        assertSame(VmmAbi.CURRENT, VmmAbi.forRelease("8.0").orElseThrow());
    }

    @Test
    void refusesReleasesWhoseLayoutIsNotPinnedDown() {
        assertTrue(VmmAbi.forRelease("7.6").isEmpty());
        assertTrue(VmmAbi.forRelease("7.3").isEmpty());
        assertTrue(VmmAbi.forRelease("garbage").isEmpty());
        assertTrue(VmmAbi.forRelease(null).isEmpty());
    }

    @Test
    void currentRegisterOrderPutsRcxAtOneAndRbxAtThree() {
        // Registers component 1 is rbx, 2 is rcx
        assertEquals(3, VmmAbi.CURRENT.gprIndex(1));
        assertEquals(1, VmmAbi.CURRENT.gprIndex(2));
        assertEquals(1, VmmAbi.OPENBSD_7_4.gprIndex(1));
        // cs is index 1 now (ES first), index 0 in the 2018 order
        assertEquals(1, VmmAbi.CURRENT.sregIndex(0));
        assertEquals(0, VmmAbi.OPENBSD_7_4.sregIndex(0));
    }

    @Test
    void gprIndicesArePermutations() {
        for (VmmAbi abi : new VmmAbi[] {VmmAbi.CURRENT, VmmAbi.OPENBSD_7_4}) {
            boolean[] seen = new boolean[VmmVar.VCPU_REGS_NGPRS];
            for (int i = 0; i < VmmVar.VCPU_REGS_NGPRS; i++) {
                seen[abi.gprIndex(i)] = true;
            }
            for (boolean b : seen) {
                assertTrue(b);
            }
        }
    }
}
