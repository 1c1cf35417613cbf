package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.CpuidEntry;

class CpuidNormalizerTest {

    // "GenuineIntel" and "AuthenticAMD" as leaf 0 returns them: EBX, EDX, ECX
    private static final CpuidEntry INTEL = new CpuidEntry(0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69);
    private static final CpuidEntry AMD = new CpuidEntry(0, 0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65);
    private static final CpuidEntry LEAF1 = new CpuidEntry(1, 0, 0, 0x000906ea, 0x0f100800, 0x7ffafbff, 0x0fabfbff);

    private static CpuidEntry find(List<CpuidEntry> l, int function, int index) {
        return l.stream()
                .filter(e -> e.function() == function && e.index() == index)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void setsApicIdAndLogicalCountInLeaf1() {
        List<CpuidEntry> out = CpuidNormalizer.normalize(List.of(INTEL, LEAF1), 3, 4);
        CpuidEntry l1 = find(out, 1, 0);
        assertEquals(3, l1.ebx() >>> 24, "initial APIC id");
        assertEquals(4, (l1.ebx() >>> 16) & 0xff, "logical processors");
        assertEquals(0x0800, l1.ebx() & 0xffff, "CLFLUSH size and brand index kept");
        assertEquals(0x000906ea, l1.eax(), "signature kept");
    }

    @Test
    void leavesTheFeatureBitsToTheCpuModel() {
        CpuidEntry l1 = find(CpuidNormalizer.normalize(List.of(INTEL, LEAF1), 0, 1), 1, 0);
        assertEquals(LEAF1.ecx(), l1.ecx(), "no hypervisor bit added: the CPU model sets or clears it");
        CpuidEntry withBit = find(CpuidNormalizer.normalize(List.of(INTEL, LEAF1.withEcx(0xfffafbff)), 0, 1), 1, 0);
        assertEquals(0xfffafbff, withBit.ecx());
    }

    @Test
    void setsHttOnlyForMoreThanOneVcpu() {
        assertEquals(
                0,
                find(CpuidNormalizer.normalize(List.of(INTEL, LEAF1), 0, 1), 1, 0)
                                .edx()
                        & (1 << 28));
        assertEquals(
                1 << 28,
                find(CpuidNormalizer.normalize(List.of(INTEL, LEAF1), 0, 2), 1, 0)
                                .edx()
                        & (1 << 28));
    }

    @Test
    void writesCoreCountsIntoIntelCacheLeaf() {
        CpuidEntry l1d = new CpuidEntry(4, 0, 1, 0x1c004121, 0x01c0003f, 0x3f, 0); // L1 data, 8 cores sharing 2
        CpuidEntry l3 = new CpuidEntry(4, 3, 1, 0x1c03c163, 0x03c0003f, 0x2fff, 6); // L3
        CpuidEntry none = new CpuidEntry(4, 4, 1, 0, 0, 0, 0);
        List<CpuidEntry> out = CpuidNormalizer.normalize(List.of(INTEL, l1d, l3, none), 1, 6);
        assertEquals(5, find(out, 4, 0).eax() >>> 26, "cores per package - 1");
        assertEquals(0, (find(out, 4, 0).eax() >>> 14) & 0xfff, "L1 not shared between cores");
        assertEquals(0x121, find(out, 4, 0).eax() & 0x3fff, "cache type and level kept");
        assertEquals(5, (find(out, 4, 3).eax() >>> 14) & 0xfff, "L3 shared by all 6");
        assertEquals(0, find(out, 4, 4).eax(), "terminating subleaf untouched");
    }

    @Test
    void describesExtendedTopologyForEachVcpu() {
        CpuidEntry b0 = new CpuidEntry(0xb, 0, 1, 1, 2, 0x100, 7);
        CpuidEntry b1 = new CpuidEntry(0xb, 1, 1, 4, 16, 0x201, 7);
        CpuidEntry b2 = new CpuidEntry(0xb, 2, 1, 0, 0, 2, 7);
        List<CpuidEntry> out = CpuidNormalizer.normalize(List.of(INTEL, b0, b1, b2), 2, 3);
        CpuidEntry smt = find(out, 0xb, 0);
        assertEquals(0, smt.eax(), "no SMT bits");
        assertEquals(1, smt.ebx(), "one thread per core");
        assertEquals(0x100, smt.ecx(), "level 0 is SMT");
        assertEquals(2, smt.edx(), "x2APIC id");
        CpuidEntry core = find(out, 0xb, 1);
        assertEquals(2, core.eax(), "3 cores need 2 APIC id bits");
        assertEquals(3, core.ebx());
        assertEquals(0x201, core.ecx(), "level 1 is core");
        assertEquals(2, core.edx());
        CpuidEntry invalid = find(out, 0xb, 2);
        assertEquals(0, invalid.ebx());
        assertEquals(2, invalid.ecx(), "level type 0: invalid");
        assertEquals(2, invalid.edx());
    }

    @Test
    void normalizesAmdLeaves() {
        CpuidEntry ext1 = new CpuidEntry(0x8000_0001, 0, 0, 0, 0, 0, 0);
        CpuidEntry ext8 = new CpuidEntry(0x8000_0008, 0, 0, 0x3030, 0, 0x7007, 0);
        CpuidEntry ext1e = new CpuidEntry(0x8000_001e, 0, 0, 9, 0x100, 0x300, 0);
        List<CpuidEntry> out = CpuidNormalizer.normalize(List.of(AMD, ext1, ext8, ext1e), 5, 8);
        assertEquals(2, find(out, 0x8000_0001, 0).ecx() & 2, "CmpLegacy");
        assertEquals(7, find(out, 0x8000_0008, 0).ecx() & 0xff, "NC = 8 - 1");
        assertEquals(3, (find(out, 0x8000_0008, 0).ecx() >>> 12) & 0xf, "ApicIdCoreIdSize");
        assertEquals(5, find(out, 0x8000_001e, 0).eax(), "extended APIC id");
        assertEquals(5, find(out, 0x8000_001e, 0).ebx(), "core id, one thread per core");
    }

    @Test
    void leavesIntelExtendedLeavesAlone() {
        CpuidEntry ext8 = new CpuidEntry(0x8000_0008, 0, 0, 0x3027, 0, 0, 0);
        assertEquals(ext8, find(CpuidNormalizer.normalize(List.of(INTEL, ext8), 1, 2), 0x8000_0008, 0));
    }

    @Test
    void doesNotChangeItsInput() {
        List<CpuidEntry> in = List.of(INTEL, LEAF1);
        List<CpuidEntry> out = CpuidNormalizer.normalize(in, 1, 2);
        assertEquals(0x0f100800, in.get(1).ebx());
        assertNotSame(in, out);
        assertEquals(2, out.size());
    }

    @Test
    void rejectsVcpuIdOutsideTheCount() {
        assertThrows(BootException.class, () -> CpuidNormalizer.normalize(List.of(INTEL), 2, 2));
        assertThrows(BootException.class, () -> CpuidNormalizer.normalize(List.of(INTEL), 0, 0));
    }

    @Test
    void readsVendorString() {
        assertEquals("GenuineIntel", CpuidNormalizer.vendor(List.of(INTEL)));
        assertEquals("AuthenticAMD", CpuidNormalizer.vendor(List.of(AMD)));
    }
}
