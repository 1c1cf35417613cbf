package org.vmm4j.machine;

import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;

/**
 * What a backend does for a {@link Machine} that the unified API does not cover: the x86 platform
 * pieces that live in the hypervisor (KVM: TSS, identity map, in-kernel irqchip and PIT; per-vCPU
 * CPUID, MSRs, FPU and local APIC).
 */
public interface X86Platform {

    /** Sets up the VM's in-kernel platform devices; called once, before any vCPU exists. */
    void prepareVm(VirtualMachine vm);

    /**
     * Readies vCPU {@code cpu.id()} of {@code vcpuCount} for a Linux boot: CPUID (normalized: APIC id,
     * topology, hypervisor bit) before MSRs, boot MSRs, FPU, local APIC LINT0/LINT1.
     */
    void prepareVcpu(VirtualMachine vm, VirtualCpu cpu, int vcpuCount);

    /** The line for ISA interrupt {@code irq} of the in-kernel interrupt controller. */
    InterruptLine interruptLine(VirtualMachine vm, int irq);
}
