package org.vmm4j.linux.internal;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.LibvirtLayout;

/**
 * The {@code field} of a {@code virTypedParameter} (libvirt-common.h, {@code char[80]}) as an interned
 * Java string, with the {@link org.vmm4j.guest.GuestStats} figure it feeds ({@link #slot}, and the
 * vCPU, interface or disk {@link #index}) worked out once per distinct name.
 *
 * <p>libvirt repeats the same few names ({@code "cpu.time"}, {@code "vcpu.0.time"}, ...) in every
 * stats record of every query, so {@link #read} matches the name's bytes, eight at a time, against
 * a direct-mapped cache instead of building a new string and re-parsing it per parameter. Only the
 * names are cached, never values; the cache is bounded (a colliding name replaces the older one) and
 * its entries are immutable, so racing threads at worst each build the same entry.
 */
final class TypedParameterKey {
    // What a name feeds. Scalars of the record:
    static final int OTHER = 0;
    static final int STATE = 1;
    static final int REASON = 2;
    static final int CPU_TIME = 3;
    static final int BALLOON_CURRENT = 4;
    static final int BALLOON_MAXIMUM = 5;
    static final int VCPU_CURRENT = 6;
    static final int VCPU_MAXIMUM = 7;
    static final int NET_COUNT = 8;
    static final int BLOCK_COUNT = 9;
    // Per vCPU ("vcpu.<index>.<field>"):
    static final int VCPU_STATE = 10;
    static final int VCPU_TIME = 11;
    // Per interface ("net.<index>.<field>"): the name, then NET_FIELDS counters in Interface order.
    static final int NET_NAME = 12;
    static final int NET_COUNTER = 13;
    static final String[] NET_FIELDS = {
        "rx.bytes", "rx.pkts", "rx.errs", "rx.drop", "tx.bytes", "tx.pkts", "tx.errs", "tx.drop"
    };
    // Per disk ("block.<index>.<field>"): name, path, then BLOCK_FIELDS figures in Block order.
    static final int BLOCK_NAME = 21;
    static final int BLOCK_PATH = 22;
    static final int BLOCK_FIGURE = 23;
    static final String[] BLOCK_FIELDS = {"rd.reqs", "rd.bytes", "wr.reqs", "wr.bytes", "capacity", "allocation"};

    /** Indexes at or above this are kept in the raw map only (no typed row is made for them). */
    static final int MAX_INDEX = 1 << 16;

    private static final int WORDS = LibvirtLayout.TYPED_PARAM_FIELD_LENGTH / 8;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final TypedParameterKey[] CACHE = new TypedParameterKey[4096];

    final String name;
    final int slot;
    final int index;
    private final long[] words;

    private TypedParameterKey(String name, long[] words) {
        this.name = name;
        this.words = words;
        int[] parsed = parse(name);
        this.slot = parsed[0];
        this.index = parsed[1];
    }

    /** The key of the NUL-terminated name at {@code offset} of {@code params} (80 bytes at most). */
    static TypedParameterKey read(NativeMemory params, long offset) {
        if (!LITTLE_ENDIAN) {
            String name =
                    params.slice(offset, LibvirtLayout.TYPED_PARAM_FIELD_LENGTH).getString(0);
            return new TypedParameterKey(name, new long[0]);
        }
        // First pass: length in words and a hash, with the bytes after the NUL masked off.
        int n = 0;
        long hash = 0;
        long last = 0;
        while (n < WORDS) {
            long w = params.getLong(offset + 8L * n);
            long zero = (w - ONES) & ~w & HIGHS; // the lowest set bit marks the first NUL byte
            n++;
            if (zero != 0) {
                int bytes = Long.numberOfTrailingZeros(zero) >>> 3;
                last = bytes == 0 ? 0 : w & (-1L >>> (64 - 8 * bytes));
                hash = (hash ^ last) * 0x9E3779B97F4A7C15L;
                break;
            }
            hash = (hash ^ w) * 0x9E3779B97F4A7C15L;
            last = w;
        }
        int slot = (int) (hash >>> 52) & (CACHE.length - 1);
        TypedParameterKey cached = CACHE[slot];
        if (cached != null && cached.matches(params, offset, n, last)) {
            return cached;
        }
        TypedParameterKey key = create(params, offset, n, last);
        CACHE[slot] = key;
        return key;
    }

    private boolean matches(NativeMemory params, long offset, int n, long last) {
        long[] w = words;
        if (w.length != n || w[n - 1] != last) {
            return false;
        }
        for (int i = 0; i < n - 1; i++) {
            if (params.getLong(offset + 8L * i) != w[i]) {
                return false;
            }
        }
        return true;
    }

    private static TypedParameterKey create(NativeMemory params, long offset, int n, long last) {
        long[] words = new long[n];
        byte[] bytes = new byte[8 * n];
        for (int i = 0; i < n; i++) {
            long w = i == n - 1 ? last : params.getLong(offset + 8L * i);
            words[i] = w;
            for (int b = 0; b < 8; b++) {
                bytes[8 * i + b] = (byte) (w >>> (8 * b));
            }
        }
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return new TypedParameterKey(new String(bytes, 0, length, StandardCharsets.UTF_8), words);
    }

    /** {slot, index} for a libvirt stats field name (libvirt-domain.h, "VIR_DOMAIN_STATS_*"). */
    static int[] parse(String name) {
        switch (name) {
            case "state.state":
                return new int[] {STATE, 0};
            case "state.reason":
                return new int[] {REASON, 0};
            case "cpu.time":
                return new int[] {CPU_TIME, 0};
            case "balloon.current":
                return new int[] {BALLOON_CURRENT, 0};
            case "balloon.maximum":
                return new int[] {BALLOON_MAXIMUM, 0};
            case "vcpu.current":
                return new int[] {VCPU_CURRENT, 0};
            case "vcpu.maximum":
                return new int[] {VCPU_MAXIMUM, 0};
            case "net.count":
                return new int[] {NET_COUNT, 0};
            case "block.count":
                return new int[] {BLOCK_COUNT, 0};
            default:
                break;
        }
        int dot = name.indexOf('.');
        int second = dot < 0 ? -1 : name.indexOf('.', dot + 1);
        if (second < 0) {
            return new int[] {OTHER, 0};
        }
        int index = index(name, dot + 1, second);
        if (index < 0) {
            return new int[] {OTHER, 0};
        }
        String group = name.substring(0, dot);
        String field = name.substring(second + 1);
        int slot = switch (group) {
            case "vcpu" -> field.equals("state") ? VCPU_STATE : field.equals("time") ? VCPU_TIME : OTHER;
            case "net" -> field.equals("name") ? NET_NAME : counter(NET_COUNTER, NET_FIELDS, field);
            case "block" ->
                field.equals("name")
                        ? BLOCK_NAME
                        : field.equals("path") ? BLOCK_PATH : counter(BLOCK_FIGURE, BLOCK_FIELDS, field);
            default -> OTHER;
        };
        return new int[] {slot, slot == OTHER ? 0 : index};
    }

    private static int counter(int first, String[] fields, String field) {
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].equals(field)) {
                return first + i;
            }
        }
        return OTHER;
    }

    /** The decimal index between {@code from} and {@code to}, or -1 if it is not one below MAX_INDEX. */
    private static int index(String name, int from, int to) {
        if (from == to || to - from > 5) {
            return -1;
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value < MAX_INDEX ? value : -1;
    }
}
