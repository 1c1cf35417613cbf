package org.vmm4j.linux.internal;

import org.vmm4j.guest.GuestState;
import org.vmm4j.linux.abi.LibvirtLayout;

/** libvirt's {@code virDomainState} as vmm4j's {@link GuestState}. */
public final class DomainState {
    private DomainState() {}

    /** The state for a {@code VIR_DOMAIN_*} value; {@link GuestState#UNKNOWN} for one vmm4j does not know. */
    public static GuestState of(int virDomainState) {
        switch (virDomainState) {
            case LibvirtLayout.DOMAIN_RUNNING:
                return GuestState.RUNNING;
            case LibvirtLayout.DOMAIN_BLOCKED:
                return GuestState.BLOCKED;
            case LibvirtLayout.DOMAIN_PAUSED:
                return GuestState.PAUSED;
            case LibvirtLayout.DOMAIN_SHUTDOWN:
                return GuestState.SHUTTING_DOWN;
            case LibvirtLayout.DOMAIN_SHUTOFF:
                return GuestState.STOPPED;
            case LibvirtLayout.DOMAIN_CRASHED:
                return GuestState.CRASHED;
            case LibvirtLayout.DOMAIN_PMSUSPENDED:
                return GuestState.SUSPENDED;
            default:
                return GuestState.UNKNOWN;
        }
    }
}
