package org.vmm4j.boot;

import org.vmm4j.GuestMemory;

/**
 * Identity page tables for the 64-bit entry: one PML4 entry, a PDPT with {@link Layout#PD_COUNT}
 * entries, and page directories of 2 MiB pages, mapping the first 4 GiB virtual = physical. The
 * kernel replaces them early; they only need to cover the kernel, boot_params, the command line
 * and the initrd.
 */
final class PageTables {

    public static final long PRESENT = 1;
    public static final long WRITABLE = 1 << 1;
    public static final long PAGE_SIZE_2M = 1 << 7;
    public static final long IDENTITY_MAPPED_BYTES = (long) Layout.PD_COUNT << 30;

    private PageTables() {}

    /** Writes the tables and returns the value for CR3. */
    public static long write(GuestMemory memory) {
        memory.fill(Layout.PML4_ADDRESS, 4096, (byte) 0);
        memory.fill(Layout.PDPT_ADDRESS, 4096, (byte) 0);
        memory.putLong(Layout.PML4_ADDRESS, Layout.PDPT_ADDRESS | PRESENT | WRITABLE);
        for (int d = 0; d < Layout.PD_COUNT; d++) {
            long pd = Layout.PD_ADDRESS + d * 4096L;
            memory.putLong(Layout.PDPT_ADDRESS + d * 8L, pd | PRESENT | WRITABLE);
            for (int i = 0; i < 512; i++) {
                long physical = ((long) d << 30) | ((long) i << 21);
                memory.putLong(pd + i * 8L, physical | PRESENT | WRITABLE | PAGE_SIZE_2M);
            }
        }
        return Layout.PML4_ADDRESS;
    }
}
