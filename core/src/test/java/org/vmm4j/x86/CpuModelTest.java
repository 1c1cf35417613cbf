package org.vmm4j.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmm4j.CpuidEntry;

class CpuModelTest {

    /** KVM_GET_SUPPORTED_CPUID of a hardware host with AVX-512 and PKU (leaves that matter here). */
    static final List<CpuidEntry> HARDWARE = List.of(
            new CpuidEntry(0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69),
            new CpuidEntry(1, 0, 0, 0x000806f8, 0x00000800, 0xf7fa3223, 0x078bfbff),
            new CpuidEntry(7, 0, 1, 1, 0xf1bf2ffb, 0x1b415f7e, 0xa7c14410),
            new CpuidEntry(7, 1, 1, 0x00001c30, 0, 0, 0),
            new CpuidEntry(0xd, 0, 1, 0x000602e7, 0x00000a88, 0x00002b00, 0),
            new CpuidEntry(0xd, 1, 1, 0x0000000f, 0x00000000, 0, 0),
            new CpuidEntry(0xd, 2, 1, 0x00000100, 0x00000240, 0, 0),
            new CpuidEntry(0xd, 5, 1, 0x00000040, 0x00000440, 0, 0),
            new CpuidEntry(0xd, 6, 1, 0x00000200, 0x00000480, 0, 0),
            new CpuidEntry(0xd, 7, 1, 0x00000400, 0x00000680, 0, 0),
            new CpuidEntry(0xd, 9, 1, 0x00000008, 0x00000a80, 0, 0),
            new CpuidEntry(0xd, 17, 1, 0x00000040, 0x00000ac0, 0, 0),
            new CpuidEntry(0xd, 18, 1, 0x00002000, 0x00000b00, 0, 0),
            new CpuidEntry(0x4000_0000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x0000004d),
            new CpuidEntry(0x4000_0001, 0, 0, 0x01007efb, 0, 0, 0),
            new CpuidEntry(0x8000_0001, 0, 0, 0, 0, 0x00000121, 0x2c100800));

    /** KVM_GET_SUPPORTED_CPUID as KVM through kvm_pvm reported it on this project's build machine. */
    static final List<CpuidEntry> PVM = List.of(
            new CpuidEntry(0, 0, 0, 0x24, 0x756e6547, 0x6c65746e, 0x49656e69),
            new CpuidEntry(1, 0, 0, 0x000a0671, 0x00020800, 0x81202000, 0x0f8bfbff),
            new CpuidEntry(7, 0, 1, 2, 0x01802852, 0x1a010104, 0x20010000),
            new CpuidEntry(0xd, 0, 1, 0x000000e7, 0x00000a80, 0x00000a80, 0),
            new CpuidEntry(0x4000_0000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x0000004d),
            new CpuidEntry(0x4000_0001, 0, 0, 0x01007efb, 0, 0, 0));

    private static CpuidEntry find(List<CpuidEntry> l, int function, int index) {
        return l.stream()
                .filter(e -> e.function() == function && e.index() == index)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no leaf " + Integer.toHexString(function) + "." + index));
    }

    private static boolean has(List<CpuidEntry> cpuid, CpuFeature f) {
        return CpuModel.offers(cpuid, f);
    }

    @Test
    void parsesBasesAndEditsAndPrintsThemBack() {
        assertEquals(CpuModel.host(), CpuModel.parse("host"));
        assertEquals(CpuModel.baseline(), CpuModel.parse(" Baseline "));
        assertEquals(CpuModel.auto(), CpuModel.parse("auto"));
        CpuModel m = CpuModel.parse("baseline,+popcnt,-x2apic,-kvm-pv");
        assertEquals(CpuModel.Base.BASELINE, m.base());
        assertEquals(Set.of(CpuFeature.POPCNT), m.added());
        assertEquals(Set.of(CpuFeature.X2APIC), m.removed());
        assertFalse(m.kvmPv());
        assertEquals("baseline,+popcnt,-x2apic,-kvm-pv", m.toString());
        assertEquals(m, CpuModel.parse(m.toString()));
        assertEquals(
                CpuModel.baseline()
                        .with(CpuFeature.POPCNT)
                        .without(CpuFeature.X2APIC)
                        .withKvmPv(false),
                m);
    }

