package org.vmm4j.openbsd;

import java.util.List;
import org.vmm4j.GuestMemory;

/**
 * Translates a guest linear address to a guest-physical one by walking the guest's page tables in
 * guest memory: no paging, 32-bit paging (with 4 MiB pages), PAE, and 4-level long-mode paging (with
 * 2 MiB and 1 GiB pages). Needed because vmm(4) hands MMIO exits over without the faulting address.
 * The tables are guest memory, so a guest controls every entry: a walk reads only inside the given RAM
 * regions and allocates nothing.
 */
final class GuestPageWalker {
    static final long CR0_PG = 1L << 31;
    static final long CR4_PSE = 1L << 4;
    static final long CR4_PAE = 1L << 5;
    static final long EFER_LMA = 1L << 10;
    private static final long PRESENT = 1;
    private static final long PAGE_SIZE_BIT = 1L << 7;
    private static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;
    /** Linear-address bits indexing each level of 4-level paging (a constant: walks allocate nothing). */
    private static final int[] LONG_MODE_SHIFTS = {39, 30, 21, 12};

    private GuestPageWalker() {}

    /**
     * Walks the guest's page tables for a linear address.
     *
     * @return the guest-physical address, or -1 when a table entry is not present or lies outside
     *         guest RAM
     */
    static long translate(long linear, long cr0, long cr3, long cr4, long efer, List<GuestMemory> ram) {
        if ((cr0 & CR0_PG) == 0) {
            return (efer & EFER_LMA) != 0 ? linear : linear & 0xffff_ffffL;
        }
        if ((efer & EFER_LMA) != 0) {
            long table = cr3 & ADDRESS_MASK;
            for (int level = 0; level < 4; level++) {
                long entry = read64(ram, table + ((linear >>> LONG_MODE_SHIFTS[level]) & 0x1ff) * 8);
                if (entry == -1 || (entry & PRESENT) == 0) {
                    return -1;
                }
                if (level == 3 || ((level == 1 || level == 2) && (entry & PAGE_SIZE_BIT) != 0)) {
                    long pageMask = (1L << LONG_MODE_SHIFTS[level]) - 1;
                    return (entry & ADDRESS_MASK & ~pageMask) | (linear & pageMask);
                }
                table = entry & ADDRESS_MASK;
            }
            return -1;
        }
        long address = linear & 0xffff_ffffL;
        if ((cr4 & CR4_PAE) != 0) {
            long pdpte = read64(ram, (cr3 & 0xffff_ffe0L) + ((address >>> 30) & 3) * 8);
            if (pdpte == -1 || (pdpte & PRESENT) == 0) {
                return -1;
            }
            long pde = read64(ram, (pdpte & ADDRESS_MASK) + ((address >>> 21) & 0x1ff) * 8);
            if (pde == -1 || (pde & PRESENT) == 0) {
                return -1;
            }
            if ((pde & PAGE_SIZE_BIT) != 0) {
                return (pde & ADDRESS_MASK & ~0x1F_FFFFL) | (address & 0x1F_FFFFL);
            }
            long pte = read64(ram, (pde & ADDRESS_MASK) + ((address >>> 12) & 0x1ff) * 8);
            if (pte == -1 || (pte & PRESENT) == 0) {
                return -1;
            }
            return (pte & ADDRESS_MASK) | (address & 0xfff);
        }
        long pde = read32(ram, (cr3 & 0xffff_f000L) + ((address >>> 22) & 0x3ff) * 4);
        if (pde == -1 || (pde & PRESENT) == 0) {
            return -1;
        }
        if ((cr4 & CR4_PSE) != 0 && (pde & PAGE_SIZE_BIT) != 0) {
            return (pde & 0xffc0_0000L) | (address & 0x3f_ffffL);
        }
        long pte = read32(ram, (pde & 0xffff_f000L) + ((address >>> 12) & 0x3ff) * 4);
        if (pte == -1 || (pte & PRESENT) == 0) {
            return -1;
        }
        return (pte & 0xffff_f000L) | (address & 0xfff);
    }

    private static GuestMemory regionOf(List<GuestMemory> ram, long gpa, int width) {
        for (int i = 0; i < ram.size(); i++) { // no Iterator: a walk allocates nothing
            GuestMemory m = ram.get(i);
            if (m.contains(gpa) && m.contains(gpa + width - 1)) {
                return m;
            }
        }
        return null;
    }

    private static long read64(List<GuestMemory> ram, long gpa) {
        GuestMemory m = regionOf(ram, gpa, 8);
        return m == null ? -1 : m.getLong(gpa - m.guestAddress()) & 0x7FFF_FFFF_FFFF_FFFFL;
    }

    private static long read32(List<GuestMemory> ram, long gpa) {
        GuestMemory m = regionOf(ram, gpa, 4);
        return m == null ? -1 : m.getInt(gpa - m.guestAddress()) & 0xffff_ffffL;
    }

    /** Copies up to {@code length} bytes at guest-linear {@code linear}, stopping at a page it cannot map. */
    static int fetch(
            long linear, byte[] dst, int length, long cr0, long cr3, long cr4, long efer, List<GuestMemory> ram) {
        int n = 0;
        while (n < length) {
            long gpa = translate(linear + n, cr0, cr3, cr4, efer, ram);
            if (gpa < 0) {
                break;
            }
            GuestMemory m = regionOf(ram, gpa, 1);
            if (m == null) {
                break;
            }
            int chunk = (int) Math.min(length - n, 4096 - ((linear + n) & 0xfff));
            chunk = (int) Math.min(chunk, m.guestAddress() + m.size() - gpa);
            m.read(gpa - m.guestAddress(), dst, n, chunk);
            n += chunk;
        }
        return n;
    }
}
