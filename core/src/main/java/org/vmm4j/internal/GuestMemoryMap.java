package org.vmm4j.internal;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.vmm4j.GuestMemory;
import org.vmm4j.VirtualMachine;

/**
 * The guest memory of one VM, in guest-address order: what every backend checks before asking its
 * kernel for a region (positive, page-aligned, no overlap), the lookup by address, removal and the list
 * {@link VirtualMachine#memoryRegions()} answers. The regions live in an array that is replaced, never
 * changed, so {@link #find} and {@link #at} take no lock and allocate nothing while the VM adds or
 * removes memory on another thread.
 */
public final class GuestMemoryMap {
    public static final long PAGE_SIZE = 4096;
    private static final NativeGuestMemory[] NONE = new NativeGuestMemory[0];

    private final String owner;
    private volatile NativeGuestMemory[] regions = NONE;

    /** @param owner the VM, for messages ("VM fd 7", "bhyve VM test") */
    public GuestMemoryMap(String owner) {
        this.owner = owner;
    }

    /**
     * Checks that {@code size} bytes at {@code guestAddress} can become a new region: a positive size,
     * both page-aligned, no overflow, no overlap with a region already here.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public void checkNew(long guestAddress, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("guest memory size must be positive, got " + size);
        }
        if (guestAddress < 0) {
            throw new IllegalArgumentException(
                    "guest address must not be negative: 0x" + Long.toHexString(guestAddress));
        }
        if ((guestAddress & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("guest address 0x" + Long.toHexString(guestAddress)
                    + " is not aligned to the " + PAGE_SIZE + "-byte page size");
        }
        if ((size & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(
                    "guest memory size " + size + " is not a multiple of the " + PAGE_SIZE + "-byte page size");
        }
        if (guestAddress + size < guestAddress) {
            throw new IllegalArgumentException("guest memory range overflows the address space");
        }
        for (NativeGuestMemory region : regions) {
            long start = region.guestAddress();
            long end = start + region.size();
            if (guestAddress < end && start < guestAddress + size) {
                throw new IllegalArgumentException(String.format(
                        "guest memory [0x%x, 0x%x) overlaps the region already mapped at [0x%x, 0x%x) in %s",
                        guestAddress, guestAddress + size, start, end, owner));
            }
        }
    }

    /**
     * Adds a region the kernel has mapped. The backend calls {@link #checkNew} before it asks the
     * kernel, under the lock that orders its changes; the check is repeated here so that the map never
     * holds overlapping regions.
     */
    public synchronized void add(NativeGuestMemory region) {
        checkNew(region.guestAddress(), region.size());
        NativeGuestMemory[] old = regions;
        int at = 0;
        while (at < old.length && old[at].guestAddress() < region.guestAddress()) {
            at++;
        }
        NativeGuestMemory[] grown = new NativeGuestMemory[old.length + 1];
        System.arraycopy(old, 0, grown, 0, at);
        grown[at] = region;
        System.arraycopy(old, at, grown, at + 1, old.length - at);
        regions = grown;
    }

    /**
     * This map's own region behind {@code region}, which a caller hands back as a {@link GuestMemory}.
     *
     * @throws IllegalArgumentException when it is not a region of this VM (another VM's, a removed one)
     */
    public NativeGuestMemory own(GuestMemory region) {
        for (NativeGuestMemory r : regions) {
            if (r == region) {
                return r;
            }
        }
        throw new IllegalArgumentException(region + " is not a region of " + owner);
    }

    /** Takes the region out of the map and unmaps its memory: later accesses throw. */
    public synchronized void remove(NativeGuestMemory region) {
        NativeGuestMemory[] old = regions;
        int at = 0;
        while (at < old.length && old[at] != region) {
            at++;
        }
        if (at == old.length) {
            throw new IllegalArgumentException(region + " is not a region of " + owner);
        }
        NativeGuestMemory[] shrunk = new NativeGuestMemory[old.length - 1];
        System.arraycopy(old, 0, shrunk, 0, at);
        System.arraycopy(old, at + 1, shrunk, at, old.length - at - 1);
        regions = shrunk;
        region.memory().close();
    }

    /** The region containing {@code guestPhysicalAddress}, or null. Allocates nothing. */
    public NativeGuestMemory find(long guestPhysicalAddress) {
        NativeGuestMemory[] r = regions;
        int low = 0;
        int high = r.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            NativeGuestMemory m = r[mid];
            if (guestPhysicalAddress < m.guestAddress()) {
                high = mid - 1;
            } else if (m.contains(guestPhysicalAddress)) {
                return m;
            } else {
                low = mid + 1;
            }
        }
        return null;
    }

    /**
     * The region containing {@code guestPhysicalAddress}.
     *
     * @throws IllegalArgumentException when no region contains it
     */
    public NativeGuestMemory at(long guestPhysicalAddress) {
        NativeGuestMemory m = find(guestPhysicalAddress);
        if (m == null) {
            throw new IllegalArgumentException(
                    String.format("no guest memory at 0x%x in %s", guestPhysicalAddress, owner));
        }
        return m;
    }

    /** The regions now, in guest-address order; an unmodifiable snapshot. */
    public List<GuestMemory> list() {
        return Collections.unmodifiableList(Arrays.asList(regions));
    }

    /** The number of regions. */
    public int size() {
        return regions.length;
    }

    public boolean isEmpty() {
        return regions.length == 0;
    }

    /** Region {@code index} in guest-address order. */
    public NativeGuestMemory get(int index) {
        return regions[index];
    }

    /** The bytes of all regions together. */
    public long totalBytes() {
        long total = 0;
        for (NativeGuestMemory r : regions) {
            total += r.size();
        }
        return total;
    }

    /** Unmaps every region and empties the map, for the VM's close. */
    public synchronized void closeAll() {
        NativeGuestMemory[] old = regions;
        regions = NONE;
        for (NativeGuestMemory r : old) {
            r.memory().close();
        }
    }
}
