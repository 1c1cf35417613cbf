package org.vmm4j.machine;

/**
 * Why a {@link Machine} stopped.
 *
 * @param reason what ended it
 * @param detail a human-readable account (e.g. the exit that could not be handled)
 * @param cause  the exception behind an {@link Reason#ERROR}, else {@code null}
 */
public record MachineExit(Reason reason, String detail, Throwable cause) {

    public enum Reason {
        /** The guest asked for a reset (i8042 0xFE, KVM_SYSTEM_EVENT_RESET). */
        REBOOT,
        /** The guest powered off, or shut down by triple fault. */
        SHUTDOWN,
        /** {@link Machine#stop()} was called. */
        STOP_REQUESTED,
        /** Something failed: an unhandled exit, an ioctl error, a device exception. */
        ERROR
    }
}
