package org.vmm4j.freebsd;

import static org.vmm4j.freebsd.abi.VmmDev.*;

import java.util.List;

import org.vmm4j.StatDescriptor;
import org.vmm4j.Stats;
import org.vmm4j.internal.StatIndex;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * One vCPU's vmm(4) statistics: names read once with {@code VM_STAT_DESC} (cached per VM), values
 * refreshed by {@link #poll()} with {@code VM_STATS} into a reused buffer and array: no allocation
 * and no text per poll.
 */
public final class BhyveStats implements Stats {
    private final VmmDevice device;
    private final int vcpu;
    private final List<String> names;
    private final long[] values;
    private final NativeMemory arg = NativeAccess.get().allocate(VM_STATS_SIZE);
    private final StatIndex index;
    private long timestampMicros;
    private long polledAt;

    BhyveStats(VmmDevice device, int vcpu, List<String> names) {
        this.device = device;
        this.vcpu = vcpu;
        this.names = names;
        this.values = new long[names.size()];
        java.util.List<StatDescriptor> d = new java.util.ArrayList<>(names.size());
        for (String name : names) {
            // vmm(4) statistics are plain counters with a description for a name; the kernel says no more.
            d.add(new StatDescriptor(name, StatDescriptor.Type.CUMULATIVE, StatDescriptor.Unit.NONE,
                    StatDescriptor.Base.POW10, 0, 1, 0));
        }
        this.index = new StatIndex("vCPU " + vcpu, d);
    }

    /** Statistics of vCPU {@code vcpu} of the VM behind {@code device}, with names from {@link #readNames}. */
    public static BhyveStats of(VmmDevice device, int vcpu, List<String> names) {
        return new BhyveStats(device, vcpu, List.copyOf(names));
    }

    /** Reads every descriptor name of the VM: {@code VM_STAT_DESC} for index 0, 1, ... until the kernel says EINVAL. */
    public static List<String> readNames(VmmDevice device) {
        java.util.ArrayList<String> names = new java.util.ArrayList<>();
        try (NativeMemory desc = NativeAccess.get().allocate(VM_STAT_DESC_SIZE)) {
            for (int index = 0; index < 4096; index++) {
                desc.clear();
                desc.putInt(VM_STAT_DESC_INDEX, index);
                int r = device.ioctl(VM_STAT_DESC, desc);
                if (r == -Errno.EINVAL) {
                    break;
                }
                if (r < 0) {
                    throw Errno.exception("ioctl(VM_STAT_DESC, " + index + ")", -r);
                }
                names.add(desc.slice(VM_STAT_DESC_DESC, VM_STAT_DESC_LEN).getString(0));
            }
        }
        return List.copyOf(names);
    }

    public List<String> names() {
        return names;
    }

    /** Refreshes the values ({@code ceil(n / MAX_VM_STATS)} ioctls). Allocates nothing. */
    @Override
    public BhyveStats poll() {
        int index = 0;
        while (index < values.length) {
            arg.putInt(VM_STATS_CPUID, vcpu);
            arg.putInt(VM_STATS_INDEX, index);
            arg.putInt(VM_STATS_NUM_ENTRIES, 0);
            int r = device.ioctl(VM_STATS, arg);
            if (r < 0) {
                throw Errno.exception("ioctl(VM_STATS)", -r);
            }
            int n = Math.min(arg.getInt(VM_STATS_NUM_ENTRIES), values.length - index);
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                values[index + i] = arg.getLong(VM_STATS_STATBUF + 8L * i);
            }
            index += n;
        }
        timestampMicros = arg.getLong(VM_STATS_TV) * 1_000_000 + arg.getLong(VM_STATS_TV + 8);
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
        arg.close();
    }
}
