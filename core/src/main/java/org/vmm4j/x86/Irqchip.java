package org.vmm4j.x86;

/**
 * Where a {@link org.vmm4j.machine.Machine}'s interrupt controllers live.
 *
 * <p>The choice decides what a machine costs to set up and tear down. On KVM an in-kernel IOAPIC,
 * PIC and PIT register I/O devices whose removal waits for SRCU grace periods, and memory slots
 * registered after them do too: measured on a nested host, a 256 MiB, 1-vCPU VM costs ~26 ms to
 * create and close with {@link #KERNEL} and ~0.8 ms with {@link #SPLIT} ({@code benchmarks/startup.sh}
 * prints both).
 */
public enum Irqchip {
    /**
     * Everything in the hypervisor: KVM's PIC, IOAPIC, local APICs and PIT (KVM_CREATE_IRQCHIP and
     * KVM_CREATE_PIT2), the platform Firecracker and kvmtool give Linux. The default.
     */
    KERNEL,
    /**
     * The local APICs in the hypervisor, the IOAPIC emulated by vmm4j ({@link org.vmm4j.machine.IoApic}, interrupts
     * delivered as MSIs), no 8259 PIC and no PIT (KVM_CAP_SPLIT_IRQCHIP), the platform
     * cloud-hypervisor gives Linux. Linux then finds no legacy PIC and keeps time with the local APIC
     * (TSC-deadline) timer and kvmclock, which KVM offers through CPUID; a guest that needs the PIT
     * or the PIC (DOS-era code, an OS without an APIC timer) needs {@link #KERNEL}.
     */
    SPLIT;

    /** Pins of the IOAPIC a {@link #SPLIT} machine emulates, the count KVM_CAP_SPLIT_IRQCHIP reserves routes for. */
    public static final int IOAPIC_PINS = 24;
}
