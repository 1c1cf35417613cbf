package org.vmm4j.guest;

/** Which guests {@link GuestManager#list(GuestFilter)} returns. */
public enum GuestFilter {
    ALL,
    ACTIVE,
    INACTIVE
}
