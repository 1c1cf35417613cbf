package org.vmm4j.boot;

import java.util.List;
import org.vmm4j.GuestMemory;

/**
 * Writes the PVH boot structures (xen/include/public/arch-x86/hvm/start_info.h, version 1):
 * struct hvm_start_info, its module list (the initrd) and its memory map.
 */
final class StartInfo {

    public static final int MAGIC = 0x336ec578;
    public static final int VERSION = 1;
    public static final int SIZE = 56;
    public static final int OFFSET_MAGIC = 0;
    public static final int OFFSET_VERSION = 4;
    public static final int OFFSET_FLAGS = 8;
    public static final int OFFSET_NR_MODULES = 12;
    public static final int OFFSET_MODLIST_PADDR = 16;
    public static final int OFFSET_CMDLINE_PADDR = 24;
    public static final int OFFSET_RSDP_PADDR = 32;
    public static final int OFFSET_MEMMAP_PADDR = 40;
    public static final int OFFSET_MEMMAP_ENTRIES = 48;
    /** struct hvm_modlist_entry: paddr, size, cmdline_paddr, reserved. */
    public static final int MODLIST_ENTRY_SIZE = 32;
    /** struct hvm_memmap_table_entry: addr, size, type, reserved. */
    public static final int MEMMAP_ENTRY_SIZE = 24;

    private StartInfo() {}

    /** Writes start info, module list and memory map at the {@link Layout} addresses. */
    public static void write(
            GuestMemory memory,
            long commandLineAddress,
            long initrdAddress,
            long initrdSize,
            List<E820Entry> memoryMap) {
        if (memoryMap.size() > Layout.PVH_MEMMAP_MAX_ENTRIES) {
            throw new BootException(
                    "PVH memory map has " + memoryMap.size() + " entries, room for " + Layout.PVH_MEMMAP_MAX_ENTRIES);
        }
        long si = Layout.PVH_START_INFO_ADDRESS;
        memory.fill(si, SIZE, (byte) 0);
        memory.putInt(si + OFFSET_MAGIC, MAGIC);
        memory.putInt(si + OFFSET_VERSION, VERSION);
        memory.putLong(si + OFFSET_CMDLINE_PADDR, commandLineAddress);
        memory.putLong(si + OFFSET_MEMMAP_PADDR, Layout.PVH_MEMMAP_ADDRESS);
        memory.putInt(si + OFFSET_MEMMAP_ENTRIES, memoryMap.size());
        if (initrdSize > 0) {
            long m = Layout.PVH_MODLIST_ADDRESS;
            memory.fill(m, MODLIST_ENTRY_SIZE, (byte) 0);
            memory.putLong(m, initrdAddress);
            memory.putLong(m + 8, initrdSize);
            memory.putInt(si + OFFSET_NR_MODULES, 1);
            memory.putLong(si + OFFSET_MODLIST_PADDR, m);
        }
        long p = Layout.PVH_MEMMAP_ADDRESS;
        for (E820Entry e : memoryMap) {
            memory.putLong(p, e.address());
            memory.putLong(p + 8, e.size());
            memory.putInt(p + 16, e.type());
            memory.putInt(p + 20, 0);
            p += MEMMAP_ENTRY_SIZE;
        }
    }
}
