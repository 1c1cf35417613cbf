package org.vmm4j.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmm4j.testing.HeapGuestMemory;
import org.vmm4j.virtio.VirtqueueException.Problem;

class VirtqueueTest {
    private static final int SIZE = 8;
    private static final long DESC = 0x1000;
    private static final long AVAIL = 0x2000;
    private static final long USED = 0x3000;
    private static final long TABLE = 0x5000;

    // two regions that touch at 0x10000, as no machine has them, to prove a buffer may not span them
    private final HeapGuestMemory low = new HeapGuestMemory(0, 0x10000);
    private final HeapGuestMemory high = new HeapGuestMemory(0x10000, 0x10000);
    private final GuestRam ram = GuestRam.of(low, high);
    private final Rings rings = new Rings(low, SIZE, DESC, AVAIL, USED);
    private final Virtqueue queue = new Virtqueue(ram, 256);
    private final DescriptorChain chain = queue.newChain();

    private void configure(boolean eventIdx) {
        queue.configure(
                SIZE,
                DESC,
                AVAIL,
                USED,
                VirtioFeatures.RING_INDIRECT_DESC | (eventIdx ? VirtioFeatures.RING_EVENT_IDX : 0));
    }

    private Problem refusal() {
        return assertThrows(VirtqueueException.class, () -> queue.pop(chain)).problem();
    }

    @Test
    void readsDirectChainInOrderReadableFirst() {
        configure(false);
        rings.descriptor(3, 0x4000, 16, Rings.NEXT, 5);
        rings.descriptor(5, 0x4100, 512, Rings.NEXT | Rings.WRITE, 0);
        rings.descriptor(0, 0x14000, 1, Rings.WRITE, 0);
        rings.publish(3);

        assertTrue(queue.pop(chain));
        assertEquals(3, chain.head());
        assertEquals(3, chain.count());
        assertEquals(1, chain.readableCount());
        assertEquals(2, chain.writableCount());
        assertEquals(0x4000, chain.address(0));
        assertEquals(16, chain.length(0));
        assertFalse(chain.isWritable(0));
        assertEquals(0x4100, chain.address(1));
        assertEquals(512, chain.length(1));
        assertTrue(chain.isWritable(1));
        assertEquals(0x14000, chain.address(2));
        assertEquals(1, chain.region(2), "the buffer in the second region");
        assertEquals(0, chain.region(0));
        assertEquals(16, chain.readableBytes());
        assertEquals(513, chain.writableBytes());
        assertEquals(1, queue.lastAvailIndex());
        assertFalse(queue.pop(chain), "nothing more is available");
    }

    @Test
    void readsIndirectTable() {
        configure(false);
        rings.descriptor(TABLE, 0, 0x6000, 16, Rings.NEXT, 2);
        rings.descriptor(TABLE, 2, 0x6100, 0x200, Rings.NEXT, 1);
        rings.descriptor(TABLE, 1, 0x6400, 1, Rings.WRITE, 0);
        rings.descriptor(4, TABLE, 3 * 16, Rings.INDIRECT, 0);
        rings.publish(4);

        assertTrue(queue.pop(chain));
        assertEquals(4, chain.head(), "the id is the head in the ring, not in the table");
        assertEquals(3, chain.count());
        assertEquals(2, chain.readableCount());
        assertEquals(0x6000, chain.address(0));
        assertEquals(0x6100, chain.address(1));
        assertEquals(0x6400, chain.address(2));
        assertEquals(16 + 0x200, chain.readableBytes());
        assertEquals(1, chain.writableBytes());
    }

    @Test
    void readsDirectDescriptorsFollowedByIndirectTable() {
        configure(false);
        rings.descriptor(1, 0x7000, 8, Rings.NEXT, 2);
        rings.descriptor(2, TABLE, 32, Rings.INDIRECT | Rings.WRITE, 0); // WRITE on an indirect descriptor is ignored
        rings.descriptor(TABLE, 0, 0x7100, 4, Rings.NEXT, 1);
        rings.descriptor(TABLE, 1, 0x7200, 64, Rings.WRITE, 0);
        rings.publish(1);

        assertTrue(queue.pop(chain));
        assertEquals(3, chain.count());
        assertEquals(2, chain.readableCount());
        assertEquals(0x7000, chain.address(0));
        assertEquals(0x7100, chain.address(1));
        assertEquals(0x7200, chain.address(2));
        assertEquals(64, chain.length(2));
        assertEquals("DescriptorChain[head 1: r 0x7000+8, r 0x7100+4, w 0x7200+64]", chain.toString());
    }

