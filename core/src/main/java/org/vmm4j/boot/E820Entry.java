package org.vmm4j.boot;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the BIOS e820 memory map (struct boot_e820_entry in bootparam.h; the PVH
 * hvm_memmap_table_entry has the same meaning).
 */
public record E820Entry(long address, long size, int type) {

    public static final int TYPE_RAM = 1;
    public static final int TYPE_RESERVED = 2;

    public long end() {
        return address + size;
    }

    /**
     * The memory map for {@code memorySize} bytes of RAM laid out by {@link Layout#ramRanges}:
     * conventional RAM below the EBDA, the EBDA/BIOS area reserved (the MP table lives there),
     * RAM from 1 MiB to the MMIO hole, and RAM above 4 GiB.
     */
    public static List<E820Entry> memoryMap(long memorySize) {
        List<Layout.RamRange> ranges = Layout.ramRanges(memorySize);
        List<E820Entry> map = new ArrayList<>();
        Layout.RamRange low = ranges.get(0);
        if (low.end() <= Layout.HIGH_MEMORY_ADDRESS) {
            throw new BootException("guest memory of " + memorySize + " bytes does not reach past 1 MiB");
        }
        map.add(new E820Entry(0, Layout.EBDA_ADDRESS, TYPE_RAM));
        map.add(new E820Entry(Layout.EBDA_ADDRESS, Layout.HIGH_MEMORY_ADDRESS - Layout.EBDA_ADDRESS, TYPE_RESERVED));
        map.add(new E820Entry(Layout.HIGH_MEMORY_ADDRESS, low.end() - Layout.HIGH_MEMORY_ADDRESS, TYPE_RAM));
        for (int i = 1; i < ranges.size(); i++) {
            map.add(new E820Entry(ranges.get(i).address(), ranges.get(i).size(), TYPE_RAM));
        }
        return List.copyOf(map);
    }
}
