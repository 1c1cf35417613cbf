package org.vmm4j.x86;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import org.vmm4j.CpuidEntry;

/**
 * The CPU a guest is shown: a base model plus edits, applied to the CPUID leaves the hypervisor supports.
 * Immutable; written as {@code host|baseline|auto[,+feature,-feature…]} ({@link #parse}, {@link #toString()}).
 *
 * <ul>
 * <li>{@code host}: everything the hypervisor supports (KVM's {@code KVM_GET_SUPPORTED_CPUID}).</li>
 * <li>{@code baseline}: the host model without the features whose instructions KVM's instruction emulator
 *     cannot complete, so that a guest whose code is emulated (KVM nested through PVM) never uses them:
 *     POPCNT, XSAVE (and with it OSXSAVE, AVX, AVX2, AVX-512, FMA, F16C, AMX, the XSAVEOPT/XSAVEC/XSAVES
 *     family and the state components of leaf 0xd), FSGSBASE, SMAP (CLAC/STAC), SMEP, RDRAND, RDSEED, PKU
 *     and UMIP. The list is the one a Linux 6.1 guest was seen to boot through its initcalls with, on such a
 *     host, given as {@code clearcpuid=}.</li>
 * <li>{@code auto}: {@code baseline} without KVM's paravirtual leaves where the hypervisor emulates guest
 *     code ({@code Hypervisor#emulatesGuestCode()}), {@code host} elsewhere. The paravirtual leaves go too
 *     because a Linux guest that finds them spins in {@code kvm_hypercall2} on such a host.</li>
 * <li>{@code +feature} / {@code -feature}: a {@link CpuFeature} by name, offered or hidden; hiding one hides
 *     the features that need it (-xsave hides avx). {@code +kvm-pv} / {@code -kvm-pv}: KVM's paravirtual
 *     leaves ({@code 0x40000000}: the KVMKVMKVM signature and KVM_CPUID_FEATURES), which {@code host} and
 *     {@code baseline} keep.</li>
 * </ul>
 *
 * <p>Contradictory edits and unknown names are refused when the model is made; a feature the hypervisor
 * cannot offer is refused when the model is {@linkplain #apply applied}, before any vCPU exists.
 */
public final class CpuModel {

    /** What a model starts from. */
    public enum Base {
        HOST,
        BASELINE,
        AUTO;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The features {@code baseline} hides (with the features that need them). */
    public static final Set<CpuFeature> BASELINE_HIDES = Collections.unmodifiableSet(EnumSet.of(
            CpuFeature.POPCNT,
            CpuFeature.CX16,
            CpuFeature.XSAVE,
            CpuFeature.FSGSBASE,
            CpuFeature.SMAP,
            CpuFeature.SMEP,
            CpuFeature.RDRAND,
            CpuFeature.RDSEED,
            CpuFeature.PKU,
            CpuFeature.UMIP));

    /** The name of the paravirtual-leaves switch in a model string. */
    public static final String KVM_PV = "kvm-pv";

    private static final int HYPERVISOR_LEAVES = 0x4000_0000;
    private static final int XSAVE_LEAF = 0xd;
    /** The legacy area and header every XSAVE area has: 512 + 64 bytes. */
    private static final int XSAVE_MIN_SIZE = 576;
    /** Linux (6.1) reads {@code clearcpuid=} into a 128-byte buffer. */
    private static final int LINUX_CLEARCPUID_MAX = 127;

    private final Base base;
    private final Set<CpuFeature> added;
    private final Set<CpuFeature> removed;
    private final Boolean kvmPv;

    private CpuModel(Base base, Set<CpuFeature> added, Set<CpuFeature> removed, Boolean kvmPv) {
        this.base = base;
        this.added = Collections.unmodifiableSet(new LinkedHashSet<>(added));
        this.removed = Collections.unmodifiableSet(new LinkedHashSet<>(removed));
        this.kvmPv = kvmPv;
    }

