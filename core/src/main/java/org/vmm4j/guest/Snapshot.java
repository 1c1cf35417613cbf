package org.vmm4j.guest;

import java.time.Instant;

/**
 * A guest snapshot.
 *
 * @param name        its name
 * @param description what it is for, or empty
 * @param created     when it was taken
 * @param guestState  the guest's state when it was taken
 * @param current     it is the guest's current snapshot
 * @param diskOnly    only disks were captured, not memory
 */
public record Snapshot(
        String name, String description, Instant created, GuestState guestState, boolean current, boolean diskOnly) {}
