package org.vmm4j.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmm4j.StatDescriptor;
import org.vmm4j.StatDescriptor.Base;
import org.vmm4j.StatDescriptor.Unit;
import org.vmm4j.Stats;

class AbstractStatsTest {

    /** A handle whose "kernel" is an array: each read copies it into the reused buffer. */
    private static final class ArrayStats extends AbstractStats {
        final long[] kernel;
        final long[] buffer;
        final int[] first;
        int reads;
        int releases;

        ArrayStats(List<StatDescriptor> descriptors) {
            super(Source.VM_STATS_IOCTL, "vCPU 3", descriptors);
            first = new int[descriptors.size()];
            int n = 0;
            for (int k = 0; k < first.length; k++) {
                first[k] = n;
                n += descriptors.get(k).size();
            }
            kernel = new long[n];
            buffer = new long[n];
        }

        @Override
        protected void read() {
            reads++;
            System.arraycopy(kernel, 0, buffer, 0, kernel.length);
        }

        @Override
        protected long value(int key, int element) {
            return buffer[first[key] + element];
        }

        @Override
        protected void release() {
            releases++;
        }
    }

    private static StatDescriptor counter(String name) {
        return new StatDescriptor(name, StatDescriptor.Type.CUMULATIVE, Unit.NONE, Base.POW10, 0, 1, 0);
    }

    /** Pages, counted in bytes: value x 2^12. */
    private static final StatDescriptor PAGES =
            new StatDescriptor("pages", StatDescriptor.Type.INSTANT, Unit.BYTES, Base.POW2, 12, 1, 0);

    private static final StatDescriptor HISTOGRAM =
            new StatDescriptor("halt_hist", StatDescriptor.Type.LOG_HISTOGRAM, Unit.NONE, Base.POW10, 0, 4, 0);

    private static ArrayStats stats() {
        return new ArrayStats(List.of(counter("exits"), HISTOGRAM, PAGES, counter("exits")));
    }

    @Test
    void keysAreDescriptorIndexesAndARepeatedNameKeepsItsFirst() {
        ArrayStats s = stats();
        assertEquals(Stats.Source.VM_STATS_IOCTL, s.source());
        assertEquals(4, s.descriptors().size());
        assertEquals(0, s.key("exits"));
        assertEquals(1, s.key("halt_hist"));
        assertTrue(s.has("pages"));
        assertFalse(s.has("io_exits"));
        String message = assertThrows(IllegalArgumentException.class, () -> s.key("io_exits"))
                .getMessage();
        assertEquals("no statistic named 'io_exits' in vCPU 3", message);
    }

    @Test
    void descriptorsAreCopiedOnce() {
        List<StatDescriptor> list = new ArrayList<>(List.of(counter("exits")));
        ArrayStats s = new ArrayStats(list);
        list.add(counter("later"));
        assertEquals(1, s.descriptors().size());
        assertThrows(UnsupportedOperationException.class, () -> s.descriptors().add(counter("x")));
    }

    @Test
    void valuesAreThoseOfTheLastPoll() {
        ArrayStats s = stats();
        s.kernel[0] = 5;
        s.kernel[2] = 7;
        assertEquals(0, s.get(0), "nothing read before the first poll");
        assertEquals(0, s.polledAtNanos());
        long before = System.nanoTime();
        assertSame(s, s.poll());
        assertTrue(s.polledAtNanos() >= before);
        s.kernel[0] = 6;
        assertEquals(5, s.get(0));
        assertEquals(7, s.get(1, 1));
        s.poll();
        assertEquals(6, s.get(0));
        assertEquals(2, s.reads);
    }

    @Test
    void elementsOutsideAStatisticAreRejectedByName() {
        ArrayStats s = stats();
        s.poll();
        assertEquals(0, s.get(1, 3));
        String message =
                assertThrows(IndexOutOfBoundsException.class, () -> s.get(1, 4)).getMessage();
        assertEquals("element 4 of halt_hist in vCPU 3 (it has 4)", message);
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(1, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(0, 1), "a counter has one value");
    }

    @Test
    void keysOutsideTheDescriptorsAreRejectedWithTheValidRange() {
        ArrayStats s = stats();
        s.poll();
        String message = assertThrowsExactly(IndexOutOfBoundsException.class, () -> s.get(4))
                .getMessage();
        assertEquals("statistic key 4 in vCPU 3 (valid keys are 0 to 3)", message);
        assertThrowsExactly(IndexOutOfBoundsException.class, () -> s.get(-1));
        String element = assertThrowsExactly(IndexOutOfBoundsException.class, () -> s.get(7, 0))
                .getMessage();
        assertEquals("statistic key 7 in vCPU 3 (valid keys are 0 to 3)", element);
        assertThrowsExactly(IndexOutOfBoundsException.class, () -> s.get(-2, 0));
    }

    @Test
    void snapshotAppliesUnitsAndSumsHistograms() {
        ArrayStats s = new ArrayStats(List.of(counter("exits"), HISTOGRAM, PAGES));
        s.kernel[0] = 3;
        s.kernel[1] = 1;
        s.kernel[4] = 2;
        s.kernel[5] = 3;
        Map<String, Double> snapshot = s.poll().snapshot();
        assertEquals(Map.of("exits", 3.0, "halt_hist", 3.0, "pages", 12288.0), snapshot);
    }

    @Test
    void afterCloseEveryReadThrowsAndReleaseRanOnce() {
        ArrayStats s = stats();
        s.poll();
        s.close();
        s.close();
        assertTrue(s.isClosed());
        assertEquals(1, s.releases);
        String message = assertThrows(IllegalStateException.class, s::poll).getMessage();
        assertEquals("the statistics of vCPU 3 are closed", message);
        assertThrows(IllegalStateException.class, () -> s.get(0));
        assertThrows(IllegalStateException.class, () -> s.get(1, 0));
        assertThrows(IllegalStateException.class, s::snapshot);
        assertEquals(1, s.reads, "no read after close");
        assertEquals(0, s.key("exits"), "descriptors stay readable");
    }

    @Test
    void pollAndGetAllocateNothing() {
        ArrayStats s = stats();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        int exits = s.key("exits");
        s.kernel[0] = 1;
        long sum = pollAndGet(s, exits, 20_000);
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) { // best of three: a JIT transition allocates once
            long before = threads.getThreadAllocatedBytes(tid);
            sum += pollAndGet(s, exits, 100_000);
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
        }
        assertEquals(20_000 + 3 * 100_000, sum);
        assertTrue(allocated < 1024, "100,000 polls allocated " + allocated + " bytes");
    }

    private static long pollAndGet(Stats s, int key, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += s.poll().get(key) + s.get(1, 3);
        }
        return sum;
    }
}
