package org.vmm4j;

/** Why {@link VirtualCpu#run()} returned. Backends map their native exit codes onto these. */
public enum ExitKind {
    /** The guest read an I/O port ({@code in}, {@code ins}); reply with {@link VmExit#setIoData}. */
    IO_IN,
    /** The guest wrote an I/O port ({@code out}, {@code outs}). */
    IO_OUT,
    /** The guest read unbacked guest-physical memory; reply with {@link VmExit#setMmioData}. */
    MMIO_READ,
    /** The guest wrote unbacked guest-physical memory. */
    MMIO_WRITE,
    /** The guest executed HLT (with interrupts such that the hypervisor hands it back to us). */
    HLT,
    /** The guest shut down: triple fault or a shutdown the hardware reports. */
    SHUTDOWN,
    /** The hardware refused to enter the guest; see {@link VmExit#failureReason()}. */
    FAIL_ENTRY,
    /** The hypervisor could not emulate something; see {@link VmExit#internalErrorSuberror()}. */
    INTERNAL_ERROR,
    /** The guest requested a platform event (reset, shutdown, crash); see {@link VmExit#systemEvent()}. */
    SYSTEM_EVENT,
    /** A signal interrupted the run that was not a stop request. */
    INTERRUPTED,
    /** {@link VirtualCpu#requestStop()} was called. */
    STOP_REQUESTED,
    /** A single-step or breakpoint debug exit; see {@link VmExit#debugPc()}. */
    DEBUG,
    /** The VM was suspended (bhyve: reset, power-off, halt, triple fault; see {@link VmExit#suspendReason()}). */
    SUSPENDED,
    /** An exit the hypervisor reported without meaning (bhyve VM_EXITCODE_BOGUS): run again. */
    BOGUS,
    /**
     * The guest acknowledged a level-triggered interrupt of an IOAPIC emulated in user space
     * ({@link org.vmm4j.x86.Irqchip#SPLIT}); see {@link VmExit#eoiVector()}.
     */
    IOAPIC_EOI,
    /** A native exit reason vmm4j does not interpret; see {@link VmExit#rawReason()}. */
    UNKNOWN
}
