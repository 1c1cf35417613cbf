package org.vmm4j;

/**
 * One statistic a hypervisor exposes (KVM's {@code kvm_stats_desc}, bhyve's {@code vm_stat_desc}).
 *
 * @param name       its name, e.g. {@code exits}
 * @param type       how it evolves
 * @param unit       what it counts
 * @param base       base of {@code exponent}
 * @param exponent   value x base^exponent is the value in {@code unit} (e.g. -9 with POW10: nanoseconds)
 * @param size       number of values (1, or the number of histogram buckets)
 * @param bucketSize width of a linear histogram's buckets, else 0
 */
public record StatDescriptor(String name, Type type, Unit unit, Base base, int exponent, int size, int bucketSize) {

    public enum Type {
        CUMULATIVE,
        INSTANT,
        PEAK,
        LINEAR_HISTOGRAM,
        LOG_HISTOGRAM,
        UNKNOWN
    }

    public enum Unit {
        NONE,
        BYTES,
        SECONDS,
        CYCLES,
        BOOLEAN,
        UNKNOWN
    }

    public enum Base {
        POW10,
        POW2
    }

    /** Factor that turns a raw value into {@code unit}: base^exponent. */
    public double scale() {
        return Math.pow(base == Base.POW2 ? 2 : 10, exponent);
    }

    public boolean isHistogram() {
        return type == Type.LINEAR_HISTOGRAM || type == Type.LOG_HISTOGRAM;
    }
}
