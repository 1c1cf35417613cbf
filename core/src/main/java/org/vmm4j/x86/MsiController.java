package org.vmm4j.x86;

/**
 * How an interrupt controller emulated in Java reaches the hypervisor's local APICs
 * ({@link Irqchip#SPLIT}). KVM: KVM_SIGNAL_MSI and KVM_SET_GSI_ROUTING.
 */
public interface MsiController {

    /**
     * Delivers one message-signalled interrupt: {@code address} in the 0xFEExxxxx window (destination
     * APIC id in bits 19:12, destination mode in bit 2), {@code data} with the vector in bits 7:0,
     * the delivery mode in bits 10:8 and the trigger mode in bit 15.
     *
     * @return {@code false} if the guest had the interrupt blocked (KVM returns 0), {@code true} if delivered
     */
    boolean signalMsi(long address, int data);

    /**
     * Tells the hypervisor what each IOAPIC pin currently sends ({@code enabled[pin]} false for a
     * masked pin), so that it reports the guest's end-of-interrupt for level-triggered vectors
     * ({@link org.vmm4j.ExitKind#IOAPIC_EOI}). Called when the guest reprograms a redirection entry,
     * never per interrupt.
     */
    void setIoapicRoutes(long[] addresses, int[] data, boolean[] enabled);
}
