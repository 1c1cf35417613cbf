package org.vmm4j.boot;

/**
 * One CPUID leaf as hypervisors describe it (KVM's struct kvm_cpuid_entry2 without padding):
 * {@code function} in EAX and {@code index} in ECX produce the four output registers.
 *
 * @param flags KVM_CPUID_FLAG_* (bit 0: the index is significant)
 */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the entry applies to one {@code index} only. */
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
