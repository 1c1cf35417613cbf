package org.vmm4j.x86;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * An x86 CPU feature a guest learns about through one CPUID bit, named as Linux names it in
 * {@code /proc/cpuinfo}: {@code popcnt},
 * {@code xsave}, {@code sse4_2}, {@code tsc_deadline_timer}. {@link #byName} also takes QEMU-style
 * spellings ({@code sse4.2}, {@code tsc-deadline}, {@code sse3}).
 *
 * <p>Some features only make sense with another one ({@link #requires()}): AVX needs XSAVE, the AVX-512
 * extensions need AVX-512F, OSPKE needs PKU. A {@link CpuModel} that removes a feature removes those that
 * need it too.
 */
public enum CpuFeature {
    PNI("pni", 0x1, 0, Register.ECX, 0),
    PCLMULQDQ("pclmulqdq", 0x1, 0, Register.ECX, 1),
    DTES64("dtes64", 0x1, 0, Register.ECX, 2),
    MONITOR("monitor", 0x1, 0, Register.ECX, 3),
    DS_CPL("ds_cpl", 0x1, 0, Register.ECX, 4),
    VMX("vmx", 0x1, 0, Register.ECX, 5),
    SMX("smx", 0x1, 0, Register.ECX, 6),
    EST("est", 0x1, 0, Register.ECX, 7),
    TM2("tm2", 0x1, 0, Register.ECX, 8),
    SSSE3("ssse3", 0x1, 0, Register.ECX, 9),
    CID("cid", 0x1, 0, Register.ECX, 10),
    SDBG("sdbg", 0x1, 0, Register.ECX, 11),
    FMA("fma", 0x1, 0, Register.ECX, 12),
    CX16("cx16", 0x1, 0, Register.ECX, 13),
    XTPR("xtpr", 0x1, 0, Register.ECX, 14),
    PDCM("pdcm", 0x1, 0, Register.ECX, 15),
    PCID("pcid", 0x1, 0, Register.ECX, 17),
    DCA("dca", 0x1, 0, Register.ECX, 18),
    SSE4_1("sse4_1", 0x1, 0, Register.ECX, 19),
    SSE4_2("sse4_2", 0x1, 0, Register.ECX, 20),
    X2APIC("x2apic", 0x1, 0, Register.ECX, 21),
    MOVBE("movbe", 0x1, 0, Register.ECX, 22),
    POPCNT("popcnt", 0x1, 0, Register.ECX, 23),
    TSC_DEADLINE_TIMER("tsc_deadline_timer", 0x1, 0, Register.ECX, 24),
    AES("aes", 0x1, 0, Register.ECX, 25),
    XSAVE("xsave", 0x1, 0, Register.ECX, 26),
    OSXSAVE("osxsave", 0x1, 0, Register.ECX, 27),
    AVX("avx", 0x1, 0, Register.ECX, 28),
    F16C("f16c", 0x1, 0, Register.ECX, 29),
    RDRAND("rdrand", 0x1, 0, Register.ECX, 30),
    HYPERVISOR("hypervisor", 0x1, 0, Register.ECX, 31),
    FPU("fpu", 0x1, 0, Register.EDX, 0),
    VME("vme", 0x1, 0, Register.EDX, 1),
    DE("de", 0x1, 0, Register.EDX, 2),
    PSE("pse", 0x1, 0, Register.EDX, 3),
    TSC("tsc", 0x1, 0, Register.EDX, 4),
    MSR("msr", 0x1, 0, Register.EDX, 5),
    PAE("pae", 0x1, 0, Register.EDX, 6),
    MCE("mce", 0x1, 0, Register.EDX, 7),
    CX8("cx8", 0x1, 0, Register.EDX, 8),
    APIC("apic", 0x1, 0, Register.EDX, 9),
    SEP("sep", 0x1, 0, Register.EDX, 11),
    MTRR("mtrr", 0x1, 0, Register.EDX, 12),
    PGE("pge", 0x1, 0, Register.EDX, 13),
    MCA("mca", 0x1, 0, Register.EDX, 14),
    CMOV("cmov", 0x1, 0, Register.EDX, 15),
    PAT("pat", 0x1, 0, Register.EDX, 16),
    PSE36("pse36", 0x1, 0, Register.EDX, 17),
    PN("pn", 0x1, 0, Register.EDX, 18),
    CLFLUSH("clflush", 0x1, 0, Register.EDX, 19),
    DTS("dts", 0x1, 0, Register.EDX, 21),
    ACPI("acpi", 0x1, 0, Register.EDX, 22),
    MMX("mmx", 0x1, 0, Register.EDX, 23),
    FXSR("fxsr", 0x1, 0, Register.EDX, 24),
    SSE("sse", 0x1, 0, Register.EDX, 25),
    SSE2("sse2", 0x1, 0, Register.EDX, 26),
    SS("ss", 0x1, 0, Register.EDX, 27),
    HT("ht", 0x1, 0, Register.EDX, 28),
    TM("tm", 0x1, 0, Register.EDX, 29),
    IA64("ia64", 0x1, 0, Register.EDX, 30),
    PBE("pbe", 0x1, 0, Register.EDX, 31),
    ARAT("arat", 0x6, 0, Register.EAX, 2),
    FSGSBASE("fsgsbase", 0x7, 0, Register.EBX, 0),
    TSC_ADJUST("tsc_adjust", 0x7, 0, Register.EBX, 1),
    SGX("sgx", 0x7, 0, Register.EBX, 2),
    BMI1("bmi1", 0x7, 0, Register.EBX, 3),
    HLE("hle", 0x7, 0, Register.EBX, 4),
    AVX2("avx2", 0x7, 0, Register.EBX, 5),
    FDP_EXCPTN_ONLY("fdp_excptn_only", 0x7, 0, Register.EBX, 6),
    SMEP("smep", 0x7, 0, Register.EBX, 7),
    BMI2("bmi2", 0x7, 0, Register.EBX, 8),
    ERMS("erms", 0x7, 0, Register.EBX, 9),
    INVPCID("invpcid", 0x7, 0, Register.EBX, 10),
    RTM("rtm", 0x7, 0, Register.EBX, 11),
    CQM("cqm", 0x7, 0, Register.EBX, 12),
    ZERO_FCS_FDS("zero_fcs_fds", 0x7, 0, Register.EBX, 13),
    MPX("mpx", 0x7, 0, Register.EBX, 14),
    RDT_A("rdt_a", 0x7, 0, Register.EBX, 15),
    AVX512F("avx512f", 0x7, 0, Register.EBX, 16),
    AVX512DQ("avx512dq", 0x7, 0, Register.EBX, 17),
    RDSEED("rdseed", 0x7, 0, Register.EBX, 18),
    ADX("adx", 0x7, 0, Register.EBX, 19),
    SMAP("smap", 0x7, 0, Register.EBX, 20),
    AVX512IFMA("avx512ifma", 0x7, 0, Register.EBX, 21),
    CLFLUSHOPT("clflushopt", 0x7, 0, Register.EBX, 23),
    CLWB("clwb", 0x7, 0, Register.EBX, 24),
    INTEL_PT("intel_pt", 0x7, 0, Register.EBX, 25),
    AVX512PF("avx512pf", 0x7, 0, Register.EBX, 26),
    AVX512ER("avx512er", 0x7, 0, Register.EBX, 27),
    AVX512CD("avx512cd", 0x7, 0, Register.EBX, 28),
    SHA_NI("sha_ni", 0x7, 0, Register.EBX, 29),
    AVX512BW("avx512bw", 0x7, 0, Register.EBX, 30),
    AVX512VL("avx512vl", 0x7, 0, Register.EBX, 31),
    AVX512VBMI("avx512vbmi", 0x7, 0, Register.ECX, 1),
    UMIP("umip", 0x7, 0, Register.ECX, 2),
    PKU("pku", 0x7, 0, Register.ECX, 3),
    OSPKE("ospke", 0x7, 0, Register.ECX, 4),
    WAITPKG("waitpkg", 0x7, 0, Register.ECX, 5),
    AVX512_VBMI2("avx512_vbmi2", 0x7, 0, Register.ECX, 6),
    GFNI("gfni", 0x7, 0, Register.ECX, 8),
    VAES("vaes", 0x7, 0, Register.ECX, 9),
    VPCLMULQDQ("vpclmulqdq", 0x7, 0, Register.ECX, 10),
    AVX512_VNNI("avx512_vnni", 0x7, 0, Register.ECX, 11),
    AVX512_BITALG("avx512_bitalg", 0x7, 0, Register.ECX, 12),
    TME("tme", 0x7, 0, Register.ECX, 13),
    AVX512_VPOPCNTDQ("avx512_vpopcntdq", 0x7, 0, Register.ECX, 14),
    LA57("la57", 0x7, 0, Register.ECX, 16),
    RDPID("rdpid", 0x7, 0, Register.ECX, 22),
    BUS_LOCK_DETECT("bus_lock_detect", 0x7, 0, Register.ECX, 24),
    CLDEMOTE("cldemote", 0x7, 0, Register.ECX, 25),
    MOVDIRI("movdiri", 0x7, 0, Register.ECX, 27),
    MOVDIR64B("movdir64b", 0x7, 0, Register.ECX, 28),
    ENQCMD("enqcmd", 0x7, 0, Register.ECX, 29),
    SGX_LC("sgx_lc", 0x7, 0, Register.ECX, 30),
    AVX512_4VNNIW("avx512_4vnniw", 0x7, 0, Register.EDX, 2),
    AVX512_4FMAPS("avx512_4fmaps", 0x7, 0, Register.EDX, 3),
    FSRM("fsrm", 0x7, 0, Register.EDX, 4),
    AVX512_VP2INTERSECT("avx512_vp2intersect", 0x7, 0, Register.EDX, 8),
    MD_CLEAR("md_clear", 0x7, 0, Register.EDX, 10),
    SERIALIZE("serialize", 0x7, 0, Register.EDX, 14),
    TSXLDTRK("tsxldtrk", 0x7, 0, Register.EDX, 16),
    PCONFIG("pconfig", 0x7, 0, Register.EDX, 18),
    ARCH_LBR("arch_lbr", 0x7, 0, Register.EDX, 19),
    IBT("ibt", 0x7, 0, Register.EDX, 20),
    AMX_BF16("amx_bf16", 0x7, 0, Register.EDX, 22),
    AVX512_FP16("avx512_fp16", 0x7, 0, Register.EDX, 23),
    AMX_TILE("amx_tile", 0x7, 0, Register.EDX, 24),
    AMX_INT8("amx_int8", 0x7, 0, Register.EDX, 25),
    FLUSH_L1D("flush_l1d", 0x7, 0, Register.EDX, 28),
    ARCH_CAPABILITIES("arch_capabilities", 0x7, 0, Register.EDX, 29),
    CORE_CAPABILITIES("core_capabilities", 0x7, 0, Register.EDX, 30),
    AVX_VNNI("avx_vnni", 0x7, 1, Register.EAX, 4),
    AVX512_BF16("avx512_bf16", 0x7, 1, Register.EAX, 5),
    XSAVEOPT("xsaveopt", 0xd, 1, Register.EAX, 0),
    XSAVEC("xsavec", 0xd, 1, Register.EAX, 1),
    XGETBV1("xgetbv1", 0xd, 1, Register.EAX, 2),
    XSAVES("xsaves", 0xd, 1, Register.EAX, 3),
    LAHF_LM("lahf_lm", 0x8000_0001, 0, Register.ECX, 0),
    CMP_LEGACY("cmp_legacy", 0x8000_0001, 0, Register.ECX, 1),
    SVM("svm", 0x8000_0001, 0, Register.ECX, 2),
    EXTAPIC("extapic", 0x8000_0001, 0, Register.ECX, 3),
    CR8_LEGACY("cr8_legacy", 0x8000_0001, 0, Register.ECX, 4),
    ABM("abm", 0x8000_0001, 0, Register.ECX, 5),
    SSE4A("sse4a", 0x8000_0001, 0, Register.ECX, 6),
    MISALIGNSSE("misalignsse", 0x8000_0001, 0, Register.ECX, 7),
    AMD_3DNOWPREFETCH("3dnowprefetch", 0x8000_0001, 0, Register.ECX, 8),
    OSVW("osvw", 0x8000_0001, 0, Register.ECX, 9),
    IBS("ibs", 0x8000_0001, 0, Register.ECX, 10),
    XOP("xop", 0x8000_0001, 0, Register.ECX, 11),
    SKINIT("skinit", 0x8000_0001, 0, Register.ECX, 12),
    WDT("wdt", 0x8000_0001, 0, Register.ECX, 13),
    LWP("lwp", 0x8000_0001, 0, Register.ECX, 15),
    FMA4("fma4", 0x8000_0001, 0, Register.ECX, 16),
    TCE("tce", 0x8000_0001, 0, Register.ECX, 17),
    NODEID_MSR("nodeid_msr", 0x8000_0001, 0, Register.ECX, 19),
    TBM("tbm", 0x8000_0001, 0, Register.ECX, 21),
    TOPOEXT("topoext", 0x8000_0001, 0, Register.ECX, 22),
    PERFCTR_CORE("perfctr_core", 0x8000_0001, 0, Register.ECX, 23),
    PERFCTR_NB("perfctr_nb", 0x8000_0001, 0, Register.ECX, 24),
    BPEXT("bpext", 0x8000_0001, 0, Register.ECX, 26),
    PTSC("ptsc", 0x8000_0001, 0, Register.ECX, 27),
    PERFCTR_LLC("perfctr_llc", 0x8000_0001, 0, Register.ECX, 28),
    MWAITX("mwaitx", 0x8000_0001, 0, Register.ECX, 29),
    SYSCALL("syscall", 0x8000_0001, 0, Register.EDX, 11),
    MP("mp", 0x8000_0001, 0, Register.EDX, 19),
    NX("nx", 0x8000_0001, 0, Register.EDX, 20),
    MMXEXT("mmxext", 0x8000_0001, 0, Register.EDX, 22),
    FXSR_OPT("fxsr_opt", 0x8000_0001, 0, Register.EDX, 25),
    PDPE1GB("pdpe1gb", 0x8000_0001, 0, Register.EDX, 26),
    RDTSCP("rdtscp", 0x8000_0001, 0, Register.EDX, 27),
    LM("lm", 0x8000_0001, 0, Register.EDX, 29),
    AMD_3DNOWEXT("3dnowext", 0x8000_0001, 0, Register.EDX, 30),
    AMD_3DNOW("3dnow", 0x8000_0001, 0, Register.EDX, 31),
    INVTSC("invtsc", 0x8000_0007, 0, Register.EDX, 8);

    /** The CPUID output register a feature bit lives in. */
    public enum Register {
        EAX,
        EBX,
        ECX,
        EDX
    }

    private static final Map<String, CpuFeature> BY_KEY = new HashMap<>();
    private static final Map<CpuFeature, Set<CpuFeature>> REQUIRES = new EnumMap<>(CpuFeature.class);

    static {
        for (CpuFeature f : values()) {
            if (BY_KEY.put(key(f.linuxName), f) != null) {
                throw new AssertionError("two features spell " + f.linuxName);
            }
        }
        BY_KEY.put("sse3", PNI);
        BY_KEY.put("tscdeadline", TSC_DEADLINE_TIMER);
        BY_KEY.put("pclmul", PCLMULQDQ);
        BY_KEY.put("sha", SHA_NI);
        BY_KEY.put("lahf", LAHF_LM);
        BY_KEY.put("lzcnt", ABM);
        BY_KEY.put("xd", NX);
        BY_KEY.put("1gbpages", PDPE1GB);
        BY_KEY.put("syscallsysret", SYSCALL);

        requires(FXSR, SSE, XSAVE);
        requires(SSE, SSE2);
        requires(SSE2, PNI, AES, PCLMULQDQ, SHA_NI, GFNI, SSE4A);
        requires(PNI, SSSE3);
        requires(SSSE3, SSE4_1);
        requires(SSE4_1, SSE4_2);
        requires(XSAVE, OSXSAVE, AVX, XSAVEOPT, XSAVEC, XGETBV1, XSAVES, PKU, MPX, AMX_TILE);
        requires(AVX, AVX2, FMA, F16C, VAES, VPCLMULQDQ, AVX_VNNI, AVX512F, FMA4, XOP);
        requires(
                AVX512F,
                AVX512DQ,
                AVX512IFMA,
                AVX512PF,
                AVX512ER,
                AVX512CD,
                AVX512BW,
                AVX512VL,
                AVX512VBMI,
                AVX512_VBMI2,
                AVX512_VNNI,
                AVX512_BITALG,
                AVX512_VPOPCNTDQ,
                AVX512_4VNNIW,
                AVX512_4FMAPS,
                AVX512_VP2INTERSECT,
                AVX512_FP16,
                AVX512_BF16);
        requires(AMX_TILE, AMX_BF16, AMX_INT8);
        requires(PKU, OSPKE);
        requires(APIC, X2APIC, TSC_DEADLINE_TIMER);
        requires(PCID, INVPCID);
        requires(SGX, SGX_LC);
    }

    private final String linuxName;
    private final int leaf;
    private final int subleaf;
    private final Register register;
    private final int bit;

    CpuFeature(String linuxName, int leaf, int subleaf, Register register, int bit) {
        this.linuxName = linuxName;
        this.leaf = leaf;
        this.subleaf = subleaf;
        this.register = register;
        this.bit = bit;
    }

    private static void requires(CpuFeature base, CpuFeature... dependents) {
        for (CpuFeature d : dependents) {
            REQUIRES.computeIfAbsent(d, k -> EnumSet.noneOf(CpuFeature.class)).add(base);
        }
    }

    /** The name Linux gives the feature in {@code /proc/cpuinfo}, e.g. {@code sse4_2}. */
    public String linuxName() {
        return linuxName;
    }

    /** The CPUID leaf (EAX input). */
    public int leaf() {
        return leaf;
    }

    /** The CPUID sub-leaf (ECX input); 0 for leaves without sub-leaves. */
    public int subleaf() {
        return subleaf;
    }

    public Register register() {
        return register;
    }

    /** The bit in {@link #register()}, 0 to 31. */
    public int bit() {
        return bit;
    }

    /** The bit as a mask of its register. */
    public int mask() {
        return 1 << bit;
    }

    /**
     * Linux's number for the feature ({@code X86_FEATURE_*} in {@code arch/x86/include/asm/cpufeatures.h}:
     * 32 times the capability word that mirrors this CPUID register, plus the bit), which its
     * {@code clearcpuid=} takes whether or not the kernel was built with feature names; empty for a register
     * Linux does not mirror word for word (leaf 0x80000007).
     */
    public OptionalInt linuxBit() {
        int word = linuxWord(leaf, subleaf, register);
        return word < 0 ? OptionalInt.empty() : OptionalInt.of(word * 32 + bit);
    }

    /** The capability words of cpufeatures.h that are whole CPUID registers (stable since Linux 5.x). */
    private static int linuxWord(int leaf, int subleaf, Register register) {
        return switch (leaf) {
            case 0x1 -> register == Register.EDX ? 0 : register == Register.ECX ? 4 : -1;
            case 0x6 -> register == Register.EAX ? 14 : -1;
            case 0x7 ->
                subleaf == 0
                        ? switch (register) {
                            case EBX -> 9;
                            case ECX -> 16;
                            case EDX -> 18;
                            case EAX -> -1;
                        }
                        : subleaf == 1 && register == Register.EAX ? 12 : -1;
            case 0xd -> subleaf == 1 && register == Register.EAX ? 10 : -1;
            case 0x8000_0001 -> register == Register.EDX ? 1 : register == Register.ECX ? 6 : -1;
            default -> -1;
        };
    }

    /** The features this one needs (empty for most). */
    public Set<CpuFeature> requires() {
        Set<CpuFeature> r = REQUIRES.get(this);
        return r == null ? Set.of() : Set.copyOf(r);
    }

    /**
     * The feature called {@code name}: its Linux name or a QEMU-style spelling, in any case, with
     * {@code -}, {@code _} and {@code .} treated alike ({@code sse4.2}, {@code SSE4_2}, {@code tsc-deadline}).
     */
    public static Optional<CpuFeature> byName(String name) {
        return Optional.ofNullable(BY_KEY.get(key(name)));
    }

    /** Every spelling {@link #byName} accepts, as compared (lower case, no separators). */
    static Set<String> keys() {
        return BY_KEY.keySet();
    }

    /** A name folded for comparison: lower case, without {@code -}, {@code _} and {@code .}. */
    static String key(String name) {
        StringBuilder k = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '-' && c != '_' && c != '.') {
                k.append(c);
            }
        }
        return k.toString().toLowerCase(Locale.ROOT);
    }

    /** Where the bit is, as the Intel manual writes it: {@code CPUID.(EAX=7,ECX=0):EBX[bit 0]}. */
    public String location() {
        return "CPUID.(EAX=0x" + Integer.toHexString(leaf) + ",ECX=" + subleaf + "):" + register + "[bit " + bit + "]";
    }

    @Override
    public String toString() {
        return linuxName;
    }
}
