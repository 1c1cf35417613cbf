package org.vmm4j.internal;

/**
 * Guest memory as one vCPU sees it: linear addresses, translated through the guest's page tables.
 * Only guest RAM is ever read or written through it; an address that is not mapped, or that maps
 * outside guest RAM (MMIO, holes), reads as absent.
 */
public interface GuestLinearMemory {

    /**
     * Reads up to {@code length} bytes at linear address {@code linear} into {@code dst[offset..]}.
     *
     * @return how many bytes were read: fewer than {@code length} when a page is not mapped to guest RAM
     */
    int read(long linear, byte[] dst, int offset, int length);

    /** Whether all {@code length} bytes at {@code linear} are mapped to guest RAM and writable by the kernel. */
    boolean writable(long linear, int length);
}