    /** Everything the hypervisor supports. */
    public static CpuModel host() {
        return new CpuModel(Base.HOST, Set.of(), Set.of(), null);
    }

    /** The host model without {@link #BASELINE_HIDES}. */
    public static CpuModel baseline() {
        return new CpuModel(Base.BASELINE, Set.of(), Set.of(), null);
    }

    /** {@code baseline,-kvm-pv} where the hypervisor emulates guest code, else {@code host}: the default. */
    public static CpuModel auto() {
        return new CpuModel(Base.AUTO, Set.of(), Set.of(), null);
    }

    /**
     * Reads {@code host|baseline|auto[,+feature,-feature…]}, e.g. {@code baseline,+popcnt,-kvm-pv}.
     *
     * @throws IllegalArgumentException naming the part that is wrong: an unknown model or feature (with the
     *         closest known name), an edit without {@code +} or {@code -}, or an edit contradicting another
     */
    public static CpuModel parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String[] parts = spec.split(",", -1);
        String first = parts[0].strip();
        CpuModel model = switch (first.toLowerCase(Locale.ROOT)) {
            case "host" -> host();
            case "baseline" -> baseline();
            case "auto" -> auto();
            default ->
                throw new IllegalArgumentException("unknown CPU model '" + first
                        + "': use host, baseline or auto, then +feature or -feature edits"
                        + FeatureNames.suggestion(first, List.of("host", "baseline", "auto")));
        };
        for (int i = 1; i < parts.length; i++) {
            String edit = parts[i].strip();
            if (edit.length() < 2 || (edit.charAt(0) != '+' && edit.charAt(0) != '-')) {
                throw new IllegalArgumentException("CPU model edit '" + edit + "' in '" + spec
                        + "' must be +feature or -feature (e.g. -popcnt, +x2apic, -kvm-pv)");
            }
            boolean on = edit.charAt(0) == '+';
            String name = edit.substring(1).strip();
            if (CpuFeature.key(name).equals(CpuFeature.key(KVM_PV))) {
                model = model.withKvmPv(on);
            } else {
                CpuFeature f = FeatureNames.feature(name);
                model = on ? model.with(f) : model.without(f);
            }
        }
        return model;
    }

    /**
     * This model, also offering {@code feature}.
     *
     * @throws IllegalArgumentException if this model's edits hide it ({@code -feature})
     */
    public CpuModel with(CpuFeature feature) {
        Objects.requireNonNull(feature, "feature");
        if (removed.contains(feature)) {
            throw new IllegalArgumentException("+" + feature + " contradicts -" + feature + " in " + this);
        }
        Set<CpuFeature> a = new LinkedHashSet<>(added);
        a.add(feature);
        return new CpuModel(base, a, removed, kvmPv);
    }

    /**
     * This model, hiding {@code feature} and the features that need it.
     *
     * @throws IllegalArgumentException if this model's edits offer it ({@code +feature})
     */
    public CpuModel without(CpuFeature feature) {
        Objects.requireNonNull(feature, "feature");
        if (added.contains(feature)) {
            throw new IllegalArgumentException("-" + feature + " contradicts +" + feature + " in " + this);
        }
        Set<CpuFeature> r = new LinkedHashSet<>(removed);
        r.add(feature);
        return new CpuModel(base, added, r, kvmPv);
    }

    /**
     * This model with KVM's paravirtual leaves on or off.
     *
     * @throws IllegalArgumentException if this model's edits already set them the other way
     */
    public CpuModel withKvmPv(boolean on) {
        if (kvmPv != null && kvmPv != on) {
            throw new IllegalArgumentException(
                    (on ? "+" : "-") + KVM_PV + " contradicts " + (on ? "-" : "+") + KVM_PV + " in " + this);
        }
        return new CpuModel(base, added, removed, on);
    }

    public Base base() {
        return base;
    }

