package org.vmm4j;

/**
 * Why a VM was suspended, reported by a {@link ExitKind#SUSPENDED} exit ({@link VmExit#suspendReason()}).
 * bhyve suspends the whole VM for these and reports it to every vCPU ({@code vm_suspend_how}).
 */
public enum SuspendReason {
    /** The guest asked for a reset. */
    RESET,
    /** The guest powered itself off (ACPI S5). */
    POWER_OFF,
    /** Every vCPU halted with interrupts disabled: the guest can never run again. */
    HALT,
    /** A vCPU triple-faulted. */
    TRIPLE_FAULT,
    /** A reason vmm4j does not interpret (e.g. the VM is being destroyed). */
    OTHER
}
