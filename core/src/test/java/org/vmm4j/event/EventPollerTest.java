package org.vmm4j.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs(OS.LINUX)
@Timeout(30)
class EventPollerTest {

    @Test
    void reportsExactlyTheSignalledEventfds() {
        try (EventPoller poller = EventPoller.create(4);
                EventFd a = EventFd.create();
                EventFd b = EventFd.create();
                EventFd c = EventFd.create()) {
            poller.add(a);
            poller.add(b);
            poller.add(c);
            assertEquals(0, poller.await(0), "nothing signalled");
            b.signal();
            assertEquals(1, poller.await(1000));
            assertSame(b, poller.ready(0));
            assertEquals(1, b.tryRead());
            a.signal();
            c.signal();
            int n = poller.await(1000);
            assertEquals(2, n);
            assertTrue(
                    (poller.ready(0) == a && poller.ready(1) == c) || (poller.ready(0) == c && poller.ready(1) == a),
                    "a and c ready");
            assertEquals(1, a.tryRead());
            assertEquals(1, c.tryRead());
            assertEquals(0, poller.await(0), "read counters are no longer ready");
        }
    }

    @Test
    void wakeUpEndsAWaitFromAnotherThread() throws Exception {
        try (EventPoller poller = EventPoller.create(1);
                EventFd a = EventFd.create()) {
            poller.add(a);
            CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() -> poller.await(-1));
            Thread.sleep(100);
            assertFalse(waiter.isDone(), "await returned with nothing to report");
            poller.wakeUp();
            assertEquals(0, waiter.get(5, TimeUnit.SECONDS), "a wake-up reports no eventfd");
            assertEquals(0, poller.await(0), "the wake-up was consumed");
        }
    }

    @Test
    void removedEventfdIsNoLongerReported() {
        try (EventPoller poller = EventPoller.create(2);
                EventFd a = EventFd.create()) {
            poller.add(a);
            var twice = assertThrows(IllegalArgumentException.class, () -> poller.add(a));
            assertTrue(twice.getMessage().contains("already"), twice.getMessage());
            poller.remove(a);
            a.signal();
            assertEquals(0, poller.await(50));
            assertThrows(IllegalArgumentException.class, () -> poller.remove(a));
        }
    }

    @Test
    void fullPollerRefusesMore() {
        try (EventPoller poller = EventPoller.create(1);
                EventFd a = EventFd.create();
                EventFd b = EventFd.create()) {
            poller.add(a);
            var full = assertThrows(IllegalStateException.class, () -> poller.add(b));
            assertTrue(full.getMessage().contains("full"), full.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> EventPoller.create(0));
    }

    @Test
    void closeWakesTheWaiterAndReleasesBothDescriptors() throws Exception {
        EventPoller.create(1).close(); // first use may open the native library: count after it
        long before = OpenDescriptors.count();
        EventPoller poller = EventPoller.create(2);
        assertEquals(before + 2, OpenDescriptors.count(), "the epoll fd and the wake-up eventfd");
        CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() -> poller.await(-1));
        Thread.sleep(100);
        poller.close();
        var failure = assertThrows(ExecutionException.class, () -> waiter.get(5, TimeUnit.SECONDS));
        assertTrue(failure.getCause() instanceof IllegalStateException, failure.toString());
        poller.close();
        assertEquals(before, OpenDescriptors.count());
        assertThrows(IllegalStateException.class, () -> poller.await(0));
    }

    @Test
    void aWakeUpAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (EventPoller poller = EventPoller.create(2);
                EventFd a = EventFd.create()) {
            poller.add(a);
            long sum = wakeUps(poller, a, 20_000); // warm up
            long tid = Thread.currentThread().getId();
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long before = threads.getThreadAllocatedBytes(tid);
                sum += wakeUps(poller, a, 50_000);
                allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
            }
            assertEquals(20_000 + 3 * 50_000, sum, "every signal was seen and read");
            assertTrue(allocated < 50_000, "allocated " + allocated + " bytes over 50,000 wake-ups");
        }
    }

    private static long wakeUps(EventPoller poller, EventFd a, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            a.signal();
            int ready = poller.await(-1);
            for (int j = 0; j < ready; j++) {
                sum += poller.ready(j).tryRead();
            }
        }
        return sum;
    }
}
