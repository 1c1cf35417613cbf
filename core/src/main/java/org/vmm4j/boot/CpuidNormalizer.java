package org.vmm4j.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.vmm4j.CpuidEntry;

/**
 * Turns the CPUID leaves of a CPU model ({@link org.vmm4j.x86.CpuModel#apply}) into what one vCPU of an
 * N-vCPU machine should see: its APIC id and a topology of one package with N single-threaded cores. The
 * feature bits, the hypervisor bit among them, are the model's. A pure function: the input list is not
 * changed.
 *
 * <ul>
 * <li>leaf 1: EBX[31:24] initial APIC id, EBX[23:16] logical processors per package, EDX bit 28 (HTT: more
 *     than one logical processor)</li>
 * <li>leaf 4 (Intel caches): EAX[31:26] cores per package - 1; EAX[25:14] logical processors
 *     sharing the cache - 1 (1 for L1/L2, all for L3)</li>
 * <li>leaves 0xb and 0x1f (extended topology): an SMT level of 1 thread, a core level of N, the
 *     x2APIC id in EDX of every subleaf</li>
 * <li>AMD: leaf 0x80000001 ECX bit 1 (CmpLegacy), 0x80000008 ECX (core count and APIC id
 *     size), 0x8000001e (extended APIC id, core id)</li>
 * </ul>
 */
public final class CpuidNormalizer {

    public static final int LEAF1_ECX_HYPERVISOR = 1 << 31;
    public static final int LEAF1_EDX_HTT = 1 << 28;
    public static final int AMD_80000001_ECX_CMP_LEGACY = 1 << 1;
    public static final int TOPOLOGY_LEVEL_SMT = 1;
    public static final int TOPOLOGY_LEVEL_CORE = 2;

    private CpuidNormalizer() {}

    /**
     * The leaves for vCPU {@code vcpuId} (which is also its APIC id) of {@code vcpuCount}.
     *
     * @throws BootException if the count is not positive, the id is not below it, or the count
     *         does not fit an 8-bit APIC id
     */
    public static List<CpuidEntry> normalize(List<CpuidEntry> supported, int vcpuId, int vcpuCount) {
        if (vcpuCount < 1 || vcpuCount > 255) {
            throw new BootException("CPUID topology needs 1 to 255 vCPUs, not " + vcpuCount);
        }
        if (vcpuId < 0 || vcpuId >= vcpuCount) {
            throw new BootException("vCPU id " + vcpuId + " is outside 0.." + (vcpuCount - 1));
        }
        String vendor = vendor(supported);
        boolean intel = vendor.equals("GenuineIntel");
        boolean amd = vendor.equals("AuthenticAMD") || vendor.equals("HygonGenuine");
        int coreShift = 32 - Integer.numberOfLeadingZeros(vcpuCount - 1);
        List<CpuidEntry> out = new ArrayList<>(supported.size());
        for (CpuidEntry e : supported) {
            out.add(
                    switch (e.function()) {
                        case 0x1 -> leaf1(e, vcpuId, vcpuCount);
                        case 0x4 -> intel ? leaf4(e, vcpuCount) : e;
                        case 0xb, 0x1f -> topology(e, vcpuId, vcpuCount, coreShift);
                        case 0x8000_0001 ->
                            amd
                                    ? e.withEcx(
                                            vcpuCount > 1
                                                    ? e.ecx() | AMD_80000001_ECX_CMP_LEGACY
                                                    : e.ecx() & ~AMD_80000001_ECX_CMP_LEGACY)
                                    : e;
                        case 0x8000_0008 ->
                            amd ? e.withEcx((e.ecx() & ~0xf0ff) | (coreShift << 12) | (vcpuCount - 1)) : e;
                        case 0x8000_001e ->
                            amd
                                    ? new CpuidEntry(
                                            e.function(), e.index(), e.flags(), vcpuId, vcpuId & 0xff, 0, e.edx())
                                    : e;
                        default -> e;
                    });
        }
        return List.copyOf(out);
    }

    /** The vendor string of leaf 0 (EBX, EDX, ECX), or "" without one. */
    public static String vendor(List<CpuidEntry> entries) {
        for (CpuidEntry e : entries) {
            if (e.function() == 0) {
                ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(e.ebx()).putInt(e.edx()).putInt(e.ecx());
                return new String(b.array(), StandardCharsets.US_ASCII);
            }
        }
        return "";
    }

    private static CpuidEntry leaf1(CpuidEntry e, int apicId, int count) {
        int ebx = (e.ebx() & 0x0000_ffff) | (apicId << 24) | (count << 16);
        int edx = count > 1 ? e.edx() | LEAF1_EDX_HTT : e.edx() & ~LEAF1_EDX_HTT;
        return new CpuidEntry(e.function(), e.index(), e.flags(), e.eax(), ebx, e.ecx(), edx);
    }

    private static CpuidEntry leaf4(CpuidEntry e, int count) {
        if ((e.eax() & 0x1f) == 0) {
            return e; // no more caches
        }
        int level = (e.eax() >>> 5) & 0x7;
        int sharing = level >= 3 ? Math.min(count, 4096) - 1 : 0;
        int cores = Math.min(count, 64) - 1;
        return e.withEax((e.eax() & 0x3fff) | (sharing << 14) | (cores << 26));
    }

    private static CpuidEntry topology(CpuidEntry e, int apicId, int count, int coreShift) {
        int index = e.index();
        return switch (index) {
            case 0 -> new CpuidEntry(e.function(), index, e.flags(), 0, 1, (TOPOLOGY_LEVEL_SMT << 8), apicId);
            case 1 ->
                new CpuidEntry(
                        e.function(), index, e.flags(), coreShift, count, (TOPOLOGY_LEVEL_CORE << 8) | 1, apicId);
            default -> new CpuidEntry(e.function(), index, e.flags(), 0, 0, index & 0xff, apicId);
        };
    }
}
