package org.vmm4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.GuestStats;

class ArrayMapTest {
    private static ArrayMap of(int n) {
        String[] keys = new String[n + 3];
        Object[] values = new Object[n + 3];
        for (int i = 0; i < n; i++) {
            keys[i] = "vcpu." + i + ".time";
            values[i] = (long) i * 10;
        }
        return ArrayMap.adopt(keys, values, n);
    }

    @Test
    @SuppressWarnings("CollectionIncompatibleType") // asserts that a key of another type is simply absent
    void findsEveryKeyOfASmallAndALargeMapAndNothingElse() {
        for (int n : new int[] {0, 1, 8, 9, 100}) {
            ArrayMap map = of(n);
            assertEquals(n, map.size());
            for (int i = 0; i < n; i++) {
                // an equal string that is not the same instance
                String key = "vcpu." + i + ".time";
                assertEquals((long) i * 10, map.get(key));
                assertTrue(map.containsKey(key));
            }
            assertNull(map.get("vcpu." + n + ".time"));
            assertFalse(map.containsKey(42));
        }
    }

    @Test
    void equalsAndHashesLikeAnyMapWithTheSameEntriesInInsertionOrder() {
        ArrayMap map = of(20);
        Map<String, Object> expected = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.put("vcpu." + i + ".time", (long) i * 10);
            order.add("vcpu." + i + ".time");
        }
        assertEquals(expected, map);
        assertEquals(map, expected);
        assertEquals(expected.hashCode(), map.hashCode());
        assertEquals(order, new ArrayList<>(map.keySet()));
    }

    @Test
    void cannotBeChanged() {
        ArrayMap map = of(3);
        assertThrows(UnsupportedOperationException.class, () -> map.put("x", 1));
        assertThrows(UnsupportedOperationException.class, () -> map.remove("vcpu.0.time"));
        assertThrows(UnsupportedOperationException.class, map::clear);
        assertThrows(
                UnsupportedOperationException.class,
                () -> map.entrySet().iterator().next().setValue(1));
        assertEquals(3, map.size());
    }

    @Test
    void rejectsRepeatedKeysAndNulls() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ArrayMap.adopt(new String[] {"a", "b", "a"}, new Object[] {1, 2, 3}, 3));
        String[] many = new String[12];
        Object[] values = new Object[12];
        for (int i = 0; i < 12; i++) {
            many[i] = "k" + (i % 11);
            values[i] = i;
        }
        assertThrows(IllegalArgumentException.class, () -> ArrayMap.adopt(many, values, 12));
        assertEquals(11, ArrayMap.adopt(many, values, 11).size());
        assertThrows(NullPointerException.class, () -> ArrayMap.adopt(new String[] {"a"}, new Object[] {null}, 1));
        assertThrows(NullPointerException.class, () -> ArrayMap.adopt(new String[] {null}, new Object[] {1}, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ArrayMap.adopt(new String[1], new Object[1], 2));
    }

    @Test
    void guestStatsKeepsItInsteadOfCopying() {
        ArrayMap raw = of(2);
        GuestStats stats =
                new GuestStats("g", GuestState.RUNNING, 0, Duration.ZERO, -1, -1, List.of(), List.of(), List.of(), raw);
        assertSame(raw, stats.raw());
        Map<String, Object> mutable = new HashMap<>(raw);
        GuestStats copied = new GuestStats(
                "g", GuestState.RUNNING, 0, Duration.ZERO, -1, -1, List.of(), List.of(), List.of(), mutable);
        mutable.clear();
        assertEquals(raw, copied.raw());
    }
}
