package org.vmm4j.freebsd;

import java.util.ArrayList;
import java.util.List;

import org.vmm4j.StatDescriptor;
import org.vmm4j.Stats;
import org.vmm4j.freebsd.internal.VmmDevice;
import org.vmm4j.freebsd.internal.VmmStatistics;
import org.vmm4j.internal.StatIndex;

/**
 * One vCPU's vmm(4) statistics: names read once with {@code VM_STAT_DESC} (cached per VM), values
 * refreshed by {@link #poll()} with {@code VM_STATS} into a reused buffer and array: no allocation
 * and no text per poll.
 */
public final class BhyveStats implements Stats {
    private final VmmStatistics statistics;
    private final List<String> names;
    private final long[] values;
    private final StatIndex index;
    private long timestampMicros;
    private long polledAt;

    BhyveStats(VmmDevice device, int vcpu, List<String> names) {
        this.statistics = new VmmStatistics(device, vcpu);
        this.names = names;
        this.values = new long[names.size()];
        List<StatDescriptor> d = new ArrayList<>(names.size());
        for (String name : names) {
            // vmm(4) statistics are plain counters with a description for a name; the kernel says no more.
            d.add(new StatDescriptor(name, StatDescriptor.Type.CUMULATIVE, StatDescriptor.Unit.NONE,
                    StatDescriptor.Base.POW10, 0, 1, 0));
        }
        this.index = new StatIndex("vCPU " + vcpu, d);
    }

    public List<String> names() {
        return names;
    }

    /** Refreshes the values ({@code ceil(n / MAX_VM_STATS)} ioctls). Allocates nothing. */
    @Override
    public BhyveStats poll() {
        timestampMicros = statistics.poll(values);
        polledAt = System.nanoTime();
        return this;
    }

    @Override
    public Source source() {
        return Source.VM_STATS_IOCTL;
    }

    @Override
    public List<StatDescriptor> descriptors() {
        return index.descriptors();
    }

    @Override
    public int key(String name) {
        return index.key(name);
    }

    @Override
    public boolean has(String name) {
        return index.has(name);
    }

    @Override
    public long polledAtNanos() {
        return polledAt;
    }

    @Override
    public long get(int key) {
        return values[key];
    }

    @Override
    public long get(int key, int element) {
        if (element != 0) {
            throw new IndexOutOfBoundsException("vmm(4) statistics have one value; element " + element);
        }
        return values[key];
    }

    public int count() {
        return values.length;
    }

    /** The value of statistic {@code index} as of the last poll. */
    public long value(int index) {
        return values[index];
    }

    /** The value of the statistic named {@code name}, or -1 if there is none (a lookup; not for hot loops). */
    public long value(String name) {
        int i = names.indexOf(name);
        return i < 0 ? -1 : values[i];
    }

    /** The kernel's timestamp of the last poll, in microseconds since the epoch. */
    public long timestampMicros() {
        return timestampMicros;
    }

    @Override
    public void close() {
        statistics.close();
    }
}
