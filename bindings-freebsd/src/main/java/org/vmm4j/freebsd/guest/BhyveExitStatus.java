package org.vmm4j.freebsd.guest;

import org.vmm4j.guest.GuestState;

/**
 * bhyve(8)'s exit status (EXIT STATUS in the manual page) and what it means for the guest. bhyve exits
 * when the guest's VM is suspended: the status says how.
 */
public enum BhyveExitStatus {
    /** 0: the guest rebooted; the supervisor starts bhyve again. */
    REBOOT(0, GuestState.RUNNING),
    /** 1: the guest powered off. */
    POWERED_OFF(1, GuestState.STOPPED),
    /** 2: the guest halted. */
    HALTED(2, GuestState.STOPPED),
    /** 3: the guest triple-faulted. */
    TRIPLE_FAULT(3, GuestState.CRASHED),
    /** 4: bhyve failed (bad configuration, device error, lost VM). */
    ERROR(4, GuestState.CRASHED),
    /** Any other status, e.g. killed by a signal. */
    ABNORMAL(-1, GuestState.CRASHED);

    private final int code;
    private final GuestState state;

    BhyveExitStatus(int code, GuestState state) {
        this.code = code;
        this.state = state;
    }

    public static BhyveExitStatus of(int exitCode) {
        for (BhyveExitStatus s : values()) {
            if (s.code == exitCode && s != ABNORMAL) {
                return s;
            }
        }
        return ABNORMAL;
    }

    /** The documented status, or -1 for {@link #ABNORMAL}. */
    public int code() {
        return code;
    }

    /** The guest's state after bhyve exited so (before any restart). */
    public GuestState guestState() {
        return state;
    }
}
