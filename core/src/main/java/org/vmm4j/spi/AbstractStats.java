package org.vmm4j.spi;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmm4j.StatDescriptor;
import org.vmm4j.Stats;

/**
 * The skeleton of a backend's {@link Stats} handle: what every handle keeps besides its values (the
 * descriptors read once when it opens, the name-to-key lookup, the time of the last poll) and the
 * closed state that makes a poll or a read after {@link #close()} an {@link IllegalStateException}.
 * A backend adds where the values come from: {@link #read()} refreshes its reused buffer,
 * {@link #value} reads one value from it, and {@link #release()} frees what it holds. {@link #poll()}
 * and {@link #get} add one volatile read to the backend's work and allocate nothing.
 */
public abstract class AbstractStats implements Stats {
    private final Source source;
    private final String owner;
    private final List<StatDescriptor> descriptors;
    private final Map<String, Integer> keys;
    /** Values per statistic (1, or a histogram's buckets), for the bounds of {@link #get(int, int)}. */
    private final int[] sizes;

    private long polledAt;
    private volatile boolean closed;

    /**
     * @param owner       what the statistics belong to, for messages ("kvm-1234/vcpu-0", "vCPU 2")
     * @param descriptors the statistics in key order; where a name repeats, the first one is its key
     */
    protected AbstractStats(Source source, String owner, List<StatDescriptor> descriptors) {
        this.source = source;
        this.owner = owner;
        this.descriptors = List.copyOf(descriptors);
        Map<String, Integer> byName = new HashMap<>();
        this.sizes = new int[this.descriptors.size()];
        for (int i = 0; i < sizes.length; i++) {
            StatDescriptor d = this.descriptors.get(i);
            byName.putIfAbsent(d.name(), i);
            sizes[i] = d.size();
        }
        this.keys = Map.copyOf(byName);
    }

    /** Refreshes every value into the handle's reused buffer. Called by {@link #poll()} while open. */
    protected abstract void read();

    /** Value {@code element} of statistic {@code key} as of the last {@link #read()}; both are in range. */
    protected abstract long value(int key, int element);

    /** Frees what the handle holds (fd, buffers). Called once, by the first {@link #close()}. */
    protected abstract void release();

    @Override
    public final Source source() {
        return source;
    }

    @Override
    public final List<StatDescriptor> descriptors() {
        return descriptors;
    }

    @Override
    public final int key(String name) {
        Integer k = keys.get(name);
        if (k == null) {
            throw new IllegalArgumentException("no statistic named '" + name + "' in " + owner);
        }
        return k;
    }

    @Override
    public final boolean has(String name) {
        return keys.containsKey(name);
    }

    /** Reads all current values (overridable only to narrow the return type). */
    @Override
    public Stats poll() {
        checkOpen();
        read();
        polledAt = System.nanoTime();
        return this;
    }

    @Override
    public final long polledAtNanos() {
        return polledAt;
    }

    @Override
    public final long get(int key) {
        checkOpen();
        checkKey(key);
        return value(key, 0);
    }

    @Override
    public final long get(int key, int element) {
        checkOpen();
        checkKey(key);
        if (element < 0 || element >= sizes[key]) {
            throw new IndexOutOfBoundsException("element " + element + " of "
                    + descriptors.get(key).name() + " in " + owner + " (it has " + sizes[key] + ")");
        }
        return value(key, element);
    }

    public final boolean isClosed() {
        return closed;
    }

    /** A key outside the descriptors is the caller's error; the message is built only then. */
    private void checkKey(int key) {
        if (key < 0 || key >= sizes.length) {
            throw new IndexOutOfBoundsException(
                    "statistic key " + key + " in " + owner + " (valid keys are 0 to " + (sizes.length - 1) + ")");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the statistics of " + owner + " are closed");
        }
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        release();
    }
}
