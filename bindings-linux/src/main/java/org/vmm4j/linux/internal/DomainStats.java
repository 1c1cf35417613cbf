package org.vmm4j.linux.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestStats;
import org.vmm4j.internal.ArrayMap;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.LibvirtLayout;

/**
 * {@code virConnectGetAllDomainStats}: one call for every guest's state, CPU, balloon, vCPU,
 * interface and block statistics, decoded from libvirt's typed parameters into {@link GuestStats}.
 *
 * <p>Each record is decoded in one pass over its parameters: a parameter's name is matched against
 * the interned {@link TypedParameterKey}s (no string is built for a name seen before), its value is
 * put in the raw map and, when the name is one the typed parts carry, in the typed figure it names.
 */
public final class DomainStats {
    static final int STATS = LibvirtLayout.STATS_STATE
            | LibvirtLayout.STATS_CPU_TOTAL
            | LibvirtLayout.STATS_BALLOON
            | LibvirtLayout.STATS_VCPU
            | LibvirtLayout.STATS_INTERFACE
            | LibvirtLayout.STATS_BLOCK;

    private DomainStats() {}

    /** Every guest's statistics on the connection {@code conn} (pinned by the caller). */
    public static List<GuestStats> query(Libvirt lv, long conn, GuestFilter filter) {
        int flags = filter == GuestFilter.ACTIVE
                ? LibvirtLayout.LIST_DOMAINS_ACTIVE
                : filter == GuestFilter.INACTIVE ? LibvirtLayout.LIST_DOMAINS_INACTIVE : 0;
        NativeMemory out = Scratch.take(lv.access);
        try {
            int n = LibvirtErrors.check(
                    lv,
                    lv.virConnectGetAllDomainStats.call(conn, STATS, out.address(), flags),
                    "virConnectGetAllDomainStats");
            long array = out.getLong(0);
            if (array == 0) {
                return List.of();
            }
            try {
                NativeMemory records = lv.access.view(array, 8L * n);
                GuestStats[] result = new GuestStats[n];
                for (int i = 0; i < n; i++) {
                    NativeMemory record = lv.access.view(records.getLong(8L * i), LibvirtLayout.STATS_RECORD_SIZE);
                    String name = lv.access.readString(
                            lv.virDomainGetName.call(record.getLong(LibvirtLayout.STATS_RECORD_DOM)));
                    result[i] = decode(
                            lv.access,
                            name,
                            record.getLong(LibvirtLayout.STATS_RECORD_PARAMS),
                            record.getInt(LibvirtLayout.STATS_RECORD_NPARAMS));
                }
                return List.of(result);
            } finally {
                lv.virDomainStatsRecordListFree.call(array);
            }
        } finally {
            Scratch.give(out);
        }
    }

    /**
     * One guest's statistics from its {@code count} typed parameters at {@code params}. Numbers the
     * typed parts take are read as {@code long} (a double is truncated); figures not reported are -1
     * (state, reason and CPU time: 0). A string parameter that is NULL is left out of the raw map.
     */
    static GuestStats decode(NativeAccess access, String name, long params, int count) {
        Figures r = new Figures();
        if (params == 0 || count <= 0) {
            return r.toStats(name, Map.of());
        }
        NativeMemory all = access.view(params, count * LibvirtLayout.TYPED_PARAM_SIZE);
        String[] keys = new String[count];
        Object[] values = new Object[count];
        int kept = 0;
        for (int i = 0; i < count; i++) {
            long base = i * LibvirtLayout.TYPED_PARAM_SIZE;
            long at = base + LibvirtLayout.TYPED_PARAM_VALUE;
            Object value;
            long number;
            switch (all.getInt(base + LibvirtLayout.TYPED_PARAM_TYPE)) {
                case LibvirtLayout.TYPED_PARAM_INT -> {
                    int v = all.getInt(at);
                    number = v;
                    value = v;
                }
                case LibvirtLayout.TYPED_PARAM_UINT -> {
                    number = all.getUnsignedInt(at);
                    value = number;
                }
                case LibvirtLayout.TYPED_PARAM_LLONG, LibvirtLayout.TYPED_PARAM_ULLONG -> {
                    number = all.getLong(at);
                    value = number;
                }
                case LibvirtLayout.TYPED_PARAM_DOUBLE -> {
                    double v = all.getDouble(at);
                    number = (long) v;
                    value = v;
                }
                case LibvirtLayout.TYPED_PARAM_BOOLEAN -> {
                    value = all.getByte(at) != 0;
                    number = Long.MIN_VALUE;
                }
                case LibvirtLayout.TYPED_PARAM_STRING -> {
                    value = access.readString(all.getLong(at));
                    number = Long.MIN_VALUE;
                }
                default -> {
                    continue;
                }
            }
            if (value == null) {
                continue;
            }
            TypedParameterKey key = TypedParameterKey.read(all, base + LibvirtLayout.TYPED_PARAM_FIELD);
            if (key.slot != TypedParameterKey.OTHER) {
                r.put(key, value, number);
            }
            keys[kept] = key.name;
            values[kept++] = value;
        }
        return r.toStats(name, raw(keys, values, kept));
    }

