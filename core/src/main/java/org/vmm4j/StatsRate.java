package org.vmm4j;

/**
 * Per-second rates of cumulative statistics between two polls. Keeps the previous values in an array
 * allocated once; {@link #update()} polls and computes, allocating nothing.
 */
public final class StatsRate {
    private final Stats stats;
    private final long[] previous;
    private final long[] current;
    private long previousAt;
    private long currentAt;

    public StatsRate(Stats stats) {
        this.stats = stats;
        int n = stats.descriptors().size();
        this.previous = new long[n];
        this.current = new long[n];
        stats.poll();
        copy(current);
        currentAt = stats.polledAtNanos();
    }

    /** Polls again; rates are then between this poll and the one before. */
    public StatsRate update() {
        System.arraycopy(current, 0, previous, 0, current.length);
        previousAt = currentAt;
        stats.poll();
        copy(current);
        currentAt = stats.polledAtNanos();
        return this;
    }

    private void copy(long[] into) {
        for (int k = 0; k < into.length; k++) {
            into[k] = stats.get(k);
        }
    }

    /** Change of statistic {@code key} between the last two polls. */
    public long delta(int key) {
        return current[key] - previous[key];
    }

    /** Change per second of statistic {@code key} between the last two polls (0 before the second poll). */
    public double perSecond(int key) {
        long elapsed = currentAt - previousAt;
        return previousAt == 0 || elapsed <= 0 ? 0.0 : delta(key) * 1e9 / elapsed;
    }
}
