package org.vmm4j.x86;

import java.util.List;
import org.vmm4j.CpuidEntry;
import org.vmm4j.VirtualCpu;

/**
 * The x86 platform pieces of one VM that live in the hypervisor and that the unified API does not
 * cover (KVM: TSS, identity map, in-kernel irqchip and PIT; per-vCPU CPUID, MSRs, FPU and local
 * APIC). A backend returns it from {@link org.vmm4j.VirtualMachine#x86()}, bound to that VM, so it
 * works on its own VM and vCPU types without downcasts.
 */
public interface X86Platform {

    /**
     * Sets up the VM's platform devices with the interrupt controllers where {@code irqchip} says;
     * call it once, before any vCPU exists.
     *
     * @throws IllegalStateException if the VM was prepared already or has vCPUs
     * @throws UnsupportedOperationException if this hypervisor cannot place the irqchip so
     */
    void prepare(Irqchip irqchip);

    /**
     * Creates vCPU {@code id} of {@code vcpuCount} with the {@linkplain CpuModel#host() host} CPU model; see
     * {@link #createBootVcpu(int, int, List)}.
     *
     * @throws IllegalArgumentException if {@code id} is taken or outside {@code 0..vcpuCount-1}
     */
    default VirtualCpu createBootVcpu(int id, int vcpuCount) {
        return createBootVcpu(id, vcpuCount, CpuModel.host().apply(supportedCpuid()));
    }

    /**
     * Creates vCPU {@code id} of {@code vcpuCount} and readies it for a Linux boot: the CPUID leaves
     * {@code cpuid} (a {@link CpuModel} {@linkplain CpuModel#apply applied} to {@link #supportedCpuid()}),
     * normalized for this vCPU (APIC id, topology), before MSRs; boot MSRs, FPU, local APIC LINT0/LINT1.
     *
     * @throws IllegalArgumentException if {@code id} is taken or outside {@code 0..vcpuCount-1}
     */
    VirtualCpu createBootVcpu(int id, int vcpuCount, List<CpuidEntry> cpuid);

    /** The CPUID leaves the hypervisor can show a guest on this host (KVM: {@code KVM_GET_SUPPORTED_CPUID}). */
    List<CpuidEntry> supportedCpuid();

    /**
     * Where a user-space IOAPIC sends its interrupts, for a VM prepared with {@link Irqchip#SPLIT}.
     *
     * @throws IllegalStateException if the VM was not prepared with {@link Irqchip#SPLIT}
     */
    MsiController msiController();

    /**
     * The line for ISA interrupt {@code irq} of the in-kernel interrupt controller, for a VM prepared
     * with {@link Irqchip#KERNEL}.
     *
     * @throws IllegalStateException if the VM was not prepared with {@link Irqchip#KERNEL}
     * @throws IllegalArgumentException if {@code irq} is not 0..23
     */
    InterruptLine interruptLine(int irq);
}
