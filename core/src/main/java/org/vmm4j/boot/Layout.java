package org.vmm4j.boot;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the boot structures live in guest-physical memory. Everything below 1 MiB is ours (there is
 * no firmware); the kernel goes to 1 MiB (bzImage) or to its ELF physical addresses (PVH); RAM
 * that would overlap the 32-bit MMIO hole is moved above 4 GiB.
 */
public final class Layout {

    private Layout() {}

    /** The GDT: null, null, code, data (the boot protocol's __BOOT_CS 0x10 / __BOOT_DS 0x18), TSS. */
    public static final long GDT_ADDRESS = 0x500;
    /** An empty IDT: the kernel installs its own before it enables interrupts. */
    public static final long IDT_ADDRESS = 0x580;
    /** hvm_start_info for the PVH entry. */
    public static final long PVH_START_INFO_ADDRESS = 0x6000;
    /** hvm_modlist_entry array (the initrd) for the PVH entry. */
    public static final long PVH_MODLIST_ADDRESS = 0x6040;
    /** hvm_memmap_table_entry array for the PVH entry; it may grow up to {@link #ZERO_PAGE_ADDRESS}. */
    public static final long PVH_MEMMAP_ADDRESS = 0x6100;
    /** Maximum number of PVH memory-map entries that fit before the zero page. */
    public static final int PVH_MEMMAP_MAX_ENTRIES = (int) ((0x7000 - PVH_MEMMAP_ADDRESS) / 24);
    /** boot_params ("zero page") for the bzImage 64-bit entry. */
    public static final long ZERO_PAGE_ADDRESS = 0x7000;
    /** Initial stack pointer (RSP, RBP) for the boot CPU. */
    public static final long BOOT_STACK_POINTER = 0x8ff0;
    /** The identity page tables: one PML4, one PDPT, then {@link #PD_COUNT} page directories. */
    public static final long PML4_ADDRESS = 0x9000;

    public static final long PDPT_ADDRESS = 0xa000;
    public static final long PD_ADDRESS = 0xb000;
    /** Page directories of 2 MiB pages: 4 of them identity-map the first 4 GiB. */
    public static final int PD_COUNT = 4;
    /** The kernel command line (NUL-terminated). */
    public static final long CMDLINE_ADDRESS = 0x20000;
    /** Bytes reserved for the command line, NUL included. */
    public static final int CMDLINE_CAPACITY = 0x10000;
    /** Start of the extended BIOS data area: conventional RAM ends here; the MP table begins here. */
    public static final long EBDA_ADDRESS = 0x9fc00;
    /** The MP floating pointer and configuration table. */
    public static final long MP_TABLE_ADDRESS = EBDA_ADDRESS;
    /** Where RAM resumes after the legacy hole (VGA, option ROMs, BIOS): the bzImage load address. */
    public static final long HIGH_MEMORY_ADDRESS = 0x100000;
    /** The bzImage protected-mode kernel is loaded here; its 64-bit entry is 0x200 further. */
    public static final long KERNEL_LOAD_ADDRESS = HIGH_MEMORY_ADDRESS;
    /** Offset of the 64-bit entry point from the protected-mode kernel's start (boot protocol 2.12+). */
    public static final long KERNEL_64BIT_ENTRY_OFFSET = 0x200;
    /** The 32-bit MMIO hole: devices (IOAPIC, LAPIC, virtio-mmio, PCI) live here, never RAM. */
    public static final long MMIO_HOLE_ADDRESS = 0xd000_0000L;

    public static final long MMIO_HOLE_END = 0x1_0000_0000L;
    /** The local APIC and IOAPIC default addresses (inside the MMIO hole). */
    public static final long LAPIC_ADDRESS = 0xfee0_0000L;

