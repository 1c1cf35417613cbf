package org.vmm4j.freebsd;

import java.util.ArrayList;
import java.util.List;
import org.vmm4j.StatDescriptor;
import org.vmm4j.freebsd.internal.VmmDevice;
import org.vmm4j.freebsd.internal.VmmStatistics;
import org.vmm4j.spi.AbstractStats;

/**
 * One vCPU's vmm(4) statistics: names read once with {@code VM_STAT_DESC} (cached per VM), values
 * refreshed by {@link #poll()} with {@code VM_STATS} into a reused buffer and array: no allocation
 * and no text per poll.
 */
public final class BhyveStats extends AbstractStats {
    private final VmmStatistics statistics;
    private final List<String> names;
    private final long[] values;
    private long timestampMicros;

    BhyveStats(VmmDevice device, int vcpu, List<String> names) {
        super(Source.VM_STATS_IOCTL, "vCPU " + vcpu, counters(names));
        this.statistics = new VmmStatistics(device, vcpu);
        this.names = names;
        this.values = new long[names.size()];
    }

    private static List<StatDescriptor> counters(List<String> names) {
        List<StatDescriptor> d = new ArrayList<>(names.size());
        for (String name : names) {
            // vmm(4) statistics are plain counters with a description for a name; the kernel says no more.
            d.add(new StatDescriptor(
                    name,
                    StatDescriptor.Type.CUMULATIVE,
                    StatDescriptor.Unit.NONE,
                    StatDescriptor.Base.POW10,
                    0,
                    1,
                    0));
        }
        return d;
    }

    public List<String> names() {
        return names;
    }

    /** Refreshes the values ({@code ceil(n / MAX_VM_STATS)} ioctls). Allocates nothing. */
    @Override
    public BhyveStats poll() {
        super.poll();
        return this;
    }

    @Override
    protected void read() {
        timestampMicros = statistics.poll(values);
    }

    @Override
    protected long value(int key, int element) {
        return values[key];
    }

    public int count() {
        return values.length;
    }

    /** The value of statistic {@code index} as of the last poll. */
    public long value(int index) {
        return get(index);
    }

    /** The value of the statistic named {@code name}, or -1 if there is none (a lookup; not for hot loops). */
    public long value(String name) {
        return has(name) ? get(key(name)) : -1;
    }

    /** The kernel's timestamp of the last poll, in microseconds since the epoch. */
    public long timestampMicros() {
        return timestampMicros;
    }

    @Override
    protected void release() {
        statistics.close();
    }
}