    @Test
    void acceptsZeroLengthBufferAndMaximumLength() {
        configure(false);
        rings.descriptor(0, 0xfff0, 0, Rings.NEXT, 1);
        rings.descriptor(1, 0x10000, 0x10000, 0, 0);
        rings.publish(0);
        assertTrue(queue.pop(chain));
        assertEquals(0x10000, chain.length(1), "a buffer may fill its region exactly");
    }

    @Test
    void refusesHeadBeyondQueue() {
        configure(false);
        rings.publish(SIZE);
        assertEquals(Problem.INDEX_OUT_OF_RANGE, refusal());
        assertEquals(0, queue.lastAvailIndex(), "a refused chain is not consumed");
        assertEquals(0, chain.count());
    }

    @Test
    void refusesNextBeyondQueue() {
        configure(false);
        rings.descriptor(0, 0x4000, 1, Rings.NEXT, SIZE);
        rings.publish(0);
        assertEquals(Problem.INDEX_OUT_OF_RANGE, refusal());
    }

    @Test
    void refusesBufferOutsideRam() {
        configure(false);
        rings.descriptor(0, 0x20000, 1, 0, 0);
        rings.publish(0);
        assertEquals(Problem.BUFFER_OUTSIDE_RAM, refusal());
    }

    @Test
    void refusesBufferRunningPastTheEndOfRam() {
        configure(false);
        rings.descriptor(0, 0x1ff00, 0x101, 0, 0);
        rings.publish(0);
        assertEquals(Problem.BUFFER_OUTSIDE_RAM, refusal());
    }

    @Test
    void refusesBufferWhoseEndWraps() {
        configure(false);
        rings.descriptor(0, -0x10L, 0x20, 0, 0);
        rings.publish(0);
        assertEquals(Problem.BUFFER_OUTSIDE_RAM, refusal());
        rings.descriptor(0, 0x4000, -1, 0, 0); // 4 GiB - 1 bytes
        assertEquals(Problem.BUFFER_OUTSIDE_RAM, refusal());
    }

    @Test
    void refusesBufferSpanningTwoRegions() {
        configure(false);
        rings.descriptor(0, 0xff00, 0x200, 0, 0);
        rings.publish(0);
        assertEquals(Problem.BUFFER_OUTSIDE_RAM, refusal());
    }

    @Test
    void refusesLoop() {
        configure(false);
        rings.descriptor(0, 0x4000, 1, Rings.NEXT, 1);
        rings.descriptor(1, 0x4000, 1, Rings.NEXT, 2);
        rings.descriptor(2, 0x4000, 1, Rings.NEXT, 1);
        rings.publish(0);
        VirtqueueException e = assertThrows(VirtqueueException.class, () -> queue.pop(chain));
        assertEquals(Problem.LOOP, e.problem());
        assertTrue(e.getMessage().contains("descriptor 1 is visited twice"), e.getMessage());
    }

    @Test
    void refusesSelfLoopInIndirectTable() {
        configure(false);
        rings.descriptor(0, TABLE, 32, Rings.INDIRECT, 0);
        rings.descriptor(TABLE, 0, 0x4000, 1, Rings.NEXT, 1);
        rings.descriptor(TABLE, 1, 0x4000, 1, Rings.NEXT, 1);
        rings.publish(0);
        assertEquals(Problem.LOOP, refusal());
    }

    @Test
    void refusesChainLongerThanQueue() {
        configure(false);
        // 3 direct descriptors, then an indirect table of 6: 9 buffers in a queue of 8
        rings.descriptor(0, 0x4000, 1, Rings.NEXT, 1);
        rings.descriptor(1, 0x4000, 1, Rings.NEXT, 2);
        rings.descriptor(2, 0x4000, 1, Rings.NEXT, 3);
        rings.descriptor(3, TABLE, 6 * 16, Rings.INDIRECT, 0);
        for (int i = 0; i < 6; i++) {
            rings.descriptor(TABLE, i, 0x4000, 1, i < 5 ? Rings.NEXT : 0, i + 1);
        }
        rings.publish(0);
        assertEquals(Problem.CHAIN_TOO_LONG, refusal());
        // one fewer in the table: exactly the queue size is allowed
        rings.descriptor(3, TABLE, 5 * 16, Rings.INDIRECT, 0);
        rings.descriptor(TABLE, 4, 0x4000, 1, 0, 0);
        assertTrue(queue.pop(chain));
        assertEquals(SIZE, chain.count());
    }