    /** The raw map ({@code GuestStats} keeps it as is); a repeated name keeps its last value. */
    private static Map<String, Object> raw(String[] keys, Object[] values, int n) {
        try {
            return ArrayMap.adopt(keys, values, n);
        } catch (IllegalArgumentException repeated) {
            Map<String, Object> unique = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                unique.put(keys[i], values[i]);
            }
            return Map.copyOf(unique);
        }
    }

    /** The typed figures of one record while its parameters are read. */
    private static final class Figures {
        private long state;
        private long reason;
        private long cpuTime;
        private long balloonCurrent = -1;
        private long balloonMaximum = -1;
        private long vcpuCurrent = -1;
        private long vcpuMaximum = -1;
        private long netCount;
        private long blockCount;
        // Made when the first figure of the group arrives: most queries of a stopped guest have none.
        private Rows vcpus;
        private Rows nets;
        private Rows blocks;

        private Rows vcpus() {
            if (vcpus == null) {
                vcpus = new Rows(2, 0);
            }
            return vcpus;
        }

        private Rows nets() {
            if (nets == null) {
                nets = new Rows(TypedParameterKey.NET_FIELDS.length, 1);
            }
            return nets;
        }

        private Rows blocks() {
            if (blocks == null) {
                blocks = new Rows(TypedParameterKey.BLOCK_FIELDS.length, 2);
            }
            return blocks;
        }

        void put(TypedParameterKey key, Object value, long number) {
            boolean isNumber = value instanceof Number;
            int slot = key.slot;
            if (slot >= TypedParameterKey.BLOCK_FIGURE) {
                if (isNumber) {
                    blocks().number(key.index, slot - TypedParameterKey.BLOCK_FIGURE, number);
                }
            } else if (slot >= TypedParameterKey.NET_COUNTER && slot < TypedParameterKey.BLOCK_NAME) {
                if (isNumber) {
                    nets().number(key.index, slot - TypedParameterKey.NET_COUNTER, number);
                }
            } else if (slot == TypedParameterKey.BLOCK_NAME
                    || slot == TypedParameterKey.BLOCK_PATH
                    || slot == TypedParameterKey.NET_NAME) {
                if (value instanceof String s) {
                    (slot == TypedParameterKey.NET_NAME ? nets() : blocks())
                            .string(key.index, slot == TypedParameterKey.BLOCK_PATH ? 1 : 0, s);
                }
            } else if (isNumber) {
                switch (slot) {
                    case TypedParameterKey.STATE -> state = number;
                    case TypedParameterKey.REASON -> reason = number;
                    case TypedParameterKey.CPU_TIME -> cpuTime = number;
                    case TypedParameterKey.BALLOON_CURRENT -> balloonCurrent = number;
                    case TypedParameterKey.BALLOON_MAXIMUM -> balloonMaximum = number;
                    case TypedParameterKey.VCPU_CURRENT -> vcpuCurrent = number;
                    case TypedParameterKey.VCPU_MAXIMUM -> vcpuMaximum = number;
                    case TypedParameterKey.NET_COUNT -> netCount = number;
                    case TypedParameterKey.BLOCK_COUNT -> blockCount = number;
                    case TypedParameterKey.VCPU_STATE -> vcpus().number(key.index, 0, number);
                    case TypedParameterKey.VCPU_TIME -> vcpus().number(key.index, 1, number);
                    default -> {}
                }
            }
        }

        GuestStats toStats(String name, Map<String, Object> raw) {
            long vcpuCount = vcpuMaximum >= 0 ? vcpuMaximum : vcpuCurrent >= 0 ? vcpuCurrent : 0;
            List<GuestStats.Vcpu> vcpuList = List.of();
            if (vcpus != null) {
                List<GuestStats.Vcpu> list = new ArrayList<>();
                for (int i = 0; i < vcpuCount && i < vcpus.rows; i++) {
                    if (vcpus.present[i]) {
                        list.add(new GuestStats.Vcpu(
                                i, (int) vcpus.number(i, 0), Duration.ofNanos(Math.max(0, vcpus.number(i, 1)))));
                    }
                }
                vcpuList = List.copyOf(list);
            }
            List<GuestStats.Interface> interfaces = List.of();
            if (netCount > 0) {
                Rows nets = nets();
                GuestStats.Interface[] list =
                        new GuestStats.Interface[(int) Math.min(netCount, TypedParameterKey.MAX_INDEX)];
                for (int i = 0; i < list.length; i++) {
                    list[i] = new GuestStats.Interface(
                            nets.string(i, 0),
                            nets.number(i, 0),
                            nets.number(i, 1),
                            nets.number(i, 2),
                            nets.number(i, 3),
                            nets.number(i, 4),
                            nets.number(i, 5),
                            nets.number(i, 6),
                            nets.number(i, 7));
                }
                interfaces = List.of(list);
            }
            List<GuestStats.Block> blockList = List.of();
            if (blockCount > 0) {
                Rows blocks = blocks();
                GuestStats.Block[] list = new GuestStats.Block[(int) Math.min(blockCount, TypedParameterKey.MAX_INDEX)];
                for (int i = 0; i < list.length; i++) {
                    list[i] = new GuestStats.Block(
                            blocks.string(i, 0),
                            blocks.string(i, 1),
                            blocks.number(i, 0),
                            blocks.number(i, 1),
                            blocks.number(i, 2),
                            blocks.number(i, 3),
                            blocks.number(i, 4),
                            blocks.number(i, 5));
                }
                blockList = List.of(list);
            }
            return new GuestStats(
                    name,
                    DomainState.of((int) state),
                    (int) reason,
                    Duration.ofNanos(cpuTime),
                    balloonCurrent < 0 ? -1 : balloonCurrent << 10,
                    balloonMaximum < 0 ? -1 : balloonMaximum << 10,
                    vcpuList,
                    interfaces,
                    blockList,
                    raw);
        }
    }

    /** Per-index figures of one group ({@code vcpu.<i>.*}, {@code net.<i>.*}, {@code block.<i>.*}); -1 where not reported. */
    private static final class Rows {
        private final int width;
        private final int stringWidth;
        private long[] numbers = {};
        private String[] strings = {};
        private boolean[] present = {};
        private int rows;

        Rows(int width, int stringWidth) {
            this.width = width;
            this.stringWidth = stringWidth;
        }

        private void grow(int index) {
            if (index < rows) {
                return;
            }
            int n = Math.max(index + 1, Math.max(4, rows * 2));
            int old = numbers.length;
            numbers = Arrays.copyOf(numbers, n * width);
            Arrays.fill(numbers, old, numbers.length, -1);
            strings = Arrays.copyOf(strings, n * stringWidth);
            present = Arrays.copyOf(present, n);
            rows = n;
        }

        void number(int index, int field, long value) {
            grow(index);
            numbers[index * width + field] = value;
            present[index] = true;
        }

        void string(int index, int field, String value) {
            grow(index);
            strings[index * stringWidth + field] = value;
        }

        long number(int index, int field) {
            return index < rows ? numbers[index * width + field] : -1;
        }

        String string(int index, int field) {
            return index < rows ? strings[index * stringWidth + field] : null;
        }
    }
}