    @Test
    void acceptsQemuSpellingsOfLinuxNames() {
        CpuModel m = CpuModel.parse("host,-SSE4.2,-tsc-deadline,-sse3,-avx512-bf16");
        assertEquals(
                Set.of(CpuFeature.SSE4_2, CpuFeature.TSC_DEADLINE_TIMER, CpuFeature.PNI, CpuFeature.AVX512_BF16),
                m.removed());
        assertEquals("host,-sse4_2,-tsc_deadline_timer,-pni,-avx512_bf16", m.toString());
    }

    @Test
    void unknownFeatureIsNamedWithTheClosestKnownName() {
        var e = assertThrows(IllegalArgumentException.class, () -> CpuModel.parse("baseline,+popcnf"));
        assertTrue(e.getMessage().contains("unknown CPU feature 'popcnf' (did you mean popcnt?)"), e.getMessage());
        var far = assertThrows(IllegalArgumentException.class, () -> CpuModel.parse("host,-qqqqqqqqqq"));
        assertTrue(far.getMessage().contains("'qqqqqqqqqq'"), far.getMessage());
        assertFalse(far.getMessage().contains("did you mean"), far.getMessage());
        var pv = assertThrows(IllegalArgumentException.class, () -> CpuModel.parse("host,-kvmpvv"));
        assertTrue(pv.getMessage().contains("did you mean kvm-pv?"), pv.getMessage());
    }

