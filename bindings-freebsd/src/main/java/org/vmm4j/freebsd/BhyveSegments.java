package org.vmm4j.freebsd;

import static org.vmm4j.freebsd.abi.Vmm.*;

import org.vmm4j.Segment;

/** Conversion between {@link Segment} and vmm(4)'s {@code seg_desc.access} (VMX access-rights format). */
final class BhyveSegments {
    private BhyveSegments() {}

    static int access(Segment s) {
        int access = s.type() & 0xf;
        access |= s.s() ? 0x10 : 0;
        access |= (s.dpl() & 3) << SEG_DESC_DPL_SHIFT;
        access |= s.present() ? SEG_DESC_PRESENT : 0;
        access |= s.avl() ? SEG_DESC_AVL : 0;
        access |= s.l() ? SEG_DESC_LONG : 0;
        access |= s.db() ? SEG_DESC_DEF32 : 0;
        access |= s.g() ? SEG_DESC_GRANULARITY : 0;
        access |= s.unusable() ? SEG_DESC_UNUSABLE : 0;
        return access;
    }

    static Segment segment(long base, int limit, int selector, int access) {
        return new Segment(
                base,
                limit,
                selector & 0xffff,
                access & 0xf,
                (access & SEG_DESC_PRESENT) != 0,
                (access >> SEG_DESC_DPL_SHIFT) & 3,
                (access & SEG_DESC_DEF32) != 0,
                (access & 0x10) != 0,
                (access & SEG_DESC_LONG) != 0,
                (access & SEG_DESC_GRANULARITY) != 0,
                (access & SEG_DESC_AVL) != 0,
                (access & SEG_DESC_UNUSABLE) != 0);
    }
}
