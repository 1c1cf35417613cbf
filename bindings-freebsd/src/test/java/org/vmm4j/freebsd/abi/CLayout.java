package org.vmm4j.freebsd.abi;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TEST-ONLY: a C struct or union laid out by the x86-64 System V rules (each member at the next
 * multiple of its alignment, the whole padded to its largest alignment), from a member list copied
 * from a header. Nested members are reached with dotted paths ({@code "u.inout.port"}). Bit-field
 * groups are declared as their storage unit; the header's {@code _Static_assert}s pin the few types
 * given as {@link #opaque}. Used by the test doubles instead of {@link VmmDev}.
 */
public final class CLayout {
    public static final CLayout UINT8 = scalar("uint8_t", 1);
    public static final CLayout UINT16 = scalar("uint16_t", 2);
    public static final CLayout UINT32 = scalar("uint32_t", 4);
    public static final CLayout INT = scalar("int", 4);
    /** Every C enum of these headers is an {@code int} on amd64. */
    public static final CLayout ENUM = scalar("enum", 4);

    public static final CLayout UINT64 = scalar("uint64_t", 8);
    public static final CLayout INT64 = scalar("int64_t", 8);
    public static final CLayout SIZE_T = scalar("size_t", 8);
    public static final CLayout POINTER = scalar("void *", 8);
    public static final CLayout CHAR = scalar("char", 1);

    private final String name;
    private final long size;
    private final long align;
    private final Map<String, Long> offsets;

    private CLayout(String name, long size, long align, Map<String, Long> offsets) {
        this.name = name;
        this.size = size;
        this.align = align;
        this.offsets = offsets;
    }

    /** One member: {@code type name[count]} ({@code count} 1 for a plain member). */
    public record Member(String name, CLayout type, int count) {}

    public static Member member(String name, CLayout type) {
        return new Member(name, type, 1);
    }

    public static Member array(String name, CLayout element, int count) {
        return new Member(name, element, count);
    }

    private static CLayout scalar(String name, long size) {
        return new CLayout(name, size, size, Map.of());
    }

    /** A type whose size and alignment a header pins (e.g. by {@code _Static_assert}) rather than lists here. */
    public static CLayout opaque(String name, long size, long align) {
        return new CLayout(name, size, align, Map.of());
    }

    public static CLayout struct(String name, Member... members) {
        return compose(name, false, members);
    }

    public static CLayout union(String name, Member... members) {
        return compose(name, true, members);
    }

    private static CLayout compose(String name, boolean union, Member... members) {
        Map<String, Long> offsets = new LinkedHashMap<>();
        long end = 0;
        long align = 1;
        for (Member m : members) {
            long at = union ? 0 : alignUp(end, m.type.align);
            offsets.put(m.name, at);
            m.type.offsets.forEach((path, offset) -> offsets.put(m.name + "." + path, at + offset));
            end = Math.max(end, at + m.type.size * m.count);
            align = Math.max(align, m.type.align);
        }
        return new CLayout(name, alignUp(end, align), align, offsets);
    }

    private static long alignUp(long value, long align) {
        return (value + align - 1) / align * align;
    }

    /** {@code sizeof}. */
    public long size() {
        return size;
    }

    /** {@code offsetof} of a member, nested members by dotted path. */
    public long offset(String path) {
        Long offset = offsets.get(path);
        if (offset == null) {
            throw new IllegalArgumentException(name + " has no member " + path);
        }
        return offset;
    }

    @Override
    public String toString() {
        return name;
    }
}
