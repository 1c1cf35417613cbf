package org.vmm4j.x86;

import java.util.List;
import org.vmm4j.CpuidEntry;
import org.vmm4j.StateSection;
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

    /**
     * Everything the hypervisor holds for {@code cpu}, one of this VM's vCPUs, which must not be running
     * (KVM: general, special and debug registers, FPU/XSAVE and XCRs, every MSR the kernel saves including the
     * TSC, local APIC, pending events, MP state, CPUID). The sections are this backend's own; only
     * {@link #restoreVcpuState} of the same backend reads them.
     *
     * @throws IllegalStateException if the vCPU is running or closed
     * @throws UnsupportedOperationException if this backend cannot save vCPU state
     */
    default List<StateSection> saveVcpuState(VirtualCpu cpu) {
        throw new UnsupportedOperationException("this hypervisor backend cannot save vCPU state in vmm4j");
    }

    /**
     * Puts state saved by {@link #saveVcpuState} into {@code cpu}, a vCPU of this VM created with the same
     * CPUID and not run yet, in the order the hypervisor needs.
     *
     * @throws IllegalArgumentException naming the section that is missing, of the wrong size or refused by
     *     the hypervisor
     * @throws UnsupportedOperationException if this backend cannot restore vCPU state
     */
    default void restoreVcpuState(VirtualCpu cpu, List<StateSection> state) {
        throw new UnsupportedOperationException("this hypervisor backend cannot restore vCPU state in vmm4j");
    }

    /**
     * The VM-wide state the hypervisor holds (KVM: the in-kernel PIC and IOAPIC where {@link Irqchip#KERNEL},
     * the PIT, kvmclock), with every vCPU stopped.
     *
     * @throws UnsupportedOperationException if this backend cannot save VM state
     */
    default List<StateSection> saveVmState() {
        throw new UnsupportedOperationException("this hypervisor backend cannot save VM state in vmm4j");
    }

    /**
     * Puts state saved by {@link #saveVmState} into this VM, {@linkplain #prepare prepared} with the same
     * irqchip placement; call it after the vCPUs are created and restored, before any runs.
     *
     * @throws IllegalArgumentException naming the section that is missing, of the wrong size or refused
     * @throws UnsupportedOperationException if this backend cannot restore VM state
     */
    default void restoreVmState(List<StateSection> state) {
        throw new UnsupportedOperationException("this hypervisor backend cannot restore VM state in vmm4j");
    }
}
