package org.vmm4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmm4j.SpecialRegisters;

class X87WaitTest {
    private static final long TS = 1L << 3;
    private static final long LINUX_CR0 = SpecialRegisters.CR0_PE
            | SpecialRegisters.CR0_MP
            | SpecialRegisters.CR0_ET
            | SpecialRegisters.CR0_NE
            | SpecialRegisters.CR0_WP
            | SpecialRegisters.CR0_AM
            | SpecialRegisters.CR0_PG;

    @Test
    void isANoOpWithoutTsAndWithoutAPendingException() {
        assertEquals(Optional.empty(), X87Wait.problem(LINUX_CR0, 0x0000));
        assertEquals(Optional.empty(), X87Wait.problem(LINUX_CR0, 0x3800), "TOP bits alone are no exception");
        assertEquals(
                Optional.empty(), X87Wait.problem((LINUX_CR0 & ~SpecialRegisters.CR0_MP) | TS, 0), "TS without MP");
    }

    @Test
    void raisesNmWithTsAndMp() {
        assertEquals(
                Optional.of("FWAIT with CR0.TS and CR0.MP set raises #NM, which vmm4j does not deliver"),
                X87Wait.problem(LINUX_CR0 | TS, 0));
    }

    @Test
    void raisesMfWithAPendingException() {
        assertEquals(
                Optional.of("FWAIT with an x87 exception pending (FSW 0x81) raises #MF, which vmm4j does not deliver"),
                X87Wait.problem(LINUX_CR0, 0x81));
    }
}