    /** The {@code +feature} edits, in the order given. */
    public Set<CpuFeature> added() {
        return added;
    }

    /** The {@code -feature} edits, in the order given. */
    public Set<CpuFeature> removed() {
        return removed;
    }

    /** Whether the guest sees KVM's paravirtual leaves (for {@code auto}: once {@linkplain #resolve resolved}). */
    public boolean kvmPv() {
        return kvmPv == null || kvmPv;
    }

    /**
     * The concrete model this one stands for: {@code auto} becomes {@code baseline} with {@code -kvm-pv}
     * (unless its edits say {@code +kvm-pv}) where {@code guestCodeEmulated}, else {@code host}; the edits
     * are kept. Other models are returned as they are.
     */
    public CpuModel resolve(boolean guestCodeEmulated) {
        if (base != Base.AUTO) {
            return this;
        }
        if (!guestCodeEmulated) {
            return new CpuModel(Base.HOST, added, removed, kvmPv);
        }
        return new CpuModel(Base.BASELINE, added, removed, kvmPv == null ? Boolean.FALSE : kvmPv);
    }

    /**
     * The features this model hides itself, before the features that need them are added: {@link
     * #BASELINE_HIDES} for {@code baseline} less its {@code +} edits, plus its {@code -} edits. Linux's
     * {@code clearcpuid=} takes these and hides the dependent features on its own.
     *
     * @throws IllegalStateException for {@code auto}, which must be {@linkplain #resolve resolved} first
     */
    public Set<CpuFeature> hiddenFeatures() {
        requireResolved();
        Set<CpuFeature> roots = new LinkedHashSet<>();
        if (base == Base.BASELINE) {
            for (CpuFeature f : BASELINE_HIDES) {
                if (!added.contains(f)) {
                    roots.add(f);
                }
            }
        }
        roots.addAll(removed);
        return Collections.unmodifiableSet(roots);
    }

    /**
     * Every feature the guest is not shown: {@link #hiddenFeatures()} and, transitively, the features that
     * need one of them.
     *
     * @throws IllegalArgumentException if a {@code +feature} edit needs a hidden feature (e.g.
     *         {@code baseline,+avx}, since baseline hides xsave); the message says which to add
     * @throws IllegalStateException for {@code auto}, which must be {@linkplain #resolve resolved} first
     */
    public Set<CpuFeature> allHiddenFeatures() {
        Set<CpuFeature> roots = hiddenFeatures();
        Set<CpuFeature> all = EnumSet.noneOf(CpuFeature.class);
        List<CpuFeature> work = new ArrayList<>(roots);
        while (!work.isEmpty()) {
            CpuFeature f = work.remove(work.size() - 1);
            if (all.add(f)) {
                for (CpuFeature d : CpuFeature.values()) {
                    if (d.requires().contains(f)) {
                        work.add(d);
                    }
                }
            }
        }
        for (CpuFeature a : added) {
            if (all.contains(a)) {
                CpuFeature missing = hiddenRoot(a, roots);
                String why = removed.contains(missing) ? "-" + missing + " hides it" : base.label() + " hides it";
                throw new IllegalArgumentException(
                        "+" + a + " needs " + missing + ", and " + why + "; add +" + missing + " to " + this);
            }
        }
        return Collections.unmodifiableSet(all);
    }

    /** The hidden feature, among {@code roots}, that hides {@code f}: the one to add back. */
    private static CpuFeature hiddenRoot(CpuFeature f, Set<CpuFeature> roots) {
        List<CpuFeature> work = new ArrayList<>(f.requires());
        while (!work.isEmpty()) {
            CpuFeature r = work.remove(0);
            if (roots.contains(r)) {
                return r;
            }
            work.addAll(r.requires());
        }
        return f;
    }

