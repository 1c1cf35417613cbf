package org.vmm4j.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CpuFeatureTest {

    @Test
    void everyBitHasOneNameAndEveryNameOneBit() {
        Map<String, CpuFeature> bits = new HashMap<>();
        for (CpuFeature f : CpuFeature.values()) {
            assertTrue(f.bit() >= 0 && f.bit() < 32, f.toString());
            String where = f.location();
            CpuFeature before = bits.put(where, f);
            assertEquals(null, before, where + " named twice: " + before + " and " + f);
            assertEquals(Optional.of(f), CpuFeature.byName(f.linuxName()));
        }
    }

    @Test
    void bitsAreWhereTheSdmPutsThem() {
        assertEquals("CPUID.(EAX=0x1,ECX=0):ECX[bit 23]", CpuFeature.POPCNT.location());
        assertEquals("CPUID.(EAX=0x1,ECX=0):ECX[bit 26]", CpuFeature.XSAVE.location());
        assertEquals("CPUID.(EAX=0x7,ECX=0):EBX[bit 0]", CpuFeature.FSGSBASE.location());
        assertEquals("CPUID.(EAX=0x7,ECX=0):EBX[bit 20]", CpuFeature.SMAP.location());
        assertEquals("CPUID.(EAX=0x7,ECX=0):ECX[bit 2]", CpuFeature.UMIP.location());
        assertEquals("CPUID.(EAX=0xd,ECX=1):EAX[bit 0]", CpuFeature.XSAVEOPT.location());
        assertEquals("CPUID.(EAX=0x80000001,ECX=0):EDX[bit 29]", CpuFeature.LM.location());
        assertEquals(1 << 30, CpuFeature.RDRAND.mask());
    }

    @Test
    void linuxNumbersFollowCpufeaturesH() {
        assertEquals(OptionalInt.of(4 * 32 + 23), CpuFeature.POPCNT.linuxBit());
        assertEquals(OptionalInt.of(0 * 32 + 25), CpuFeature.SSE.linuxBit());
        assertEquals(OptionalInt.of(1 * 32 + 27), CpuFeature.RDTSCP.linuxBit());
        assertEquals(OptionalInt.of(6 * 32 + 0), CpuFeature.LAHF_LM.linuxBit());
        assertEquals(OptionalInt.of(9 * 32 + 20), CpuFeature.SMAP.linuxBit());
        assertEquals(OptionalInt.of(10 * 32 + 0), CpuFeature.XSAVEOPT.linuxBit());
        assertEquals(OptionalInt.of(12 * 32 + 5), CpuFeature.AVX512_BF16.linuxBit());
        assertEquals(OptionalInt.of(14 * 32 + 2), CpuFeature.ARAT.linuxBit());
        assertEquals(OptionalInt.of(16 * 32 + 3), CpuFeature.PKU.linuxBit());
        assertEquals(OptionalInt.of(18 * 32 + 10), CpuFeature.MD_CLEAR.linuxBit());
        assertEquals(OptionalInt.empty(), CpuFeature.INVTSC.linuxBit());
    }

    @Test
    void spellingsFoldCaseAndSeparators() {
        assertEquals(Optional.of(CpuFeature.SSE4_1), CpuFeature.byName("sse4.1"));
        assertEquals(Optional.of(CpuFeature.SSE4_1), CpuFeature.byName("SSE4-1"));
        assertEquals(Optional.of(CpuFeature.TSC_DEADLINE_TIMER), CpuFeature.byName("tsc-deadline"));
        assertEquals(Optional.of(CpuFeature.PNI), CpuFeature.byName("sse3"));
        assertEquals(Optional.empty(), CpuFeature.byName("popcnf"));
    }

    @Test
    void dependenciesFollowTheArchitecture() {
        assertEquals(Set.of(CpuFeature.XSAVE), CpuFeature.AVX.requires());
        assertEquals(Set.of(CpuFeature.AVX), CpuFeature.AVX2.requires());
        assertEquals(Set.of(CpuFeature.AVX512F), CpuFeature.AVX512VL.requires());
        assertEquals(Set.of(CpuFeature.PKU), CpuFeature.OSPKE.requires());
        assertEquals(Set.of(), CpuFeature.POPCNT.requires());
    }

    @Test
    void closestNameIsSuggested() {
        assertEquals(" (did you mean fsgsbase?)", FeatureNames.suggestion("fsgbase", List.of("fsgsbase", "smap")));
        assertEquals(3, FeatureNames.distance("kitten", "sitting"));
    }
}
