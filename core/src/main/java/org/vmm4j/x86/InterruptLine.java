package org.vmm4j.x86;

/**
 * An interrupt request line from a device to the interrupt controller (e.g. ISA IRQ 4 for COM1).
 * The backend's {@link X86Platform#interruptLine} implements it (KVM: KVM_IRQ_LINE on the in-kernel irqchip); devices call it only
 * when the level changes, from a vCPU thread or an input thread, while holding their own lock:
 * an implementation must not block or call back into devices.
 */
@FunctionalInterface
public interface InterruptLine {

    /** A line that goes nowhere. */
    InterruptLine NONE = asserted -> {};

    /** Drives the line high ({@code true}) or low. */
    void setLevel(boolean asserted);
}
