package org.vmm4j.machine;

import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;

/**
 * What a backend does for a {@link Machine} that the unified API does not cover: the x86 platform
 * pieces that live in the hypervisor (KVM: TSS, identity map, in-kernel irqchip and PIT; per-vCPU
 * CPUID, MSRs, FPU and local APIC).
 */
public interface X86Platform {

    /** Sets up the VM's in-kernel platform devices ({@link Irqchip#KERNEL}); called once, before any vCPU exists. */
    default void prepareVm(VirtualMachine vm) {
        prepareVm(vm, Irqchip.KERNEL);
    }

    /**
     * Sets up the VM's platform devices with the interrupt controllers where {@code irqchip} says;
     * called once, before any vCPU exists.
     *
     * @throws UnsupportedOperationException if this hypervisor cannot split the irqchip
     */
    void prepareVm(VirtualMachine vm, Irqchip irqchip);

    /**
     * Where a user-space IOAPIC sends its interrupts, for a VM prepared with {@link Irqchip#SPLIT}.
     */
    MsiController msiController(VirtualMachine vm);

    /**
     * Readies vCPU {@code cpu.id()} of {@code vcpuCount} for a Linux boot: CPUID (normalized: APIC id,
     * topology, hypervisor bit) before MSRs, boot MSRs, FPU, local APIC LINT0/LINT1.
     */
    void prepareVcpu(VirtualMachine vm, VirtualCpu cpu, int vcpuCount);

    /** The line for ISA interrupt {@code irq} of the in-kernel interrupt controller ({@link Irqchip#KERNEL}). */
    InterruptLine interruptLine(VirtualMachine vm, int irq);
}