    @Test
    void unknownBaseIsNamedWithTheChoices() {
        var e = assertThrows(IllegalArgumentException.class, () -> CpuModel.parse("hots,+popcnt"));
        assertTrue(e.getMessage().contains("unknown CPU model 'hots'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean host?"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CpuModel.parse(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"host,popcnt", "host,+", "host,", "baseline,,-popcnt", "host,*popcnt"})
    void editsNeedASignAndAName(String spec) {
        var e = assertThrows(IllegalArgumentException.class, () -> CpuModel.parse(spec));
        assertTrue(e.getMessage().contains("must be +feature or -feature"), e.getMessage());
    }

    @Test
    void contradictoryEditsAreRefusedNamingBoth() {
        var e = assertThrows(IllegalArgumentException.class, () -> CpuModel.parse("host,+popcnt,-popcnt"));
        assertEquals("-popcnt contradicts +popcnt in host,+popcnt", e.getMessage());
        var reverse = assertThrows(IllegalArgumentException.class, () -> CpuModel.parse("host,-popcnt,+popcnt"));
        assertEquals("+popcnt contradicts -popcnt in host,-popcnt", reverse.getMessage());
        var pv = assertThrows(IllegalArgumentException.class, () -> CpuModel.parse("auto,+kvm-pv,-kvm-pv"));
        assertEquals("-kvm-pv contradicts +kvm-pv in auto,+kvm-pv", pv.getMessage());
        assertEquals(CpuModel.parse("host,-popcnt"), CpuModel.parse("host,-popcnt,-popcnt"), "repeating is fine");
    }

    @Test
    void anEditNeedingAFeatureTheModelHidesSaysWhichToAdd() {
        var byBase = assertThrows(
                IllegalArgumentException.class,
                () -> CpuModel.parse("baseline,+avx2").apply(HARDWARE));
        assertTrue(
                byBase.getMessage().contains("+avx2 needs xsave, and baseline hides it; add +xsave"),
                byBase.getMessage());
        var byEdit = assertThrows(
                IllegalArgumentException.class,
                () -> CpuModel.parse("host,+avx,-xsave").apply(HARDWARE));
        assertTrue(byEdit.getMessage().contains("+avx needs xsave, and -xsave hides it"), byEdit.getMessage());
        List<CpuidEntry> fixed = CpuModel.parse("baseline,+avx2,+xsave").apply(HARDWARE);
        assertTrue(has(fixed, CpuFeature.AVX2) && has(fixed, CpuFeature.XSAVE) && has(fixed, CpuFeature.AVX));
        assertFalse(has(fixed, CpuFeature.POPCNT));
    }

    @Test
    void hostKeepsEverythingTheHypervisorOffersAndSetsTheHypervisorBit() {
        List<CpuidEntry> host = CpuModel.host().apply(HARDWARE);
        for (CpuFeature f : CpuFeature.values()) {
            assertEquals(has(HARDWARE, f) || f == CpuFeature.HYPERVISOR, has(host, f), f.toString());
        }
        assertEquals(HARDWARE.size(), host.size(), "paravirtual leaves kept");
        assertEquals(find(HARDWARE, 0xd, 0), find(host, 0xd, 0));
    }

    @Test
    void baselineHidesTheListedFeaturesAndAllThatNeedXsave() {
        List<CpuidEntry> baseline = CpuModel.baseline().apply(HARDWARE);
        for (CpuFeature f : CpuModel.BASELINE_HIDES) {
            assertTrue(has(HARDWARE, f), f + " is in the hardware list, so hiding it is observable");
            assertFalse(has(baseline, f), f.toString());
        }
        for (CpuFeature f : List.of(
                CpuFeature.AVX,
                CpuFeature.AVX2,
                CpuFeature.FMA,
                CpuFeature.F16C,
                CpuFeature.AVX512F,
                CpuFeature.AVX512VL,
                CpuFeature.AVX512_BF16,
                CpuFeature.AVX_VNNI,
                CpuFeature.XSAVEOPT,
                CpuFeature.XSAVES,
                CpuFeature.OSPKE,
                CpuFeature.AMX_TILE,
                CpuFeature.AMX_INT8)) {
            assertTrue(has(HARDWARE, f), f.toString());
            assertFalse(has(baseline, f), f + " needs a feature baseline hides");
        }
        for (CpuFeature kept : List.of(
                CpuFeature.SSE4_2,
                CpuFeature.X2APIC,
                CpuFeature.TSC_DEADLINE_TIMER,
                CpuFeature.MOVBE,
                CpuFeature.ERMS)) {
            assertTrue(has(baseline, kept), kept + " is not baseline's to hide");
        }
        for (CpuidEntry e : baseline) {
            if (e.function() == 0xd) {
                assertEquals(
                        new CpuidEntry(0xd, e.index(), e.flags(), 0, 0, 0, 0), e, "leaf 0xd emptied without XSAVE");
            }
        }
        assertTrue(find(baseline, 0x4000_0000, 0).ebx() != 0, "baseline keeps the paravirtual leaves");
        assertEquals(find(HARDWARE, 1, 0).edx(), find(baseline, 1, 0).edx(), "leaf 1 EDX untouched");
    }

    @Test
    void hidingAvxKeepsXsaveButDropsTheAvxStateComponents() {
        List<CpuidEntry> cpuid = CpuModel.parse("host,-avx").apply(HARDWARE);
        assertTrue(has(cpuid, CpuFeature.XSAVE));
        assertFalse(has(cpuid, CpuFeature.AVX512F), "AVX-512F needs AVX");
        CpuidEntry xcr0 = find(cpuid, 0xd, 0);
        assertEquals(0x0006_0203, xcr0.eax(), "x87, SSE, PKRU and AMX components remain");
        assertEquals(0xb00 + 0x2000, xcr0.ecx(), "largest area: AMX tile data ends at 0xb00 + 0x2000");
        assertEquals(0, find(cpuid, 0xd, 2).eax(), "YMM component gone");
        assertEquals(0x0000_0008, find(cpuid, 0xd, 9).eax(), "PKRU component kept");
        assertEquals(0x0000_000f, find(cpuid, 0xd, 1).eax(), "XSAVEOPT and friends kept");

        CpuidEntry small = find(CpuModel.parse("host,-avx,-amx_tile").apply(HARDWARE), 0xd, 0);
        assertEquals(0x0000_0203, small.eax());
        assertEquals(0xa80 + 8, small.ecx(), "area now ends after PKRU");
    }

    @Test
    void hidingAFeatureInEachRegisterClearsExactlyItsBits() {
        for (CpuFeature f : List.of(
                CpuFeature.POPCNT,
                CpuFeature.SSE2,
                CpuFeature.FSGSBASE,
                CpuFeature.UMIP,
                CpuFeature.MD_CLEAR,
                CpuFeature.AVX512_BF16,
                CpuFeature.XSAVEC,
                CpuFeature.LAHF_LM,
                CpuFeature.RDTSCP)) {
            assertTrue(has(HARDWARE, f), f.toString());
            List<CpuidEntry> cpuid = CpuModel.host().without(f).apply(HARDWARE);
            assertFalse(has(cpuid, f), f.toString());
            for (CpuFeature other : CpuFeature.values()) {
                boolean dependsOnF =
                        CpuModel.host().without(f).allHiddenFeatures().contains(other);
                if (!dependsOnF && other != CpuFeature.HYPERVISOR) {
                    assertEquals(has(HARDWARE, other), has(cpuid, other), "-" + f + " changed " + other);
                }
            }
        }
    }

    @Test
    void kvmPvOffDropsTheHypervisorLeavesAndMinusHypervisorClearsTheBit() {
        List<CpuidEntry> cpuid = CpuModel.parse("host,-kvm-pv,-hypervisor").apply(HARDWARE);
        assertTrue(cpuid.stream().noneMatch(e -> e.function() >= 0x4000_0000 && e.function() < 0x5000_0000));
        assertFalse(has(cpuid, CpuFeature.HYPERVISOR));
        assertEquals(HARDWARE.size() - 2, cpuid.size());
    }

    @Test
    void autoIsBaselineWithoutPvWhereGuestCodeIsEmulatedAndHostElsewhere() {
        assertEquals(CpuModel.parse("baseline,-kvm-pv"), CpuModel.auto().resolve(true));
        assertEquals(CpuModel.host(), CpuModel.auto().resolve(false));
        assertEquals(
                CpuModel.parse("baseline,+popcnt,+kvm-pv"),
                CpuModel.parse("auto,+popcnt,+kvm-pv").resolve(true));
        assertEquals(
                CpuModel.parse("host,-x2apic"), CpuModel.parse("auto,-x2apic").resolve(false));
        assertEquals(CpuModel.host(), CpuModel.host().resolve(true), "only auto follows the host");
        var unresolved =
                assertThrows(IllegalStateException.class, () -> CpuModel.auto().apply(HARDWARE));
        assertTrue(unresolved.getMessage().contains("resolve it"), unresolved.getMessage());
    }

    @Test
    void featuresTheHypervisorCannotOfferAreRefusedNamingEachAndItsBit() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> CpuModel.parse("host,+avx512f,+popcnt,+x2apic").apply(PVM));
        assertEquals(
                "the hypervisor cannot offer avx512f (CPUID.(EAX=0x7,ECX=0):EBX[bit 16]),"
                        + " popcnt (CPUID.(EAX=0x1,ECX=0):ECX[bit 23])",
                e.getMessage());
        List<CpuidEntry> hw = CpuModel.parse("host,+avx512f,+popcnt").apply(HARDWARE);
        assertTrue(has(hw, CpuFeature.AVX512F));
        var pv = assertThrows(
                IllegalArgumentException.class,
                () -> CpuModel.parse("host,+kvm-pv").apply(HARDWARE.subList(0, 13)));
        assertTrue(pv.getMessage().contains("kvm-pv (no CPUID leaf 0x40000000)"), pv.getMessage());
    }

