package org.vmm4j.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable {@code Map<String, Object>} over two arrays it adopts, for values decoded in bulk
 * (libvirt's typed parameters): no entry objects, no copy. Small maps are searched in order, larger
 * ones through an open-addressing index built once. Iterates in insertion order. Like
 * {@link Map#copyOf}, it holds no null key or value and no repeated key; the value types that copy
 * it ({@code GuestStats}) keep it as is instead.
 */
public final class ArrayMap extends AbstractMap<String, Object> {
    private static final int LINEAR = 8;

    private final String[] keys;
    private final Object[] values;
    private final int size;
    /** Slot to entry index + 1 (0: free), or null when the map is small enough to scan. */
    private final int[] index;

    private ArrayMap(String[] keys, Object[] values, int size, int[] index) {
        this.keys = keys;
        this.values = values;
        this.size = size;
        this.index = index;
    }

    /**
     * The map of the first {@code n} keys and values. The arrays become the map's: the caller must
     * not change them afterwards.
     *
     * @throws IllegalArgumentException if a key repeats
     * @throws NullPointerException     if a key or value is null
     */
    public static ArrayMap adopt(String[] keys, Object[] values, int n) {
        Objects.checkFromIndexSize(0, n, Math.min(keys.length, values.length));
        for (int i = 0; i < n; i++) {
            Objects.requireNonNull(keys[i], "key");
            Objects.requireNonNull(values[i], "value");
        }
        if (n <= LINEAR) {
            for (int i = 1; i < n; i++) {
                for (int j = 0; j < i; j++) {
                    if (keys[i].equals(keys[j])) {
                        throw duplicate(keys[i]);
                    }
                }
            }
            return new ArrayMap(keys, values, n, null);
        }
        int[] index = new int[Integer.highestOneBit(n * 2 - 1) << 1];
        int mask = index.length - 1;
        for (int i = 0; i < n; i++) {
            int slot = spread(keys[i].hashCode()) & mask;
            while (index[slot] != 0) {
                if (keys[index[slot] - 1].equals(keys[i])) {
                    throw duplicate(keys[i]);
                }
                slot = (slot + 1) & mask;
            }
            index[slot] = i + 1;
        }
        return new ArrayMap(keys, values, n, index);
    }

    private static IllegalArgumentException duplicate(String key) {
        return new IllegalArgumentException("repeated key: " + key);
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    @SuppressWarnings("ReferenceEquality") // identity first: keys are usually the interned names passed in
    private int find(Object key) {
        if (!(key instanceof String)) {
            return -1;
        }
        if (index == null) {
            for (int i = 0; i < size; i++) {
                String k = keys[i];
                if (k == key || k.equals(key)) {
                    return i;
                }
            }
            return -1;
        }
        int mask = index.length - 1;
        for (int slot = spread(key.hashCode()) & mask; index[slot] != 0; slot = (slot + 1) & mask) {
            String k = keys[index[slot] - 1];
            if (k == key || k.equals(key)) {
                return index[slot] - 1;
            }
        }
        return -1;
    }

    @Override
    public Object get(Object key) {
        int i = find(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public boolean containsKey(Object key) {
        return find(key) >= 0;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < size;
                    }

                    @Override
                    public Entry<String, Object> next() {
                        if (next >= size) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return Map.entry(keys[i], values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
