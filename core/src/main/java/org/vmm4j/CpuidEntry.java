package org.vmm4j;

/**
 * One CPUID leaf as hypervisors exchange it ({@code kvm_cpuid_entry2}, bhyve's cpuid entries).
 *
 * @param function the leaf (EAX input)
 * @param index    the sub-leaf (ECX input) where {@code flags} say it matters
 * @param flags    backend flags (KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1)
 */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the sub-leaf selects the entry. */
    public static final int FLAG_SIGNIFICANT_INDEX = 1;

    public CpuidEntry withEax(int v) {
        return new CpuidEntry(function, index, flags, v, ebx, ecx, edx);
    }

    public CpuidEntry withEbx(int v) {
        return new CpuidEntry(function, index, flags, eax, v, ecx, edx);
    }

    public CpuidEntry withEcx(int v) {
        return new CpuidEntry(function, index, flags, eax, ebx, v, edx);
    }

    public CpuidEntry withEdx(int v) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, v);
    }
}
