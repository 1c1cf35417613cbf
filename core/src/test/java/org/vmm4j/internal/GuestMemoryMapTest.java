package org.vmm4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.GuestMemory;
import org.vmm4j.internal.nat.NativeAccess;

class GuestMemoryMapTest {
    private static final long PAGE = GuestMemoryMap.PAGE_SIZE;

    private final GuestMemoryMap map = new GuestMemoryMap("VM test");

    @AfterEach
    void unmap() {
        map.closeAll();
    }

    private static NativeGuestMemory region(long guestAddress, long size) {
        return new NativeGuestMemory(guestAddress, NativeAccess.get().allocate(size), false, false, 0);
    }

    private NativeGuestMemory added(long guestAddress, long size) {
        map.checkNew(guestAddress, size);
        NativeGuestMemory r = region(guestAddress, size);
        map.add(r);
        return r;
    }

    private String rejection(long guestAddress, long size) {
        return assertThrows(IllegalArgumentException.class, () -> map.checkNew(guestAddress, size))
                .getMessage();
    }

    @Test
    void rejectsEmptyNegativeUnalignedAndOverflowingRanges() {
        assertTrue(rejection(0, 0).contains("must be positive"));
        assertTrue(rejection(0, -PAGE).contains("must be positive"));
        assertTrue(rejection(-PAGE, PAGE).contains("must not be negative"));
        assertTrue(rejection(0x1234, PAGE).contains("0x1234 is not aligned"));
        assertTrue(rejection(0, PAGE + 1).contains("size 4097 is not a multiple"));
        assertTrue(rejection(Long.MAX_VALUE & -PAGE, 2 * PAGE).contains("overflows"));
    }

    @Test
    void rejectsOverlapsNamingBothRangesAndTheVmButNotNeighbours() {
        added(0x10000, 0x4000);
        String overlap = rejection(0x12000, 0x4000);
        assertTrue(
                overlap.contains("[0x12000, 0x16000) overlaps the region already mapped at [0x10000, 0x14000)"),
                overlap);
        assertTrue(overlap.endsWith("in VM test"), overlap);
        assertTrue(rejection(0xf000, 0x2000).contains("overlaps"), "ends inside the region");
        assertTrue(rejection(0x8000, 0x10000).contains("overlaps"), "covers the region");
        added(0xc000, 0x4000);
        added(0x14000, PAGE);
        assertEquals(3, map.size());
        NativeGuestMemory sameRange = region(0x10000, PAGE);
        try {
            assertThrows(IllegalArgumentException.class, () -> map.add(sameRange), "add checks too");
        } finally {
            sameRange.memory().close();
        }
        assertEquals(3, map.size());
    }

    @Test
    void keepsRegionsInAddressOrderWhateverOrderTheyCameIn() {
        NativeGuestMemory high = added(0x100000, PAGE);
        NativeGuestMemory low = added(0, PAGE);
        NativeGuestMemory middle = added(0x8000, 2 * PAGE);
        assertEquals(List.of(low, middle, high), map.list());
        assertSame(middle, map.get(1));
        assertEquals(4 * PAGE, map.totalBytes());
    }

    @Test
    void listIsAnUnmodifiableSnapshot() {
        added(0, PAGE);
        List<GuestMemory> before = map.list();
        added(PAGE, PAGE);
        assertEquals(1, before.size());
        assertEquals(2, map.list().size());
        assertThrows(UnsupportedOperationException.class, () -> before.remove(0));
    }

    @Test
    void findsTheRegionHoldingAnAddressAndNothingInGaps() {
        assertNull(map.find(0));
        NativeGuestMemory a = added(0x1000, 0x2000);
        NativeGuestMemory b = added(0x8000, PAGE);
        NativeGuestMemory c = added(0x100000, 0x10000);
        assertSame(a, map.find(0x1000));
        assertSame(a, map.find(0x2fff));
        assertNull(map.find(0x3000), "one past the end");
        assertNull(map.find(0xfff), "below the first region");
        assertSame(b, map.find(0x8abc));
        assertSame(c, map.find(0x10ffff));
        assertNull(map.find(0x110000), "above the last region");
        assertNull(map.find(-1));
        assertSame(c, map.at(0x100000));
        String miss = assertThrows(IllegalArgumentException.class, () -> map.at(0x5000))
                .getMessage();
        assertEquals("no guest memory at 0x5000 in VM test", miss);
    }

    @Test
    void lookingUpAnAddressAllocatesNothing() {
        for (int i = 0; i < 8; i++) {
            added(i * 0x10000L, PAGE);
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long hits = lookups(20_000);
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) { // best of three: a JIT transition allocates once
            long before = threads.getThreadAllocatedBytes(tid);
            hits += lookups(100_000);
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
        }
        assertEquals((20_000 + 3 * 100_000) / 2, hits);
        assertTrue(allocated < 1024, "100,000 lookups allocated " + allocated + " bytes");
    }

    private long lookups(int n) {
        long hits = 0;
        for (int i = 0; i < n; i++) {
            // even i: inside region i % 8; odd i: in the gap behind it
            if (map.find((i % 8) * 0x10000L + (i & 1) * 0x8000L) != null) {
                hits++;
            }
        }
        return hits;
    }

    @Test
    void ownAcceptsOnlyThisMapsRegions() {
        NativeGuestMemory mine = added(0, PAGE);
        assertSame(mine, map.own(mine));
        NativeGuestMemory foreign = region(0, PAGE);
        try {
            String message = assertThrows(IllegalArgumentException.class, () -> map.own(foreign))
                    .getMessage();
            assertTrue(message.endsWith(" is not a region of VM test"), message);
            assertThrows(IllegalArgumentException.class, () -> map.remove(foreign));
            assertTrue(foreign.memory().isAlive(), "a foreign region is left alone");
        } finally {
            foreign.memory().close();
        }
    }

    @Test
    void removeUnmapsTheRegionAndFreesItsRange() {
        NativeGuestMemory a = added(0, PAGE);
        NativeGuestMemory b = added(PAGE, PAGE);
        map.remove(a);
        assertFalse(a.memory().isAlive());
        assertTrue(b.memory().isAlive());
        assertEquals(List.of(b), map.list());
        assertNull(map.find(0));
        assertThrows(IllegalArgumentException.class, () -> map.own(a), "a removed region is no longer ours");
        NativeGuestMemory again = added(0, PAGE);
        assertSame(again, map.at(0));
    }

    @Test
    void closeAllUnmapsEveryRegionAndEmptiesTheMap() {
        NativeGuestMemory a = added(0, PAGE);
        NativeGuestMemory b = added(0x10000, PAGE);
        map.closeAll();
        assertFalse(a.memory().isAlive());
        assertFalse(b.memory().isAlive());
        assertTrue(map.isEmpty());
        assertNull(map.find(0x10000));
        assertSame(added(0, PAGE), map.at(0), "the ranges are free again");
    }
}
