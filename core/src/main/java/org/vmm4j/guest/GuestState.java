package org.vmm4j.guest;

/** The lifecycle state of a managed guest, common to libvirt, bhyve and vmd. */
public enum GuestState {
    /** Defined but not running. */
    STOPPED,
    RUNNING,
    /** Running but blocked on a resource (libvirt VIR_DOMAIN_BLOCKED). */
    BLOCKED,
    /** Paused by the manager; memory kept. */
    PAUSED,
    /** Asked to shut down, not yet stopped. */
    SHUTTING_DOWN,
    /** Stopped because it crashed (triple fault, emulator died). */
    CRASHED,
    /** Suspended by the guest's power management. */
    SUSPENDED,
    UNKNOWN
}