    @Test
    void refusesIndirectWhenNotNegotiated() {
        queue.configure(SIZE, DESC, AVAIL, USED, VirtioFeatures.RING_EVENT_IDX);
        assertFalse(queue.indirect());
        rings.descriptor(0, TABLE, 16, Rings.INDIRECT, 0);
        rings.descriptor(TABLE, 0, 0x4000, 1, 0, 0);
        rings.publish(0);
        assertEquals(Problem.INDIRECT_NOT_NEGOTIATED, refusal());
    }

    @Test
    void refusesChainOfMoreThan4GiB() {
        // a second region of 8 GiB that only has a size: the buffers are checked, never touched
        GuestRam big = GuestRam.of(low, new SizeOnlyRegion(1L << 32, 8L << 30));
        Virtqueue q = new Virtqueue(big, SIZE);
        DescriptorChain c = q.newChain();
        q.configure(SIZE, DESC, AVAIL, USED, 0);
        rings.descriptor(0, 1L << 32, -1, Rings.NEXT, 1); // 2^32 - 1 bytes
        rings.descriptor(1, 2L << 32, 1, 0, 0);
        rings.publish(0);
        assertTrue(q.pop(c), "exactly 2^32 bytes is allowed");
        assertEquals(1L << 32, c.readableBytes());
        rings.descriptor(1, 2L << 32, 2, 0, 0);
        rings.publish(0);
        assertEquals(
                Problem.TOTAL_LENGTH,
                assertThrows(VirtqueueException.class, () -> q.pop(c)).problem());
    }

