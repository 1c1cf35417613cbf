package org.vmm4j.virtio;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The pages of guest RAM that vmm4j itself wrote: one bit per 4 KiB page of each region of a {@link GuestRam}.
 * The hypervisor's dirty log sees only the guest's own writes; a device that fills a buffer (a disk read, a
 * received frame, random bytes) or returns a used element writes from the host, which the hypervisor never sees.
 * Devices record those writes through their queues: {@link Virtqueue#pop} marks the pages of every
 * device-writable buffer of the chain it takes, and {@link Virtqueue#markWritable} the buffers still out and the
 * used ring when a snapshot begins an epoch. An incremental snapshot writes these pages and the hypervisor's.
 *
 * <p>Marking is safe from any thread, allocates nothing and takes no lock (an atomic OR where a bit is still
 * clear); {@link #drain} is for a caller that knows no device runs (a paused machine).
 */
public final class WriteLog {
    /** The page size the log counts in. */
    public static final int PAGE_SIZE = 4096;

    private static final int PAGE_SHIFT = 12;
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[][] bitmaps;
    private final long[] pageCounts;

    WriteLog(long[] regionSizes) {
        bitmaps = new long[regionSizes.length][];
        pageCounts = new long[regionSizes.length];
        for (int i = 0; i < regionSizes.length; i++) {
            long pages = (regionSizes[i] + PAGE_SIZE - 1) >>> PAGE_SHIFT;
            pageCounts[i] = pages;
            bitmaps[i] = new long[(int) ((pages + 63) >>> 6)];
        }
    }

    /** The number of regions, as in the {@link GuestRam} this log belongs to. */
    public int regionCount() {
        return bitmaps.length;
    }

    /** The pages of region {@code region}. */
    public long pageCount(int region) {
        return pageCounts[region];
    }

    /**
     * Marks the pages of {@code [offset, offset + length)} in region {@code region} as written; the part past
     * the region's end, if any, is ignored. A length of 0 marks nothing.
     */
    public void mark(int region, long offset, long length) {
        if (length <= 0 || offset < 0) {
            return;
        }
        long[] bits = bitmaps[region];
        long first = offset >>> PAGE_SHIFT;
        long last = Math.min((offset + length - 1) >>> PAGE_SHIFT, pageCounts[region] - 1);
        for (long page = first; page <= last; ) {
            int word = (int) (page >>> 6);
            int from = (int) (page & 63);
            int to = (int) Math.min(63, last - (page - from));
            long mask = (to == 63 ? -1L : (1L << (to + 1)) - 1) & (-1L << from);
            if ((bits[word] & mask) != mask) {
                WORDS.getAndBitwiseOr(bits, word, mask);
            }
            page += to - from + 1;
        }
    }

    /** Marks every page of every region (what a caller does when it cannot tell which were written). */
    public void markAll() {
        for (int r = 0; r < bitmaps.length; r++) {
            mark(r, 0, pageCounts[r] << PAGE_SHIFT);
        }
    }

    /** Whether page {@code page} of region {@code region} is marked. */
    public boolean isMarked(int region, long page) {
        if (page < 0 || page >= pageCounts[region]) {
            throw new IndexOutOfBoundsException(
                    "page " + page + " outside region " + region + " of " + pageCounts[region] + " pages");
        }
        return ((long) WORDS.getVolatile(bitmaps[region], (int) (page >>> 6)) & (1L << (page & 63))) != 0;
    }

    /** The number of marked pages. */
    public long markedCount() {
        long n = 0;
        for (long[] bits : bitmaps) {
            for (int w = 0; w < bits.length; w++) {
                n += Long.bitCount((long) WORDS.getVolatile(bits, w));
            }
        }
        return n;
    }

    /**
     * ORs region {@code region}'s marks into {@code into} (one bit per page from bit 0 of word 0, at least
     * {@code (pageCount(region) + 63) / 64} words) and clears them.
     */
    public void drain(int region, long[] into) {
        long[] bits = bitmaps[region];
        if (into.length < bits.length) {
            throw new IllegalArgumentException(
                    "a bitmap of " + into.length + " words cannot hold region " + region + "'s " + bits.length);
        }
        for (int w = 0; w < bits.length; w++) {
            into[w] |= (long) WORDS.getAndSet(bits, w, 0L);
        }
    }
}