    /**
     * The CPUID leaves a vCPU of this model is given, from the leaves the hypervisor {@code supported}: the
     * hidden features' bits cleared, leaf 0xd emptied without XSAVE (or rid of the state components of a
     * hidden AVX, AVX-512, MPX, PKU or AMX), the hypervisor bit set unless {@code -hypervisor}, and the
     * leaves from 0x40000000 on left out without {@link #kvmPv()}. Per-vCPU topology is not touched: that is
     * {@link org.vmm4j.boot.CpuidNormalizer}'s part, applied to the result.
     *
     * @throws IllegalArgumentException if a {@code +feature} edit (or {@code +kvm-pv}) asks for what the
     *         supported leaves do not offer, naming each such feature and its CPUID bit, or if a {@code +}
     *         edit needs a hidden feature
     * @throws IllegalStateException for {@code auto}, which must be {@linkplain #resolve resolved} first
     */
    public List<CpuidEntry> apply(List<CpuidEntry> supported) {
        Set<CpuFeature> hidden = allHiddenFeatures();
        List<String> missing = new ArrayList<>();
        for (CpuFeature f : added) {
            if (f != CpuFeature.HYPERVISOR && !offers(supported, f)) {
                missing.add(f + " (" + f.location() + ")");
            }
        }
        boolean pvOffered = false;
        for (CpuidEntry e : supported) {
            pvOffered |= e.function() == HYPERVISOR_LEAVES;
        }
        if (Boolean.TRUE.equals(kvmPv) && !pvOffered) {
            missing.add(KVM_PV + " (no CPUID leaf 0x40000000)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the hypervisor cannot offer " + String.join(", ", missing));
        }
        int xcr0Hidden = hiddenStateComponents(hidden);
        boolean noXsave = hidden.contains(CpuFeature.XSAVE);
        List<CpuidEntry> out = new ArrayList<>(supported.size());
        for (CpuidEntry e : supported) {
            int function = e.function();
            if (!kvmPv() && (function & 0xf000_0000) == HYPERVISOR_LEAVES) {
                continue;
            }
            if (function == XSAVE_LEAF && noXsave) {
                out.add(new CpuidEntry(function, e.index(), e.flags(), 0, 0, 0, 0));
                continue;
            }
            if (function == XSAVE_LEAF && e.index() >= 2 && e.index() < 64 && bitSet(xcr0Hidden, e.index())) {
                out.add(new CpuidEntry(function, e.index(), e.flags(), 0, 0, 0, 0));
                continue;
            }
            int eax = e.eax(), ebx = e.ebx(), ecx = e.ecx(), edx = e.edx();
            for (CpuFeature f : hidden) {
                if (f.leaf() == function && f.subleaf() == e.index()) {
                    switch (f.register()) {
                        case EAX -> eax &= ~f.mask();
                        case EBX -> ebx &= ~f.mask();
                        case ECX -> ecx &= ~f.mask();
                        case EDX -> edx &= ~f.mask();
                    }
                }
            }
            if (function == 1 && !hidden.contains(CpuFeature.HYPERVISOR)) {
                ecx |= CpuFeature.HYPERVISOR.mask();
            }
            if (function == XSAVE_LEAF && e.index() == 0 && xcr0Hidden != 0) {
                eax &= ~xcr0Hidden;
                ecx = xsaveSize(supported, eax);
            }
            out.add(new CpuidEntry(function, e.index(), e.flags(), eax, ebx, ecx, edx));
        }
        return List.copyOf(out);
    }

    /** Whether {@code supported} has {@code f}'s bit set. */
    public static boolean offers(List<CpuidEntry> supported, CpuFeature f) {
        for (CpuidEntry e : supported) {
            if (e.function() == f.leaf() && e.index() == f.subleaf()) {
                int value = switch (f.register()) {
                    case EAX -> e.eax();
                    case EBX -> e.ebx();
                    case ECX -> e.ecx();
                    case EDX -> e.edx();
                };
                return (value & f.mask()) != 0;
            }
        }
        return false;
    }

