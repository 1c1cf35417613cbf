package org.vmm4j.virtio;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.vmm4j.GuestMemory;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * The guest RAM a device may touch: the machine's RAM regions in guest-physical order, and the
 * check that a guest-supplied range lies wholly inside one of them. A range that spans two regions is
 * refused even where they touch: the machine's regions never do (the 32-bit MMIO hole lies between
 * them), and refusing keeps every buffer one bounds-checked piece of one {@link GuestMemory}.
 * Lookups take no lock and allocate nothing.
 */
public final class GuestRam {
    private final GuestMemory[] regions;
    /** The pages the devices wrote, or {@code null} where nobody asked (see {@link #logged}). */
    final WriteLog writeLog;

    private GuestRam(GuestMemory[] regions, boolean logWrites) {
        this.regions = regions;
        long[] sizes = new long[regions.length];
        for (int i = 0; i < regions.length; i++) {
            sizes[i] = regions[i].size();
        }
        this.writeLog = logWrites ? new WriteLog(sizes) : null;
    }

    /**
     * The RAM made of {@code regions}.
     *
     * @throws IllegalArgumentException if there is none, or two overlap
     */
    public static GuestRam of(List<? extends GuestMemory> regions) {
        return create(regions, false);
    }

    /**
     * The RAM made of {@code regions}, with a {@link WriteLog} of the pages its devices write (for incremental
     * snapshots: the hypervisor's dirty log does not see them).
     *
     * @throws IllegalArgumentException if there is none, or two overlap
     */
    public static GuestRam logged(List<? extends GuestMemory> regions) {
        return create(regions, true);
    }

    private static GuestRam create(List<? extends GuestMemory> regions, boolean logWrites) {
        GuestMemory[] sorted = regions.toArray(new GuestMemory[0]);
        if (sorted.length == 0) {
            throw new IllegalArgumentException("guest RAM needs at least one region");
        }
        Arrays.sort(sorted, (a, b) -> Long.compareUnsigned(a.guestAddress(), b.guestAddress()));
        for (int i = 1; i < sorted.length; i++) {
            GuestMemory before = sorted[i - 1];
            if (sorted[i].guestAddress() - before.guestAddress() < before.size()) {
                throw new IllegalArgumentException(String.format(
                        "guest RAM regions at 0x%x and 0x%x overlap", before.guestAddress(), sorted[i].guestAddress()));
            }
        }
        return new GuestRam(sorted, logWrites);
    }

    /** The RAM made of {@code regions}. */
    public static GuestRam of(GuestMemory... regions) {
        return of(List.of(regions));
    }

    /** The log of the pages devices wrote, if this RAM was made {@link #logged}. */
    public Optional<WriteLog> writeLog() {
        return Optional.ofNullable(writeLog);
    }

    /** The number of regions. */
    public int regionCount() {
        return regions.length;
    }

    /** Region {@code index}, in guest-physical order. */
    public GuestMemory region(int index) {
        return regions[index];
    }

    /**
     * The index of the region that holds all of {@code [address, address + length)}, or -1 if none does
     * (including when the range wraps past 2^64 or {@code length} is negative). A zero-length range
     * must still start inside a region.
     */
    public int regionOf(long address, long length) {
        if (length < 0) {
            return -1;
        }
        for (int i = 0; i < regions.length; i++) {
            GuestMemory r = regions[i];
            long offset = address - r.guestAddress();
            // unsigned: an address below the region gives a huge offset
            if (Long.compareUnsigned(offset, r.size()) < 0 && length <= r.size() - offset) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The host memory behind region {@code index}, for devices that move data between guest RAM and a
     * file descriptor (pread, pwrite, read, write) without a copy.
     *
     * @throws IllegalStateException if the region is not backed by this process's native memory (a
     *         test's heap region)
     */
    NativeMemory nativeMemory(int index) {
        if (regions[index] instanceof NativeGuestMemory n) {
            return n.memory();
        }
        throw new IllegalStateException(String.format(
                "guest RAM at 0x%x is not native memory; this device moves data with file descriptors",
                regions[index].guestAddress()));
    }

    /** Whether {@code [address, address + length)} lies wholly inside one region. */
    public boolean contains(long address, long length) {
        return regionOf(address, length) >= 0;
    }
}
