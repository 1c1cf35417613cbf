package org.vmm4j.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KnownInstructionTest {

    private static byte[] hex(String bytes) {
        return HexFormat.ofDelimiter(" ").parseHex(bytes);
    }

    private static Optional<KnownInstruction> identify64(String bytes) {
        byte[] code = hex(bytes);
        return KnownInstruction.identify(code, code.length, true);
    }

    /** Bytes (followed by unrelated ones, as KVM's 15-byte fetch gives them), name, feature, length. */
    @ParameterizedTest
    @CsvSource({
        "f3 48 0f b8 c7 90 90, POPCNT, popcnt, 5",
        "f3 0f b8 04 25 00 10 00 00 90, POPCNT, popcnt, 9", // popcnt eax, [0x1000]: SIB + disp32
        "66 f3 0f b8 c1, POPCNT, popcnt, 5",
        "f3 48 0f bc c0, TZCNT, bmi1, 5",
        "f3 0f bd c0, LZCNT, abm, 4",
        "0f ae 27 90, XSAVE, xsave, 3",
        "48 0f ae 2f 90, XRSTOR, xsave, 4", // xrstor64 [rdi]
        "0f ae 6c 24 40, XRSTOR, xsave, 5", // xrstor [rsp+0x40]: SIB + disp8
        "48 0f ae b7 00 01 00 00, XSAVEOPT, xsaveopt, 8", // disp32
        "48 0f c7 27, XSAVEC, xsavec, 4",
        "48 0f c7 2f, XSAVES, xsaves, 4",
        "48 0f c7 1f, XRSTORS, xsaves, 4",
        "f3 48 0f ae c0, RDFSBASE, fsgsbase, 5",
        "f3 48 0f ae c8, RDGSBASE, fsgsbase, 5",
        "f3 48 0f ae d7, WRFSBASE, fsgsbase, 5",
        "f3 48 0f ae df, WRGSBASE, fsgsbase, 5",
        "0f 01 ca, CLAC, smap, 3",
        "0f 01 cb, STAC, smap, 3",
        "0f 01 d0, XGETBV, xsave, 3",
        "0f 01 d1, XSETBV, xsave, 3",
        "0f 01 ee, RDPKRU, pku, 3",
        "0f 01 f9, RDTSCP, rdtscp, 3",
        "48 0f c7 f0, RDRAND, rdrand, 4",
        "0f c7 f8, RDSEED, rdseed, 3",
        "0f c7 f3, RDRAND, rdrand, 3",
        "f0 48 0f c7 4d 20 74 66, CMPXCHG16B, cx16, 6", // lock cmpxchg16b [rbp+0x20], seen in Debian's 6.1 kernel
        "f3 0f c7 f8, RDPID, rdpid, 4",
        "66 0f 38 f6 c1, ADCX, adx, 5",
        "66 0f ae 3f, CLFLUSHOPT, clflushopt, 4",
        "c5 f9 6f 07, an AVX instruction (VEX-encoded), avx, 4",
        "c4 e2 79 18 07, an AVX instruction (VEX-encoded), avx, 5",
        "2e 0f 01 ca, CLAC, smap, 4", // a segment override does not change the instruction
    })
    void namesTheInstructionItsFeatureAndLength(String bytes, String name, String feature, int length) {
        KnownInstruction i = identify64(bytes).orElseThrow(() -> new AssertionError("not identified: " + bytes));
        assertEquals(name, i.name());
        assertEquals(feature, i.feature());
        assertEquals(length, i.length());
        String hint = hiddenByBaseline(CpuFeature.byName(feature).orElseThrow())
                ? "use --cpu baseline or -" + feature
                : "use --cpu -" + feature + " (a CPU model edit)";
        assertEquals(name + ": " + hint, i.toString());
    }

    /** Independent of KnownInstruction: what baseline's CPUID filter actually clears, by the model's own list. */
    private static boolean hiddenByBaseline(CpuFeature f) {
        return CpuModel.BASELINE_HIDES.contains(f)
                || f.requires().stream().anyMatch(KnownInstructionTest::hiddenByBaseline);
    }

    @Test
    void everyHintNamesAFeatureTheCpuModelKnowsAndBaselineHidesTheOnesThisHostCannotEmulate() {
        for (String bytes : new String[] {"f3 48 0f b8 c3", "0f ae 27", "f0 48 0f c7 4d 20", "0f 01 ca", "0f c7 f3"}) {
            KnownInstruction i = identify64(bytes).orElseThrow();
            assertTrue(CpuFeature.byName(i.feature()).isPresent(), i.feature());
            assertEquals(i.name() + ": use --cpu baseline or -" + i.feature(), i.toString());
        }
        KnownInstruction tzcnt = identify64("f3 48 0f bc c3").orElseThrow();
        assertEquals("TZCNT: use --cpu -bmi1 (a CPU model edit)", tzcnt.toString());
    }

    @Test
    void int3IsKnownWithoutAFeatureToHide() {
        KnownInstruction i = identify64("cc 66 ba e9 00").orElseThrow();
        assertEquals("INT3", i.name());
        assertEquals(1, i.length());
        assertEquals(null, i.hint());
        assertEquals("INT3", i.toString());
    }

    @Test
    void fwaitIsKnownWithoutAFeatureToHide() {
        KnownInstruction i =
                identify64("9b 65 48 c7 05 cd e7 fd 7e 00 00 00 00 66 90").orElseThrow();
        assertEquals("FWAIT", i.name());
        assertEquals(1, i.length());
        assertEquals("FWAIT", i.toString());
    }

    @Test
    void iretIsNamedIn32BitCode() {
        byte[] iret = {(byte) 0xcf, 0};
        assertEquals(
                "IRET", KnownInstruction.identify(iret, 2, false).orElseThrow().name());
        assertTrue(KnownInstruction.identify(iret, 2, true).isEmpty(), "KVM nested through PVM completes IRETQ");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0f b8 c7", // POPCNT needs F3: without it, 0F B8 is JMPE
                "0f ae c0", // RDFSBASE needs F3
                "0f ae e8", // LFENCE (mod 11, no prefix)
                "0f c7 0f", // CMPXCHG8B, which KVM emulates
                "f0 0f c7 4d 20", // lock cmpxchg8b [rbp+0x20]: without REX.W
                "0f c7 37", // 0F C7 /6 with a memory operand is VMPTRLD, not RDRAND
                "0f 01 f8", // SWAPGS
                "90 90 90", // NOP
                "0f 0b", // UD2
                "48 89 e5", // mov rbp, rsp
            })
    void leavesOtherInstructionsUnnamed(String bytes) {
        Optional<KnownInstruction> i = identify64(bytes);
        assertTrue(i.isEmpty(), bytes + " identified as " + i);
    }

    @Test
    void bytesThatEndMidInstructionAreNotNamed() {
        assertTrue(identify64("f3 48 0f b8").isEmpty(), "no ModRM byte");
        assertTrue(identify64("0f ae 6c 24").isEmpty(), "the disp8 is missing");
        byte[] popcnt = hex("f3 48 0f b8 c7");
        assertTrue(KnownInstruction.identify(popcnt, 4, true).isEmpty(), "only 4 of 5 bytes valid");
        assertTrue(KnownInstruction.identify(new byte[0], 0, true).isEmpty());
    }

    @Test
    void rexIsAPrefixOnlyIn64BitMode() {
        byte[] code = hex("48 0f ae 27");
        assertEquals(
                "XSAVE",
                KnownInstruction.identify(code, code.length, true).orElseThrow().name());
        assertTrue(
                KnownInstruction.identify(code, code.length, false).isEmpty(),
                "in 32-bit code 0x48 is DEC EAX, which KVM emulates");
        byte[] xsave32 = hex("0f ae 27");
        assertEquals(
                "XSAVE",
                KnownInstruction.identify(xsave32, 3, false).orElseThrow().name());
    }

    @Test
    void sixteenBitAddressingIsMeasuredIn32BitCode() {
        byte[] code = hex("67 0f ae 26 00 10"); // xsave [0x1000] with 16-bit addressing: disp16
        assertEquals(
                6,
                KnownInstruction.identify(code, code.length, false)
                        .orElseThrow()
                        .length());
    }
}
