package org.vmm4j;

/**
 * A segment register with its hidden descriptor cache, in the form VT-x/SVM and every hypervisor
 * API use: base, limit (byte granular), selector, and the access-rights bits.
 *
 * @param type     the 4-bit descriptor type (e.g. 0xb = execute/read code, accessed; 0x3 = read/write data, accessed)
 * @param present  P bit
 * @param dpl      descriptor privilege level 0-3
 * @param db       D/B bit: 32-bit default operand size
 * @param s        S bit: code/data (true) or system (false) descriptor
 * @param l        L bit: 64-bit code segment
 * @param g        G bit: limit in 4 KiB units in the descriptor (the {@code limit} here is always in bytes)
 * @param avl      AVL bit
 * @param unusable the segment is not usable (null selector in protected mode)
 */
public record Segment(
        long base,
        int limit,
        int selector,
        int type,
        boolean present,
        int dpl,
        boolean db,
        boolean s,
        boolean l,
        boolean g,
        boolean avl,
        boolean unusable) {

    /** A real-mode segment: base = selector * 16, 64 KiB limit. */
    public static Segment realMode(int selector, boolean code) {
        return new Segment(
                (long) selector << 4,
                0xffff,
                selector,
                code ? 0xb : 0x3,
                true,
                0,
                false,
                true,
                false,
                false,
                false,
                false);
    }

    /** A flat 4 GiB 32-bit protected-mode segment. */
    public static Segment flat32(int selector, boolean code) {
        return new Segment(0, 0xffff_ffff, selector, code ? 0xb : 0x3, true, 0, true, true, false, true, false, false);
    }

    /** A 64-bit long-mode segment (code: L=1, D=0; data: flat). */
    public static Segment long64(int selector, boolean code) {
        return new Segment(0, 0xffff_ffff, selector, code ? 0xb : 0x3, true, 0, !code, true, code, true, false, false);
    }

    public Segment withSelector(int newSelector) {
        return new Segment(base, limit, newSelector, type, present, dpl, db, s, l, g, avl, unusable);
    }

    public Segment withBase(long newBase) {
        return new Segment(newBase, limit, selector, type, present, dpl, db, s, l, g, avl, unusable);
    }
}
