package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class VcpuInitTest {

    @Test
    void setsLint0ToExtIntAndLint1ToNmiKeepingOtherBits() {
        ByteBuffer page = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        page.putInt(0x350, 0x0001_0000); // masked, fixed delivery
        page.putInt(0x360, 0x0001_0000 | 0x200); // masked, SMI
        page.putInt(0x370, 0x1234_5678); // LVT error: not touched
        byte[] regs = page.array();
        VcpuInit.configureLint(regs);
        ByteBuffer out = ByteBuffer.wrap(regs).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x0001_0700, out.getInt(0x350), "ExtINT, mask kept");
        assertEquals(0x0001_0400, out.getInt(0x360), "NMI, mask kept");
        assertEquals(0x1234_5678, out.getInt(0x370));
    }

    @Test
    void rejectsShortRegisterPage() {
        assertThrows(IllegalArgumentException.class, () -> VcpuInit.configureLint(new byte[0x360]));
    }

    @Test
    void bootMsrsEnableFastStringsAndWriteBackMtrrs() {
        Map<Integer, Long> msrs =
                VcpuInit.bootMsrs().stream().collect(Collectors.toMap(VcpuInit.Msr::index, VcpuInit.Msr::value));
        assertEquals(1L, msrs.get(0x1a0), "IA32_MISC_ENABLE fast strings");
        assertEquals(0x806L, msrs.get(0x2ff), "MTRRdefType: enabled, write-back");
        assertEquals(0L, msrs.get(0xc000_0082), "LSTAR");
        assertEquals(0L, msrs.get(0x10), "TSC");
        assertEquals(11, msrs.size());
    }
}
