package org.vmm4j.internal;

import java.util.List;

import org.vmm4j.GuestMemory;

/** Validation of guest memory regions that every backend applies before asking its kernel. */
public final class MemoryLayoutCheck {
    public static final long PAGE_SIZE = 4096;

    private MemoryLayoutCheck() {
    }

    /**
     * Checks alignment, size and overlap of a new region against the existing ones.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void checkNewRegion(long guestAddress, long size, List<? extends GuestMemory> existing) {
        if (size <= 0) {
            throw new IllegalArgumentException("guest memory size must be positive, got " + size);
        }
        if (guestAddress < 0) {
            throw new IllegalArgumentException("guest address must not be negative: 0x" + Long.toHexString(guestAddress));
        }
        if ((guestAddress & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("guest address 0x" + Long.toHexString(guestAddress)
                    + " is not aligned to the " + PAGE_SIZE + "-byte page size");
        }
        if ((size & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("guest memory size " + size + " is not a multiple of the "
                    + PAGE_SIZE + "-byte page size");
        }
        if (guestAddress + size < guestAddress) {
            throw new IllegalArgumentException("guest memory range overflows the address space");
        }
        for (GuestMemory region : existing) {
            long start = region.guestAddress();
            long end = start + region.size();
            if (guestAddress < end && start < guestAddress + size) {
                throw new IllegalArgumentException(String.format(
                        "guest memory [0x%x, 0x%x) overlaps the region already mapped at [0x%x, 0x%x)",
                        guestAddress, guestAddress + size, start, end));
            }
        }
    }
}