    public static final long IOAPIC_ADDRESS = 0xfec0_0000L;
    /**
     * Where virtio-mmio devices live: from the start of the MMIO hole, one 4 KiB window per device,
     * far below the IOAPIC and LAPIC; {@link #VIRTIO_MMIO_SLOTS} of them, each with its own ISA
     * interrupt ({@link #virtioMmioIrq}). The kernel learns of each from a
     * {@code virtio_mmio.device=4K@0xd0000000:5} parameter
     * ({@code org.vmm4j.virtio.VirtioMmio.commandLineEntry}).
     */
    public static final long VIRTIO_MMIO_BASE = MMIO_HOLE_ADDRESS;
    /** The guest-physical bytes of one virtio-mmio device: its registers and configuration space. */
    public static final long VIRTIO_MMIO_WINDOW = 0x1000;
    /**
     * How many virtio-mmio devices a machine can have: as many as there are ISA interrupts that no PC
     * device uses (the MP table routes only the 16 ISA interrupts to IOAPIC pins).
     */
    public static final int VIRTIO_MMIO_SLOTS = 8;
    /** ISA IRQs no PC device of ours uses: not 0 (timer), 1 (i8042), 2 (cascade), 3-4 (COM), 8 (RTC), 12, 13. */
    private static final int[] VIRTIO_MMIO_IRQS = {5, 6, 7, 9, 10, 11, 14, 15};

    /**
     * The guest-physical address of virtio-mmio slot {@code slot}.
     *
     * @throws IllegalArgumentException if the slot is not from 0 to {@link #VIRTIO_MMIO_SLOTS} - 1
     */
    public static long virtioMmioAddress(int slot) {
        checkVirtioSlot(slot);
        return VIRTIO_MMIO_BASE + slot * VIRTIO_MMIO_WINDOW;
    }

    /**
     * The ISA interrupt (IOAPIC pin) of virtio-mmio slot {@code slot}.
     *
     * @throws IllegalArgumentException if the slot is not from 0 to {@link #VIRTIO_MMIO_SLOTS} - 1
     */
    public static int virtioMmioIrq(int slot) {
        checkVirtioSlot(slot);
        return VIRTIO_MMIO_IRQS[slot];
    }

    private static void checkVirtioSlot(int slot) {
        if (slot < 0 || slot >= VIRTIO_MMIO_SLOTS) {
            throw new IllegalArgumentException(
                    "virtio-mmio slot " + slot + " is not from 0 to " + (VIRTIO_MMIO_SLOTS - 1));
        }
    }
    /**
     * The most guest RAM a machine can have: 4 TiB. KVM caps one memory slot at 2^31 - 1 pages (just
     * under 8 TiB) and answers EINVAL beyond; vmm4j maps the RAM above 4 GiB as one slot, and keeps a
     * power of two below KVM's cap.
     */
    public static final long MAX_MEMORY_SIZE = 1L << 42;
    /** The most vCPUs a machine can have: the limit of the MP table that describes them ({@code MpTable.MAX_VCPUS}). */
    public static final int MAX_VCPUS = MpTable.MAX_VCPUS;
    /** Page size used for alignment of the initrd. */
    public static final long PAGE_SIZE = 0x1000;

    /** A guest-physical RAM range the machine maps: {@code [address, address + size)}. */
    public record RamRange(long address, long size) {
        public long end() {
            return address + size;
        }
    }

    /**
     * The RAM ranges for {@code memorySize} bytes of guest RAM: from 0 up to the MMIO hole, and the
     * rest (if any) from 4 GiB. The machine maps these; the e820 map describes them.
     *
     * @throws IllegalArgumentException if the size is not a positive multiple of the page size, is
     *         below 2 MiB or above {@link #MAX_MEMORY_SIZE}
     */
    public static List<RamRange> ramRanges(long memorySize) {
        if (memorySize < 2 * 1024 * 1024 || memorySize % PAGE_SIZE != 0 || memorySize > MAX_MEMORY_SIZE) {
            throw new IllegalArgumentException("guest memory size must be a multiple of 4 KiB from 2 MiB to "
                    + (MAX_MEMORY_SIZE >> 30) + " GiB: " + memorySize);
        }
        List<RamRange> ranges = new ArrayList<>(2);
        long low = Math.min(memorySize, MMIO_HOLE_ADDRESS);
        ranges.add(new RamRange(0, low));
        if (memorySize > low) {
            ranges.add(new RamRange(MMIO_HOLE_END, memorySize - low));
        }
        return List.copyOf(ranges);
    }

    /** Bytes of RAM below the MMIO hole for {@code memorySize} bytes of guest RAM. */
    public static long lowMemorySize(long memorySize) {
        return Math.min(memorySize, MMIO_HOLE_ADDRESS);
    }
}
