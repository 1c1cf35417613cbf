package org.vmm4j;

/**
 * A platform event the guest asked for, reported by a {@link ExitKind#SYSTEM_EVENT} exit
 * ({@link VmExit#systemEvent()}). Backends map their own codes onto these; the code itself stays
 * available as {@link VmExit#rawReason()} and in the exit's {@code toString()}.
 */
public enum SystemEvent {
    /** The guest powered itself off (KVM_SYSTEM_EVENT_SHUTDOWN; OpenBSD: the VM was terminated). */
    SHUTDOWN,
    /** The guest asked for a reset (KVM_SYSTEM_EVENT_RESET). */
    RESET,
    /** The guest reported a crash (KVM_SYSTEM_EVENT_CRASH, e.g. a pvpanic or PSCI crash). */
    CRASH,
    /** An event vmm4j does not interpret (wake-up, suspend to RAM, a confidential guest's termination). */
    OTHER
}
