package org.vmm4j.freebsd.internal;

import static org.vmm4j.freebsd.abi.VmmDev.MAX_VM_STATS;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STATS;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STATS_CPUID;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STATS_INDEX;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STATS_NUM_ENTRIES;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STATS_SIZE;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STATS_STATBUF;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STATS_TV;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STAT_DESC;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STAT_DESC_DESC;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STAT_DESC_INDEX;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STAT_DESC_LEN;
import static org.vmm4j.freebsd.abi.VmmDev.VM_STAT_DESC_SIZE;

import java.util.ArrayList;
import java.util.List;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * One vCPU's vmm(4) statistics through {@code VM_STAT_DESC} and {@code VM_STATS}: what the tier-1
 * {@code BhyveStats} polls and what the guest manager sums over a running guest's vCPUs. The
 * {@code struct vm_stats} buffer is allocated once; {@link #poll} allocates nothing.
 */
public final class VmmStatistics implements AutoCloseable {
    private final VmmDevice device;
    private final int vcpu;
    private final NativeMemory arg = NativeAccess.get().allocate(VM_STATS_SIZE);

    public VmmStatistics(VmmDevice device, int vcpu) {
        this.device = device;
        this.vcpu = vcpu;
    }

    /** Every descriptor name of the VM: {@code VM_STAT_DESC} for index 0, 1, ... until the kernel says EINVAL. */
    public static List<String> readNames(VmmDevice device) {
        List<String> names = new ArrayList<>();
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

    /**
     * Reads the values into {@code values} ({@code ceil(values.length / MAX_VM_STATS)} ioctls); the kernel
     * may report fewer, and the rest keep their values.
     *
     * @return the kernel's timestamp of the values, in microseconds since the epoch
     */
    public long poll(long[] values) {
        int index = 0;
        while (index < values.length) {
            arg.putInt(VM_STATS_CPUID, vcpu);
            arg.putInt(VM_STATS_INDEX, index);
            arg.putInt(VM_STATS_NUM_ENTRIES, 0);
            int r = device.ioctl(VM_STATS, arg);
            if (r < 0) {
                throw Errno.exception("ioctl(VM_STATS) of vCPU " + vcpu, -r);
            }
            int n = Math.min(Math.min(arg.getInt(VM_STATS_NUM_ENTRIES), MAX_VM_STATS), values.length - index);
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                values[index + i] = arg.getLong(VM_STATS_STATBUF + 8L * i);
            }
            index += n;
        }
        return arg.getLong(VM_STATS_TV) * 1_000_000 + arg.getLong(VM_STATS_TV + 8);
    }

    @Override
    public void close() {
        arg.close();
    }
}
