package org.vmm4j.openbsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Encodings from the Intel SDM's MOV/MOVZX tables, decoded as a guest's MMIO access. */
class MmioDecoderTest {
    private final MmioDecoder d = new MmioDecoder();
    private final long[] gprs = new long[16];

    private boolean decode(String hex, int bits, long rip) {
        byte[] b = HexFormat.of().parseHex(hex);
        return d.decode(b, b.length, bits, gprs, rip);
    }

    @Test
    void movStoreOfA32BitRegister() {
        gprs[0] = 0xF000_0000L; // eax
        gprs[1] = 0xCAFEBABEL; // ecx
        assertTrue(decode("8908", 32, 0));
        assertTrue(d.write);
        assertEquals(4, d.size);
        assertEquals(0xF000_0000L, d.effectiveAddress);
        assertEquals(0xCAFEBABEL, d.writeValue(gprs));
        assertEquals(2, d.length);
        assertEquals(MmioDecoder.DS, d.segment);
    }

    @Test
    void rexWStoreWithDisplacement() {
        gprs[0] = 0xFEE0_0000L;
        gprs[1] = 0x1122_3344_5566_7788L;
        assertTrue(decode("48894808", 64, 0));
        assertEquals(8, d.size);
        assertEquals(0xFEE0_0008L, d.effectiveAddress);
        assertEquals(0x1122_3344_5566_7788L, d.writeValue(gprs));
        assertEquals(4, d.length);
    }

    @Test
    void loadIntoAhUsesTheLegacyHighByteRegister() {
        gprs[3] = 0x1000;
        assertTrue(decode("8A6310", 32, 0));
        assertFalse(d.write);
        assertEquals(1, d.size);
        assertEquals(0, d.register);
        assertTrue(d.highByte);
        assertEquals(0x1010, d.effectiveAddress);
        assertEquals(0x1234_AB78L, d.mergeRead(0x1234_5678L, 0xAB));
    }

    @Test
    void ripRelativeImmediateStoreCountsTheImmediate() {
        // mov dword [rip+0x100], 0x42 : C7 05 00010000 42000000 (10 bytes)
        assertTrue(decode("c7050001000042000000", 64, 0x4000));
        assertTrue(d.write);
        assertEquals(4, d.size);
        assertEquals(0x4000 + 10 + 0x100, d.effectiveAddress);
        assertEquals(0x42, d.writeValue(gprs));
        assertEquals(10, d.length);
    }

    @Test
    void operandSizePrefixMakesA16BitStore() {
        gprs[7] = 0x2000;
        gprs[0] = 0xFFFF_1234L;
        assertTrue(decode("668907", 32, 0));
        assertEquals(2, d.size);
        assertEquals(0x1234, d.writeValue(gprs));
    }

    @Test
    void movzxReadsAByteAndZeroExtendsTheDestination() {
        gprs[6] = 0x3000;
        assertTrue(decode("0fb606", 32, 0));
        assertFalse(d.write);
        assertEquals(1, d.size);
        assertEquals(0x0000_00FFL, d.mergeRead(0xDEAD_BEEFL, 0x1FF));
    }

    @Test
    void thirtyTwoBitLoadInLongModeClearsTheUpperHalf() {
        gprs[3] = 0x5000;
        assertTrue(decode("8b03", 64, 0));
        assertEquals(0x0000_0000_1234_5678L, d.mergeRead(0xFFFF_FFFF_0000_0000L, 0x1234_5678L));
    }

    @Test
    void memoryOffsetLoad() {
        assertTrue(decode("a1100000f0", 32, 0));
        assertFalse(d.write);
        assertEquals(0xF000_0010L, d.effectiveAddress);
        assertEquals(0, d.register);
        assertEquals(5, d.length);
    }

    @Test
    void scaledIndexAddressing() {
        gprs[3] = 0x1000;
        gprs[1] = 3;
        assertTrue(decode("8b048b", 32, 0)); // mov eax, [ebx+ecx*4]
        assertEquals(0x100C, d.effectiveAddress);
    }

    @Test
    void sixteenBitAddressingWithBpDefaultsToSs() {
        gprs[3] = 0x10;
        assertTrue(decode("8b07", 16, 0)); // mov ax, [bx]
        assertEquals(0x10, d.effectiveAddress);
        assertEquals(2, d.size);
        gprs[5] = 0x100;
        assertTrue(decode("8b4602", 16, 0)); // mov ax, [bp+2]
        assertEquals(0x102, d.effectiveAddress);
        assertEquals(MmioDecoder.SS, d.segment);
    }

    @Test
    void segmentOverrideIsReported() {
        assertTrue(decode("648b00", 32, 0));
        assertEquals(MmioDecoder.FS, d.segment);
    }

    @Test
    void rexExtendsRegisterAndBase() {
        gprs[9] = 0x7000; // r9
        gprs[10] = 5; // r10
        assertTrue(decode("4d8911", 64, 0)); // mov [r9], r10
        assertEquals(0x7000, d.effectiveAddress);
        assertEquals(10, d.register);
        assertEquals(8, d.size);
    }

    @Test
    void refusesRegisterOperandsStringOpsAndTruncatedBytes() {
        assertFalse(decode("89c8", 32, 0)); // mov eax, ecx
        assertFalse(decode("f3a5", 32, 0)); // rep movsd
        assertFalse(decode("c705000100", 64, 0));
        assertFalse(decode("", 64, 0));
    }
}
