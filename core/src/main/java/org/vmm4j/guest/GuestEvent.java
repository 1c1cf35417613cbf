package org.vmm4j.guest;

/**
 * A lifecycle change of a guest, as the manager reported it.
 *
 * @param guest  the guest's name
 * @param type   what happened
 * @param detail the manager's detail code (e.g. libvirt's event detail), or 0
 */
public record GuestEvent(String guest, Type type, int detail) {

    public enum Type {
        DEFINED,
        UNDEFINED,
        STARTED,
        SUSPENDED,
        RESUMED,
        STOPPED,
        SHUTDOWN,
        CRASHED,
        REBOOTED,
        PMSUSPENDED
    }
}
