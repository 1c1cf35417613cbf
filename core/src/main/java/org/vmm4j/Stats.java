package org.vmm4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reusable handle on a VM's or vCPU's statistics. Descriptors are read once when the handle is
 * opened; {@link #poll()} refreshes all values with one read into a reused buffer, and values are read
 * by a key resolved once:
 *
 * <pre>{@code
 * Stats stats = vcpu.stats();
 * int exits = stats.key("exits");
 * while (running) {
 *     stats.poll();
 *     long n = stats.get(exits);   // no allocation per poll
 * }
 * }</pre>
 *
 * Closing the VM or vCPU closes its handle.
 */
public interface Stats extends AutoCloseable {

    /** Where the values come from. */
    enum Source {
        /** KVM's binary statistics file descriptor (KVM_GET_STATS_FD, Linux 5.14+): one pread per poll. */
        BINARY_FD,
        /** KVM's debugfs text files: one file read and parse per statistic per poll; allocates. */
        DEBUGFS,
        /** bhyve's VM_STATS ioctl. */
        VM_STATS_IOCTL
    }

    Source source();

    /** The statistics, in key order: key {@code i} is descriptor {@code i}. */
    List<StatDescriptor> descriptors();

    /**
     * The key of the statistic named {@code name}.
     *
     * @throws IllegalArgumentException naming the statistic when it does not exist
     */
    int key(String name);

    /** Whether a statistic of that name exists. */
    boolean has(String name);

    /** Reads all current values. */
    Stats poll();

    /** {@link System#nanoTime()} when the last {@link #poll()} read the values. */
    long polledAtNanos();

    /** The (first) value of statistic {@code key} as of the last poll, raw (see {@link StatDescriptor#scale()}). */
    long get(int key);

    /** Value {@code element} of a multi-value statistic (a histogram bucket). */
    long get(int key, int element);

    /** Every statistic as of the last poll, with units applied (histograms as their sum); allocates. */
    default Map<String, Double> snapshot() {
        Map<String, Double> values = new LinkedHashMap<>();
        List<StatDescriptor> descriptors = descriptors();
        for (int k = 0; k < descriptors.size(); k++) {
            StatDescriptor d = descriptors.get(k);
            double v;
            if (d.isHistogram()) {
                long sum = 0;
                for (int i = 0; i < d.size(); i++) {
                    sum += get(k, i);
                }
                v = sum;
            } else {
                v = get(k) * d.scale();
            }
            values.put(d.name(), v);
        }
        return java.util.Collections.unmodifiableMap(values);
    }

    @Override
    void close();
}
