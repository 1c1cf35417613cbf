package org.vmm4j.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmm4j.testing.HeapGuestMemory;

/**
 * The devices' write log: which pages a range marks (against a plain model of one boolean per page), what a
 * queue marks when it takes a chain (the writable buffers only), and what it marks when a snapshot begins an
 * epoch (the used ring and every writable buffer its table names, through indirect tables too).
 */
class WriteLogTest {
    private static final int PAGE = WriteLog.PAGE_SIZE;
    private static final int SIZE = 8;
    private static final long DESC = 0x1000;
    private static final long AVAIL = 0x2000;
    private static final long USED = 0x3000;

    private final HeapGuestMemory low = new HeapGuestMemory(0, 0x40000);
    private final HeapGuestMemory high = new HeapGuestMemory(0x100000, 0x20000);
    private final GuestRam ram = GuestRam.logged(List.of(low, high));
    private final WriteLog log = ram.writeLog().orElseThrow();
    private final Rings rings = new Rings(low, SIZE, DESC, AVAIL, USED);
    private final Virtqueue queue = new Virtqueue(ram, 256);

    private void configure() {
        queue.configure(SIZE, DESC, AVAIL, USED, VirtioFeatures.RING_INDIRECT_DESC);
    }

    /** The marked pages of {@code region} as a list of page numbers. */
    private List<Long> marked(int region) {
        return java.util.stream.LongStream.range(0, log.pageCount(region))
                .filter(p -> log.isMarked(region, p))
                .boxed()
                .toList();
    }

    @Test
    void rangesMarkTheirPagesAsAPlainModelDoes() {
        HeapGuestMemory big = new HeapGuestMemory(0, 1 << 22); // 1024 pages: 16 words
        WriteLog l = GuestRam.logged(List.of(big)).writeLog().orElseThrow();
        boolean[] model = new boolean[1024];
        Random random = new Random(20);
        for (int round = 0; round < 2000; round++) {
            long offset = (long) random.nextInt(1 << 22) + (random.nextInt(8) == 0 ? (1 << 22) : 0);
            long length = random.nextInt(4) == 0 ? random.nextInt(300 * PAGE) : random.nextInt(3 * PAGE);
            l.mark(0, offset, length);
            for (long b = offset; b < offset + length && b < (1 << 22); b++) {
                model[(int) (b / PAGE)] = true;
            }
            if (round % 100 == 99) {
                long[] drained = new long[16];
                long count = l.markedCount();
                l.drain(0, drained);
                long expected = 0;
                for (int p = 0; p < 1024; p++) {
                    boolean bit = (drained[p >>> 6] & (1L << (p & 63))) != 0;
                    assertEquals(model[p], bit, "page " + p + " after round " + round);
                    expected += model[p] ? 1 : 0;
                    model[p] = false;
                }
                assertEquals(expected, count);
                assertEquals(0, l.markedCount(), "a drain clears the log");
            }
        }
    }

    @Test
    void aRangeMarksFromItsFirstToItsLastByteAndStopsAtTheRegionsEnd() {
        log.mark(0, PAGE - 1, 2); // the last byte of page 0 and the first of page 1
        log.mark(0, 0x3f000, 10 * PAGE); // the last page, the rest past the end
        log.mark(1, 5 * PAGE, 0); // nothing
        log.mark(1, 32 * PAGE - 1, 1); // the region's last byte
        log.mark(1, 40 * PAGE, PAGE); // past the region: nothing
        assertEquals(List.of(0L, 1L, 63L), marked(0), "page 63: the last of region 0 and of a bitmap word");
        assertEquals(List.of(31L), marked(1));
        log.markAll();
        assertEquals(0x40 + 0x20, log.markedCount());
    }

    @Test
    void aPoppedChainMarksItsWritableBuffersOnly() {
        configure();
        rings.descriptor(3, 0x8000, 16, Rings.NEXT, 5); // readable, page 8
        rings.descriptor(5, 0x9100, PAGE, Rings.NEXT | Rings.WRITE, 0); // pages 9 and 10
        rings.descriptor(0, 0x104000, 1, Rings.WRITE, 0); // page 4 of the second region
        rings.publish(3);
        assertTrue(queue.pop(queue.newChain()));
        assertEquals(List.of(9L, 10L), marked(0), "not the readable page 8, nor the rings");
        assertEquals(List.of(4L), marked(1));
    }

    @Test
    void unloggedRamMarksNothing() {
        GuestRam plain = GuestRam.of(low, high);
        assertTrue(plain.writeLog().isEmpty());
        Virtqueue q = new Virtqueue(plain, 256);
        q.configure(SIZE, DESC, AVAIL, USED, 0);
        rings.descriptor(1, 0x9000, 8, Rings.WRITE, 0);
        rings.publish(1);
        assertTrue(q.pop(q.newChain()));
        assertEquals(0, log.markedCount(), "the other RAM's log is untouched");
    }

    @Test
    void anEpochStartsWithTheUsedRingAndEveryWritableBufferTheTableNames() {
        configure();
        long table = 0x5000;
        rings.descriptor(0, 0x8000, 16, 0, 0); // readable: not marked
        rings.descriptor(1, 0x9000, 2 * PAGE, Rings.WRITE, 0); // pages 9, 10
        rings.descriptor(2, table, 3 * 16, Rings.INDIRECT, 0);
        rings.descriptor(table, 0, 0xc000, 8, Rings.NEXT, 1); // readable in the table
        rings.descriptor(table, 1, 0xd000, 8, Rings.NEXT | Rings.WRITE, 2); // page 13
        rings.descriptor(table, 2, 0x110000, PAGE, Rings.WRITE, 0); // page 16 of the second region
        rings.descriptor(3, 0x7fff_0000L, 8, Rings.WRITE, 0); // outside RAM: skipped
        rings.descriptor(4, 0x3f000, 2 * PAGE, Rings.WRITE, 0); // crosses the region's end: a pop refuses it
        queue.markWritable(log);
        assertEquals(List.of(3L, 9L, 10L, 13L), marked(0), "the used ring's page 3, and the writable buffers");
        assertEquals(List.of(16L), marked(1));
    }

    @Test
    void aHostileTableOfTablesMarksAllOfRamInsteadOfWalkingForever() {
        HeapGuestMemory big = new HeapGuestMemory(0, 4 << 20);
        GuestRam r = GuestRam.logged(List.of(big));
        WriteLog l = r.writeLog().orElseThrow();
        int size = Virtqueue.MAX_SIZE;
        long desc = 0;
        long table = 1 << 20;
        long used = 2 << 20;
        long avail = 3 << 20;
        Rings hostile = new Rings(big, size, desc, avail, used);
        for (int i = 0; i < size; i++) {
            hostile.descriptor(i, table, size * 16, Rings.INDIRECT, 0); // every entry: the whole table again
        }
        Virtqueue q = new Virtqueue(r, size);
        q.configure(size, desc, avail, used, VirtioFeatures.RING_INDIRECT_DESC);
        long begin = System.nanoTime();
        q.markWritable(l);
        long millis = (System.nanoTime() - begin) / 1_000_000;
        assertEquals(1024, l.markedCount(), "every page of the 4 MiB");
        assertTrue(millis < 5_000, "bounded work: " + millis + " ms");
    }

    @Test
    void aQueueNotReadyMarksNothing() {
        queue.markWritable(log);
        assertEquals(0, log.markedCount());
        long[] none = new long[1];
        log.drain(1, none);
        assertArrayEquals(new long[1], none);
        assertFalse(log.isMarked(0, 0));
    }
}
