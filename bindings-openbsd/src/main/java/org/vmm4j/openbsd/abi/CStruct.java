package org.vmm4j.openbsd.abi;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A C struct (or union) laid out by the System V AMD64 rules every OpenBSD/amd64 compiler follows:
 * each member at the next multiple of its alignment, the whole rounded up to the largest alignment.
 * The offsets are only as good as the member list; {@code VmmLayoutsCompilerTest} compares every one
 * with gcc's answer for the same declarations.
 */
public final class CStruct {
    private final String name;
    private final Map<String, Long> offsets;
    private final long size;
    private final long alignment;

    private CStruct(String name, Map<String, Long> offsets, long size, long alignment) {
        this.name = name;
        this.offsets = offsets;
        this.size = size;
        this.alignment = alignment;
    }

    public static Builder struct(String name) {
        return new Builder(name, false);
    }

    public static Builder union(String name) {
        return new Builder(name, true);
    }

    public String name() {
        return name;
    }

    /** {@code sizeof}. */
    public long size() {
        return size;
    }

    /** {@code _Alignof}. */
    public long alignment() {
        return alignment;
    }

    /**
     * Offset of a member; nested members are written {@code outer.inner}.
     *
     * @throws IllegalArgumentException for a member the struct does not have
     */
    public long offset(String member) {
        Long offset = offsets.get(member);
        if (offset == null) {
            throw new IllegalArgumentException("struct " + name + " has no member " + member);
        }
        return offset;
    }

    public boolean has(String member) {
        return offsets.containsKey(member);
    }

    /** Every member (top-level and nested, dotted) with its offset, in declaration order. */
    public Map<String, Long> members() {
        return java.util.Collections.unmodifiableMap(offsets);
    }

    /** Collects members in declaration order. */
    public static final class Builder {
        private final String name;
        private final boolean union;
        private final Map<String, Long> offsets = new LinkedHashMap<>();
        private long cursor;
        private long size;
        private long alignment = 1;

        private Builder(String name, boolean union) {
            this.name = name;
            this.union = union;
        }

        public Builder u8(String member) {
            return scalar(member, 1, 1);
        }

        public Builder u16(String member) {
            return scalar(member, 2, 1);
        }

        public Builder u32(String member) {
            return scalar(member, 4, 1);
        }

        public Builder u64(String member) {
            return scalar(member, 8, 1);
        }
        /** {@code int}, {@code pid_t}, {@code uid_t}, {@code unsigned int}. */
        public Builder i32(String member) {
            return scalar(member, 4, 1);
        }
        /** {@code size_t}, {@code paddr_t}, {@code vaddr_t}, pointers. */
        public Builder word(String member) {
            return scalar(member, 8, 1);
        }

        public Builder pointer(String member) {
            return scalar(member, 8, 1);
        }

        public Builder bytes(String member, int count) {
            return scalar(member, 1, count);
        }

        public Builder u32Array(String member, int count) {
            return scalar(member, 4, count);
        }

        public Builder u64Array(String member, int count) {
            return scalar(member, 8, count);
        }

        public Builder wordArray(String member, int count) {
            return scalar(member, 8, count);
        }

        /** A scalar member of {@code count} elements of {@code width} bytes, aligned to {@code width}. */
        public Builder scalar(String member, int width, int count) {
            return place(member, width, (long) width * count);
        }

        /** A nested struct or union (array of {@code count}); its members appear as {@code member.inner}. */
        public Builder nested(String member, CStruct type, int count) {
            long at =
                    place(member, type.alignment(), type.size() * count).offsets.get(member);
            for (Map.Entry<String, Long> e : type.offsets.entrySet()) {
                offsets.put(member + "." + e.getKey(), at + e.getValue());
            }
            return this;
        }

        public Builder nested(String member, CStruct type) {
            return nested(member, type, 1);
        }

        /** The members of an anonymous union or struct, placed here without a name of their own. */
        public Builder anonymous(CStruct type) {
            long at = align(cursor, type.alignment());
            if (union) {
                at = 0;
            }
            alignment = Math.max(alignment, type.alignment());
            for (Map.Entry<String, Long> e : type.offsets.entrySet()) {
                offsets.put(e.getKey(), at + e.getValue());
            }
            advance(at, type.size());
            return this;
        }

        private Builder place(String member, long memberAlignment, long memberSize) {
            if (offsets.containsKey(member)) {
                throw new IllegalArgumentException("duplicate member " + member + " in " + name);
            }
            long at = union ? 0 : align(cursor, memberAlignment);
            alignment = Math.max(alignment, memberAlignment);
            offsets.put(member, at);
            advance(at, memberSize);
            return this;
        }

        private void advance(long at, long memberSize) {
            if (union) {
                size = Math.max(size, memberSize);
            } else {
                cursor = at + memberSize;
                size = cursor;
            }
        }

        public CStruct build() {
            return new CStruct(name, new LinkedHashMap<>(offsets), align(size, alignment), alignment);
        }

        private static long align(long value, long to) {
            return (value + to - 1) / to * to;
        }
    }
}
