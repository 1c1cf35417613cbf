package org.vmm4j;

/**
 * The set of pages the guest wrote in one region since the previous {@link #fetch()}: a reusable
 * bitmap, one bit per page, refreshed in place.
 */
public interface DirtyLog {

    /** The region this log tracks. */
    GuestMemory region();

    /** Reads (and resets) the hypervisor's dirty bitmap into this log. */
    DirtyLog fetch();

    /** Pages in the region. */
    long pageCount();

    /** Whether page {@code pageIndex} (offset / page size) was written. */
    boolean isDirty(long pageIndex);

    /** Number of dirty pages in the last fetch. */
    long dirtyCount();
}