    @Test
    void autoOnThePvmHostHasNoneOfTheListedBitsAndNoParavirtualLeaves() {
        List<CpuidEntry> cpuid = CpuModel.auto().resolve(true).apply(PVM);
        for (CpuFeature f : CpuModel.BASELINE_HIDES) {
            assertFalse(has(cpuid, f), f.toString());
        }
        assertTrue(has(cpuid, CpuFeature.X2APIC), "x2apic is KVM's to offer here and baseline keeps it");
        assertNotEquals(find(PVM, 7, 0).ecx(), find(cpuid, 7, 0).ecx(), "umip cleared in leaf 7 ECX");
        assertTrue(cpuid.stream().noneMatch(e -> e.function() == 0x4000_0000));
    }

    @Test
    void clearcpuidGivesLinuxsNumbersForWhatTheModelHidesItself() {
        // arch/x86/include/asm/cpufeatures.h: CX16 4*32+13, POPCNT 4*32+23, XSAVE 4*32+26, RDRAND 4*32+30, FSGSBASE
        // 9*32+0,
        // SMEP 9*32+7, RDSEED 9*32+18, SMAP 9*32+20, UMIP 16*32+2, PKU 16*32+3, X2APIC 4*32+21
        assertEquals(
                "clearcpuid=141,151,154,158,288,295,306,308,514,515",
                CpuModel.baseline().linuxClearcpuid());
        assertEquals(
                "clearcpuid=141,151,158,288,295,306,308,514,515,149",
                CpuModel.parse("baseline,+xsave,-x2apic").linuxClearcpuid());
        assertEquals("", CpuModel.host().linuxClearcpuid());
        assertEquals("", CpuModel.parse("host,-invtsc").linuxClearcpuid(), "Linux has no number for leaf 0x80000007");
    }

    @Test
    void aClearcpuidLongerThanLinuxReadsIsRefused() {
        CpuModel many = CpuModel.baseline();
        for (CpuFeature f : CpuFeature.values()) {
            if (f.leaf() == 0x8000_0001) {
                many = many.without(f);
            }
        }
        CpuModel tooMany = many;
        var e = assertThrows(IllegalArgumentException.class, tooMany::linuxClearcpuid);
        assertTrue(e.getMessage().contains("longer than the 127 characters Linux reads"), e.getMessage());
    }
}
