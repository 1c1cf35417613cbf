package org.vmm4j.linux.libvirt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.GuestStats;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * {@code virConnectGetAllDomainStats}: one call for every guest's state, CPU, balloon, vCPU,
 * interface and block statistics, decoded from libvirt's typed parameters into {@link GuestStats}.
 */
final class DomainStats {
    static final int STATS = LibvirtLayout.STATS_STATE | LibvirtLayout.STATS_CPU_TOTAL | LibvirtLayout.STATS_BALLOON
            | LibvirtLayout.STATS_VCPU | LibvirtLayout.STATS_INTERFACE | LibvirtLayout.STATS_BLOCK;

    private DomainStats() {
    }

    static List<GuestStats> query(LibvirtGuestManager manager, long conn, GuestFilter filter) {
        Libvirt lv = manager.lv;
        int flags = filter == GuestFilter.ACTIVE ? LibvirtLayout.LIST_DOMAINS_ACTIVE
                : filter == GuestFilter.INACTIVE ? LibvirtLayout.LIST_DOMAINS_INACTIVE : 0;
        NativeMemory out = Scratch.take(lv.access);
        try {
            int n = LibvirtErrors.check(lv, lv.virConnectGetAllDomainStats.call(conn, STATS, out.address(), flags),
                    "virConnectGetAllDomainStats");
            long array = out.getLong(0);
            List<GuestStats> result = new ArrayList<>(n);
            if (array == 0) {
                return result;
            }
            try {
                NativeMemory records = lv.access.view(array, 8L * n);
                for (int i = 0; i < n; i++) {
                    NativeMemory record = lv.access.view(records.getLong(8L * i), LibvirtLayout.STATS_RECORD_SIZE);
                    String name = lv.access.readString(lv.virDomainGetName.call(record.getLong(LibvirtLayout.STATS_RECORD_DOM)));
                    Map<String, Object> raw = TypedParameters.decode(lv, record.getLong(LibvirtLayout.STATS_RECORD_PARAMS),
                            record.getInt(LibvirtLayout.STATS_RECORD_NPARAMS));
                    result.add(typed(name, raw));
                }
            } finally {
                lv.virDomainStatsRecordListFree.call(array);
            }
            return result;
        } finally {
            Scratch.give(out);
        }
    }

    static GuestStats typed(String name, Map<String, Object> raw) {
        int state = (int) number(raw, "state.state", 0);
        int reason = (int) number(raw, "state.reason", 0);
        long cpuTime = number(raw, "cpu.time", 0);
        long current = number(raw, "balloon.current", -1);
        long maximum = number(raw, "balloon.maximum", -1);

        List<GuestStats.Vcpu> vcpus = new ArrayList<>();
        long vcpuCount = number(raw, "vcpu.maximum", number(raw, "vcpu.current", 0));
        for (int i = 0; i < vcpuCount; i++) {
            String p = "vcpu." + i + ".";
            if (raw.containsKey(p + "state") || raw.containsKey(p + "time")) {
                vcpus.add(new GuestStats.Vcpu(i, (int) number(raw, p + "state", -1),
                        Duration.ofNanos(Math.max(0, number(raw, p + "time", 0)))));
            }
        }
        List<GuestStats.Interface> interfaces = new ArrayList<>();
        long netCount = number(raw, "net.count", 0);
        for (int i = 0; i < netCount; i++) {
            String p = "net." + i + ".";
            interfaces.add(new GuestStats.Interface((String) raw.get(p + "name"),
                    number(raw, p + "rx.bytes", -1), number(raw, p + "rx.pkts", -1), number(raw, p + "rx.errs", -1),
                    number(raw, p + "rx.drop", -1), number(raw, p + "tx.bytes", -1), number(raw, p + "tx.pkts", -1),
                    number(raw, p + "tx.errs", -1), number(raw, p + "tx.drop", -1)));
        }
        List<GuestStats.Block> blocks = new ArrayList<>();
        long blockCount = number(raw, "block.count", 0);
        for (int i = 0; i < blockCount; i++) {
            String p = "block." + i + ".";
            blocks.add(new GuestStats.Block((String) raw.get(p + "name"), (String) raw.get(p + "path"),
                    number(raw, p + "rd.reqs", -1), number(raw, p + "rd.bytes", -1), number(raw, p + "wr.reqs", -1),
                    number(raw, p + "wr.bytes", -1), number(raw, p + "capacity", -1), number(raw, p + "allocation", -1)));
        }
        return new GuestStats(name, LibvirtGuest.state(state), reason, Duration.ofNanos(cpuTime),
                current < 0 ? -1 : current << 10, maximum < 0 ? -1 : maximum << 10, vcpus, interfaces, blocks, raw);
    }

    private static long number(Map<String, Object> raw, String key, long otherwise) {
        Object value = raw.get(key);
        if (value instanceof Number number) {
            return number.longValue();
        }
        return otherwise;
    }

    /** Decoding of {@code virTypedParameter} arrays (libvirt-common.h). */
    static final class TypedParameters {
        private TypedParameters() {
        }

        static Map<String, Object> decode(Libvirt lv, long params, int count) {
            Map<String, Object> values = new HashMap<>(Math.max(4, count * 2));
            if (params == 0 || count <= 0) {
                return values;
            }
            NativeMemory all = lv.access.view(params, count * LibvirtLayout.TYPED_PARAM_SIZE);
            for (int i = 0; i < count; i++) {
                long base = i * LibvirtLayout.TYPED_PARAM_SIZE;
                NativeMemory field = all.slice(base + LibvirtLayout.TYPED_PARAM_FIELD, LibvirtLayout.TYPED_PARAM_FIELD_LENGTH);
                String key = field.getString(0);
                long value = base + LibvirtLayout.TYPED_PARAM_VALUE;
                Object decoded;
                switch (all.getInt(base + LibvirtLayout.TYPED_PARAM_TYPE)) {
                    case LibvirtLayout.TYPED_PARAM_INT: decoded = all.getInt(value); break;
                    case LibvirtLayout.TYPED_PARAM_UINT: decoded = all.getUnsignedInt(value); break;
                    case LibvirtLayout.TYPED_PARAM_LLONG:
                    case LibvirtLayout.TYPED_PARAM_ULLONG: decoded = all.getLong(value); break;
                    case LibvirtLayout.TYPED_PARAM_DOUBLE: decoded = all.getDouble(value); break;
                    case LibvirtLayout.TYPED_PARAM_BOOLEAN: decoded = all.getByte(value) != 0; break;
                    case LibvirtLayout.TYPED_PARAM_STRING: decoded = lv.access.readString(all.getLong(value)); break;
                    default: continue;
                }
                values.put(key, decoded);
            }
            return values;
        }
    }
}
