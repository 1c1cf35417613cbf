package org.vmm4j.boot;

import java.util.List;
import org.vmm4j.DescriptorTable;
import org.vmm4j.GuestMemory;
import org.vmm4j.Segment;

/**
 * The boot GDT: null, null, code at selector 0x10 and data at 0x18 (the boot protocol's
 * __BOOT_CS/__BOOT_DS), a TSS at 0x20 and the zero upper half a 64-bit TSS descriptor needs.
 * The same {@link Segment}s go into the vCPU's segment registers, so the descriptors and the
 * hidden segment caches agree.
 */
final class Gdt {

    public static final int CODE_SELECTOR = 0x10;
    public static final int DATA_SELECTOR = 0x18;
    public static final int TSS_SELECTOR = 0x20;
    public static final int ENTRIES = 6;
    /** Minimal TSS limit (104 bytes - 1). */
    public static final int TSS_LIMIT = 0x67;
    /** Busy TSS type (32-bit busy TSS in protected mode, 64-bit busy TSS in long mode). */
    public static final int TSS_TYPE_BUSY = 0xb;

    private Gdt() {}

    /** The code, data and TSS segments for the 64-bit (long mode) entry. */
    public static List<Segment> longMode() {
        return List.of(Segment.long64(CODE_SELECTOR, true), Segment.long64(DATA_SELECTOR, false), tss());
    }

    /** The code, data and TSS segments for the 32-bit protected-mode (PVH) entry. */
    public static List<Segment> protectedMode() {
        return List.of(Segment.flat32(CODE_SELECTOR, true), Segment.flat32(DATA_SELECTOR, false), tss());
    }

    private static Segment tss() {
        return new Segment(
                0, TSS_LIMIT, TSS_SELECTOR, TSS_TYPE_BUSY, true, 0, false, false, false, false, false, false);
    }

    /** Writes the GDT holding {@code code, data, tss} and returns its GDTR value. */
    public static DescriptorTable write(GuestMemory memory, List<Segment> codeDataTss) {
        long[] entries = new long[ENTRIES];
        for (Segment s : codeDataTss) {
            entries[s.selector() >> 3] = descriptor(s);
        }
        for (int i = 0; i < ENTRIES; i++) {
            memory.putLong(Layout.GDT_ADDRESS + i * 8L, entries[i]);
        }
        return new DescriptorTable(Layout.GDT_ADDRESS, ENTRIES * 8 - 1);
    }

    /** Writes an empty IDT and returns its IDTR value. */
    public static DescriptorTable writeEmptyIdt(GuestMemory memory) {
        memory.putLong(Layout.IDT_ADDRESS, 0);
        return new DescriptorTable(Layout.IDT_ADDRESS, 7);
    }

    /** The 8-byte segment descriptor for {@code s} (Intel SDM vol. 3, 3.4.5). */
    public static long descriptor(Segment s) {
        long limit = s.g() ? (s.limit() & 0xffff_ffffL) >>> 12 : s.limit() & 0xfffffL;
        long base = s.base() & 0xffff_ffffL;
        long access = (s.type() & 0xf) | (s.s() ? 1 << 4 : 0) | ((s.dpl() & 3) << 5) | (s.present() ? 1 << 7 : 0);
        long flags = (s.avl() ? 1 : 0) | (s.l() ? 2 : 0) | (s.db() ? 4 : 0) | (s.g() ? 8 : 0);
        return (limit & 0xffff)
                | (base & 0xff_ffff) << 16
                | access << 40
                | ((limit >>> 16) & 0xf) << 48
                | flags << 52
                | (base >>> 24) << 56;
    }
}