    /** The XCR0 bits (below 32) of the state components that belong to hidden features. */
    private static int hiddenStateComponents(Set<CpuFeature> hidden) {
        int bits = 0;
        if (hidden.contains(CpuFeature.AVX)) {
            bits |= 1 << 2; // YMM upper halves
        }
        if (hidden.contains(CpuFeature.MPX)) {
            bits |= (1 << 3) | (1 << 4); // BNDREGS, BNDCSR
        }
        if (hidden.contains(CpuFeature.AVX512F)) {
            bits |= (1 << 5) | (1 << 6) | (1 << 7); // opmask, ZMM_Hi256, Hi16_ZMM
        }
        if (hidden.contains(CpuFeature.PKU)) {
            bits |= 1 << 9; // PKRU
        }
        if (hidden.contains(CpuFeature.AMX_TILE)) {
            bits |= (1 << 17) | (1 << 18); // XTILECFG, XTILEDATA
        }
        return bits;
    }

    private static boolean bitSet(int mask, int bit) {
        return bit < 32 && (mask & (1 << bit)) != 0;
    }

    /** The size of a standard-format XSAVE area holding the components of {@code xcr0Low}. */
    private static int xsaveSize(List<CpuidEntry> supported, int xcr0Low) {
        int size = XSAVE_MIN_SIZE;
        for (CpuidEntry e : supported) {
            if (e.function() == XSAVE_LEAF && e.index() >= 2 && e.index() < 32 && bitSet(xcr0Low, e.index())) {
                size = Math.max(size, e.ebx() + e.eax());
            }
        }
        return size;
    }

    /**
     * Linux's {@code clearcpuid=} parameter hiding {@link #hiddenFeatures()}, or {@code ""} when nothing is
     * hidden: for a hypervisor that cannot hide every CPUID bit from the guest itself. It gives Linux's
     * feature numbers ({@link CpuFeature#linuxBit()}, e.g. {@code clearcpuid=151,154} for popcnt and xsave),
     * not names: Linux takes names only when built with {@code CONFIG_X86_FEATURE_NAMES}, which
     * {@code make tinyconfig} turns off. Linux hides the features that need them itself.
     *
     * @throws IllegalArgumentException if the list exceeds the 127 characters Linux reads of it
     */
    public String linuxClearcpuid() {
        StringBuilder bits = new StringBuilder();
        for (CpuFeature f : hiddenFeatures()) {
            OptionalInt bit = f.linuxBit();
            if (bit.isPresent()) {
                bits.append(bits.isEmpty() ? "" : ",").append(bit.getAsInt());
            }
        }
        if (bits.length() > LINUX_CLEARCPUID_MAX) {
            throw new IllegalArgumentException("hiding " + hiddenFeatures().size()
                    + " features needs a clearcpuid= longer than the " + LINUX_CLEARCPUID_MAX
                    + " characters Linux reads: clearcpuid=" + bits);
        }
        return bits.isEmpty() ? "" : "clearcpuid=" + bits;
    }

    private void requireResolved() {
        if (base == Base.AUTO) {
            throw new IllegalStateException(
                    "the auto CPU model stands for host or baseline: resolve it for the hypervisor first");
        }
    }

    /** The model as {@link #parse} reads it, e.g. {@code baseline,+popcnt,-kvm-pv}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(base.label());
        for (CpuFeature f : added) {
            s.append(",+").append(f.linuxName());
        }
        for (CpuFeature f : removed) {
            s.append(",-").append(f.linuxName());
        }
        if (kvmPv != null) {
            s.append(kvmPv ? ",+" : ",-").append(KVM_PV);
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuModel m
                && base == m.base
                && added.equals(m.added)
                && removed.equals(m.removed)
                && Objects.equals(kvmPv, m.kvmPv);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, added, removed, kvmPv);
    }
}