    @Test
    void refusesReadableAfterWritable() {
        configure(false);
        rings.descriptor(0, 0x4000, 1, Rings.NEXT | Rings.WRITE, 1);
        rings.descriptor(1, 0x4000, 1, 0, 0);
        rings.publish(0);
        assertEquals(Problem.READABLE_AFTER_WRITABLE, refusal());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 8, 24, 17})
    void refusesIndirectTableWhoseLengthIsNotAPositiveMultipleOf16(int length) {
        configure(false);
        rings.descriptor(0, TABLE, length, Rings.INDIRECT, 0);
        rings.publish(0);
        assertEquals(Problem.INDIRECT_LENGTH, refusal());
    }

    @Test
    void refusesNestedIndirectTable() {
        configure(false);
        rings.descriptor(0, TABLE, 32, Rings.INDIRECT, 0);
        rings.descriptor(TABLE, 0, 0x4000, 1, Rings.NEXT, 1);
        rings.descriptor(TABLE, 1, TABLE, 32, Rings.INDIRECT, 0);
        rings.publish(0);
        assertEquals(Problem.INDIRECT_NESTED, refusal());
    }

    @Test
    void refusesIndirectWithNext() {
        configure(false);
        rings.descriptor(0, TABLE, 16, Rings.INDIRECT | Rings.NEXT, 1);
        rings.descriptor(TABLE, 0, 0x4000, 1, 0, 0);
        rings.publish(0);
        assertEquals(Problem.INDIRECT_WITH_NEXT, refusal());
    }

    @Test
    void refusesIndirectTableLongerThanQueue() {
        configure(false);
        rings.descriptor(0, TABLE, (SIZE + 1) * 16, Rings.INDIRECT, 0);
        rings.publish(0);
        assertEquals(Problem.INDIRECT_TOO_LONG, refusal());
    }

    @Test
    void refusesIndirectTableOutsideRam() {
        configure(false);
        rings.descriptor(0, 0x1fff0, 32, Rings.INDIRECT, 0);
        rings.publish(0);
        assertEquals(Problem.INDIRECT_OUTSIDE_RAM, refusal());
    }

    @Test
    void refusesNextBeyondIndirectTable() {
        configure(false);
        rings.descriptor(0, TABLE, 32, Rings.INDIRECT, 0);
        rings.descriptor(TABLE, 0, 0x4000, 1, Rings.NEXT, 2); // the table has entries 0 and 1
        rings.publish(0);
        assertEquals(Problem.INDEX_OUT_OF_RANGE, refusal());
    }

    @Test
    void refusesAvailableIndexRunningAheadOfTheQueue() {
        configure(false);
        rings.availIdx(SIZE + 1);
        assertEquals(Problem.AVAIL_INDEX, refusal());
    }

    @Test
    void refusalAfterAReadChainLeavesTheChainEmpty() {
        configure(false);
        rings.descriptor(0, 0x4000, 4, 0, 0);
        rings.publish(0);
        assertTrue(queue.pop(chain));
        assertEquals(1, chain.count());
        rings.availIdx(1 + SIZE + 1);
        assertEquals(Problem.AVAIL_INDEX, refusal());
        assertEquals(0, chain.count(), "found by DescriptorChainFuzzTest: the last chain stayed");
        assertEquals(-1, chain.head());
        rings.availIdx(1);
        assertFalse(queue.pop(chain));
        assertEquals(0, chain.count());
    }

    @Test
    void refusesUseBeforeConfiguration() {
        assertEquals(Problem.NOT_READY, refusal());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 12, 512, 65536, -8})
    void refusesQueueSizeNotAPowerOfTwoWithinTheMaximum(int size) {
        VirtqueueException e =
                assertThrows(VirtqueueException.class, () -> queue.configure(size, DESC, AVAIL, USED, 0));
        assertEquals(Problem.QUEUE_SIZE, e.problem());
        assertFalse(queue.ready());
    }

    @Test
    void refusesMisalignedRings() {
        assertEquals(Problem.RING_ALIGNMENT, configureRefusal(DESC + 8, AVAIL, USED));
        assertEquals(Problem.RING_ALIGNMENT, configureRefusal(DESC, AVAIL + 1, USED));
        assertEquals(Problem.RING_ALIGNMENT, configureRefusal(DESC, AVAIL, USED + 2));
        queue.configure(SIZE, DESC, AVAIL + 2, USED + 4, 0); // the spec's minimum alignments
        assertTrue(queue.ready());
    }

    @Test
    void refusesRingsOutsideRam() {
        assertEquals(Problem.RING_OUTSIDE_RAM, configureRefusal(0x20000, AVAIL, USED));
        assertEquals(Problem.RING_OUTSIDE_RAM, configureRefusal(DESC, 0xfffe, USED), "across the regions");
        assertEquals(Problem.RING_OUTSIDE_RAM, configureRefusal(DESC, AVAIL, 0x1fffc));
        assertEquals(Problem.RING_OUTSIDE_RAM, configureRefusal(-16, AVAIL, USED), "wraps");
    }

    private Problem configureRefusal(long desc, long avail, long used) {
        return assertThrows(VirtqueueException.class, () -> queue.configure(SIZE, desc, avail, used, 0))
                .problem();
    }

    @Test
    void maximumSizeQueueFitsAndReads() {
        HeapGuestMemory big = new HeapGuestMemory(0, 1 << 20);
        Virtqueue q = new Virtqueue(GuestRam.of(big), Virtqueue.MAX_SIZE);
        Rings r = new Rings(big, Virtqueue.MAX_SIZE, 0, 0x80000, 0xa0000);
        q.configure(Virtqueue.MAX_SIZE, 0, 0x80000, 0xa0000, VirtioFeatures.RING_EVENT_IDX);
        r.descriptor(Virtqueue.MAX_SIZE - 1, 0xf0000, 4, 0, 0);
        r.publish(Virtqueue.MAX_SIZE - 1);
        DescriptorChain c = q.newChain();
        assertTrue(q.pop(c));
        assertEquals(Virtqueue.MAX_SIZE - 1, c.head());
    }

    @Test
    void usedElementThenIndexAcrossTheWrap() {
        configure(false);
        rings.descriptor(0, 0x4000, 4, Rings.WRITE, 0);
        for (int i = 0; i < 70_000; i++) {
            rings.publish(0);
            assertTrue(queue.pop(chain));
            queue.addUsed(chain.head(), i);
            assertEquals((i + 1) & 0xffff, rings.usedIdx());
            assertEquals(0, rings.usedId(i % SIZE));
            assertEquals(i, rings.usedLen(i % SIZE));
        }
        assertEquals(70_000 & 0xffff, queue.usedIndex());
        assertThrows(IllegalArgumentException.class, () -> queue.addUsed(SIZE, 0));
    }

    @Test
    void noInterruptFlagSuppressesInterruptsWithoutEventIdx() {
        configure(false);
        assertFalse(queue.needsInterrupt(), "nothing used yet");
        queue.addUsed(0, 0);
        assertTrue(queue.needsInterrupt());
        assertFalse(queue.needsInterrupt(), "nothing new since");
        rings.availFlags(Virtqueue.AVAIL_F_NO_INTERRUPT);
        queue.addUsed(0, 0);
        assertFalse(queue.needsInterrupt());
        rings.availFlags(0);
        queue.addUsed(0, 0);
        assertTrue(queue.needsInterrupt());
    }

    /**
     * The spec's rule, put another way than the code under test: interrupt if used_event is one of the
     * indexes just published, old to new - 1, modulo 2^16.
     */
    private static boolean specNeedEvent(int eventIdx, int newIdx, int oldIdx) {
        for (int i = oldIdx; i != newIdx; i = (i + 1) & 0xffff) {
            if (i == eventIdx) {
                return true;
            }
        }
        return false;
    }

    @Test
    void eventIdxDecidesByUsedEventAsTheSpecSays() {
        configure(true);
        rings.descriptor(0, 0x4000, 4, Rings.WRITE, 0);
        Random random = new Random(18);
        int old = 0;
        int interrupts = 0;
        for (int round = 0; round < 20_000; round++) {
            int added = 1 + random.nextInt(SIZE);
            for (int k = 0; k < added; k++) {
                queue.addUsed(0, 0);
            }
            int now = queue.usedIndex();
            // used_event near the span (to hit both edges) or anywhere
            int event = random.nextBoolean() ? (old + random.nextInt(SIZE + 3) - 1) & 0xffff : random.nextInt(0x10000);
            rings.usedEvent(event);
            boolean expected = specNeedEvent(event, now, old);
            assertEquals(expected, queue.needsInterrupt(), "used_event " + event + ", old " + old + ", new " + now);
            interrupts += expected ? 1 : 0;
            old = now;
        }
        assertTrue(interrupts > 1000 && interrupts < 19_000, "both answers were tested: " + interrupts);
    }

    @Test
    void eventIdxIgnoresNoInterruptFlag() {
        configure(true);
        rings.availFlags(Virtqueue.AVAIL_F_NO_INTERRUPT);
        rings.usedEvent(0);
        queue.addUsed(0, 0);
        assertTrue(queue.needsInterrupt(), "used_event 0 lies in [0, 1)");
    }

    @Test
    void popWritesAvailEventWithEventIdx() {
        configure(true);
        rings.descriptor(0, 0x4000, 4, 0, 0);
        assertFalse(queue.pop(chain));
        assertEquals(0, rings.availEvent(), "an empty queue asks for the next notification");
        rings.publish(0);
        rings.publish(0);
        assertTrue(queue.pop(chain));
        assertEquals(1, rings.availEvent());
        assertTrue(queue.pop(chain));
        assertEquals(2, rings.availEvent());
    }

    @Test
    void resetForgetsLayout() {
        configure(true);
        queue.addUsed(1, 1);
        queue.reset();
        assertFalse(queue.ready());
        assertEquals(0, queue.size());
        assertEquals(0, queue.usedIndex());
        assertEquals(Problem.NOT_READY, refusal());
    }

    @Test
    void requestsAllocateNothingInSteadyState() {
        configure(true);
        rings.descriptor(2, 0x4000, 16, Rings.NEXT, 6);
        rings.descriptor(6, TABLE, 32, Rings.INDIRECT, 0);
        rings.descriptor(TABLE, 0, 0x4100, 512, Rings.NEXT, 1);
        rings.descriptor(TABLE, 1, 0x4400, 1, Rings.WRITE, 0);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long bytes = requests(20_000);
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) { // best of three: a JIT transition allocates once
            long before = threads.getThreadAllocatedBytes(tid);
            bytes += requests(100_000);
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
        }
        assertEquals((20_000 + 3 * 100_000) * 529L, bytes, "each request read the whole chain");
        assertTrue(allocated < 1024, "100,000 requests allocated " + allocated + " bytes");
    }

    private long requests(int n) {
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            rings.publish(2);
            if (queue.pop(chain)) {
                bytes += chain.readableBytes() + chain.writableBytes();
                queue.addUsed(chain.head(), 1);
                if (queue.needsInterrupt()) {
                    rings.usedEvent(queue.usedIndex());
                }
            }
        }
        return bytes;
    }

    @Test
    void guestRamRefusesOverlap() {
        assertThrows(
                IllegalArgumentException.class,
                () -> GuestRam.of(new HeapGuestMemory(0, 0x2000), new HeapGuestMemory(0x1000, 0x1000)));
        assertEquals(-1, ram.regionOf(0x100, -1));
        assertEquals(1, ram.regionOf(0x1ffff, 1));
        assertEquals(-1, ram.regionOf(0x20000, 0), "a zero-length range still starts inside RAM");
    }
}
