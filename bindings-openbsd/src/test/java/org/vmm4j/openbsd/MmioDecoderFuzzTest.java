package org.vmm4j.openbsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the MMIO instruction decoder: a hostile guest chooses the instruction
 * bytes, the registers, RIP and the code size. The fuzzer's data gives the code size (16, 32 or 64),
 * RIP and the 16 GPRs (FuzzedDataProvider, from the end of the input) and the instruction bytes (the
 * start, at most 15 as vmm(4)'s {@code vee_insn_bytes}).
 *
 * <p>{@link MmioDecoder#decode} returns true or false and never throws (it documents no exception),
 * within 2 s and no allocation at all: it promises to allocate nothing. It
 * reads only the {@code available} bytes: the same instruction decodes identically from an array of
 * exactly that length (a read past it would throw) and from a 15-byte array padded with other bytes.
 * A decoded access has a size of 1, 2, 4 or 8 (at most 4 outside 64-bit code), a length within the
 * bytes, a register or immediate source, a segment register, an address that fits the address size,
 * and its write value and read merge touch only the access's bytes of the register. Seeds: the MOV,
 * MOVZX and moffs encodings a guest's drivers use, with prefixes, in each code size ({@code
 * MmioDecoderFuzzTestInputs/instruction}, remade by {@code bindings-openbsd/src/test/fuzz/make-seeds}).
 */
class MmioDecoderFuzzTest {
    /**
     * Decoding allocates nothing ({@link FuzzCheck#allocatingNothing}) and documents no exception; FuzzCheck
     * needs a type, and the target fails if even that one is thrown.
     */
    private static final FuzzCheck CHECK =
            FuzzCheck.allocatingNothing(Duration.ofSeconds(2), IllegalStateException.class);

    private static final int[] CODE_BITS = {16, 32, 64};
    private static final MmioDecoder EXACT = new MmioDecoder();
    private static final MmioDecoder PADDED = new MmioDecoder();

    @FuzzTest
    void instruction(FuzzedDataProvider data) {
        int bits = CODE_BITS[data.consumeInt(0, 2)];
        long rip = data.consumeLong();
        long[] gprs = new long[16];
        for (int i = 0; i < gprs.length; i++) {
            gprs[i] = data.consumeLong();
        }
        byte[] all = data.consumeRemainingAsBytes();
        int available = Math.min(all.length, 15);
        byte[] exact = Arrays.copyOf(all, available);
        byte[] padded = Arrays.copyOf(all, 15);
        Arrays.fill(padded, available, 15, (byte) 0x66); // a prefix: decoding on into it would change the result
        long[] gprsCopy = gprs.clone();
        String name = bits + "-bit " + HexFormat.of().formatHex(exact);
        FuzzCheck.Target target = () -> {
            boolean decoded = EXACT.decode(exact, available, bits, gprs, rip);
            assertEquals(decoded, PADDED.decode(padded, available, bits, gprs, rip), "bytes past available");
            assertTrue(Arrays.equals(gprs, gprsCopy), "decoding changes no register");
            if (decoded) {
                check(EXACT, PADDED, bits, available, gprs);
            }
        };
        Exception thrown = CHECK.run(name, target);
        assertNull(thrown, "the decoder throws nothing");
    }

    private static void check(MmioDecoder d, MmioDecoder same, int bits, int available, long[] gprs) {
        assertEquals(d.write, same.write, "write");
        assertEquals(d.size, same.size, "size");
        assertEquals(d.register, same.register, "register");
        assertEquals(d.highByte, same.highByte, "highByte");
        assertEquals(d.zeroExtend, same.zeroExtend, "zeroExtend");
        assertEquals(d.destinationSize, same.destinationSize, "destinationSize");
        assertEquals(d.immediate, same.immediate, "immediate");
        assertEquals(d.effectiveAddress, same.effectiveAddress, "effectiveAddress");
        assertEquals(d.segment, same.segment, "segment");
        assertEquals(d.length, same.length, "length");

        assertTrue(d.size == 1 || d.size == 2 || d.size == 4 || d.size == 8, "access size 1, 2, 4 or 8");
        assertTrue(bits == 64 || d.size <= 4, "8-byte accesses only in 64-bit code");
        assertTrue(d.length >= 1 && d.length <= available, "instruction length within the bytes");
        assertTrue(d.segment >= MmioDecoder.ES && d.segment <= MmioDecoder.GS, "a segment register");
        assertTrue(d.register >= -1 && d.register <= 15, "a GPR or an immediate");
        assertTrue(d.register >= 0 || d.write, "only writes have an immediate source");
        assertTrue(bits == 64 || d.register <= 7, "r8-r15 need a REX prefix");
        assertTrue(!d.highByte || (d.size == 1 && d.register <= 3), "AH, CH, DH, BH are byte registers 0-3");
        if (bits != 64) {
            assertEquals(0, d.effectiveAddress >>> 32, "a 16- or 32-bit address");
        }
        long mask = MmioDecoder.mask(d.size);
        if (d.write) {
            assertEquals(0, d.writeValue(gprs) & ~mask, "the write value fits the access size");
        } else {
            assertTrue(d.destinationSize >= d.size, "the destination is at least as wide as the access");
            long old = gprs[d.register];
            long merged = d.mergeRead(old, -1L);
            if (d.highByte) {
                assertEquals(old & ~0xff00L, merged & ~0xff00L, "a high-byte read keeps the rest");
            } else if (d.zeroExtend) {
                assertEquals(0, merged >>> 32, "a 32-bit read in 64-bit code zero-extends");
            } else {
                long kept = ~MmioDecoder.mask(d.destinationSize);
                assertEquals(old & kept, merged & kept, "the read keeps the register's bytes above the destination");
            }
            assertEquals(mask, (merged >>> (d.highByte ? 8 : 0)) & mask, "the read's bytes land");
        }
    }
}
