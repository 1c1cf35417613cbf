package org.vmm4j.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs(OS.LINUX)
@Timeout(30)
class EventFdTest {

    @Test
    void tryReadTakesTheSignalsSinceTheLastRead() {
        try (EventFd e = EventFd.create()) {
            assertEquals(0, e.tryRead(), "nothing signalled yet");
            e.signal();
            e.signal();
            e.signal();
            assertEquals(3, e.tryRead());
            assertEquals(0, e.tryRead(), "a read resets the counter");
        }
    }

    @Test
    void descriptorIsAnEventfdAndCloseOnExec() throws Exception {
        try (EventFd e = EventFd.create()) {
            Path link = Path.of("/proc/self/fd/" + e.fd());
            assertEquals("anon_inode:[eventfd]", Files.readSymbolicLink(link).toString());
            String fdinfo = Files.readString(Path.of("/proc/self/fdinfo/" + e.fd()));
            long flags = Long.parseLong(
                    fdinfo.lines()
                            .filter(l -> l.startsWith("flags:"))
                            .findFirst()
                            .orElseThrow()
                            .substring(6)
                            .trim(),
                    8);
            assertTrue((flags & 02000000) != 0, "O_CLOEXEC in " + fdinfo);
            assertTrue((flags & 04000) != 0, "O_NONBLOCK in " + fdinfo);
        }
    }

    @Test
    void awaitBlocksUntilAnotherThreadSignals() throws Exception {
        try (EventFd e = EventFd.create()) {
            CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(e::await);
            Thread.sleep(100);
            assertFalse(waiter.isDone(), "await returned before any signal");
            e.signal();
            assertEquals(1, waiter.get(5, TimeUnit.SECONDS));
            assertEquals(0, e.tryRead());
        }
    }

    @Test
    void closeWakesAWaiterWhichThrows() throws Exception {
        EventFd.create().close(); // first use may open the native library: count after it
        long before = OpenDescriptors.count();
        EventFd e = EventFd.create();
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(e::await);
        Thread.sleep(100);
        e.close();
        var failure =
                assertThrows(java.util.concurrent.ExecutionException.class, () -> waiter.get(5, TimeUnit.SECONDS));
        assertTrue(failure.getCause() instanceof IllegalStateException, failure.toString());
        assertTrue(
                failure.getCause().getMessage().contains("closed"),
                failure.getCause().getMessage());
        assertEquals(before, OpenDescriptors.count(), "the descriptor is closed once the waiter has left");
    }

    @Test
    void closeTwiceClosesOnceAndUseAfterCloseThrows() {
        EventFd.create().close(); // first use may open the native library: count after it
        long before = OpenDescriptors.count();
        EventFd e = EventFd.create();
        assertEquals(before + 1, OpenDescriptors.count());
        e.close();
        assertEquals(before, OpenDescriptors.count());
        e.close();
        assertEquals(before, OpenDescriptors.count(), "a second close closes nothing else");
        assertTrue(e.isClosed());
        var signal = assertThrows(IllegalStateException.class, e::signal);
        assertTrue(signal.getMessage().contains("closed"), signal.getMessage());
        assertThrows(IllegalStateException.class, e::tryRead);
        assertThrows(IllegalStateException.class, e::await);
        assertThrows(IllegalStateException.class, e::fd);
    }

    @Test
    void closeDuringSignalsFromManyThreadsReleasesOnceAndOnlyFailsLaterCalls() throws Exception {
        EventFd.create().close(); // first use may open the native library: count after it
        long before = OpenDescriptors.count();
        for (int round = 0; round < 20; round++) {
            EventFd e = EventFd.create();
            java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicReference<Throwable> unexpected =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Thread[] senders = new Thread[4];
            for (int t = 0; t < senders.length; t++) {
                senders[t] = new Thread(() -> {
                    try {
                        while (true) {
                            e.signal();
                            sent.incrementAndGet();
                        }
                    } catch (IllegalStateException closed) {
                        // the expected end: signalled after close
                    } catch (Throwable other) {
                        unexpected.set(other);
                    }
                });
                senders[t].start();
            }
            while (sent.get() < 1000) {
                Thread.onSpinWait();
            }
            e.close();
            for (Thread t : senders) {
                t.join(5000);
                assertFalse(t.isAlive(), "a sender kept going after close");
            }
            assertEquals(null, unexpected.get());
        }
        assertEquals(before, OpenDescriptors.count(), "every eventfd closed exactly once");
    }

    @Test
    void aSecondConcurrentReaderIsRefused() throws Exception {
        try (EventFd e = EventFd.create()) {
            CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(e::await);
            Thread.sleep(100);
            var second = assertThrows(IllegalStateException.class, e::tryRead);
            assertTrue(second.getMessage().contains("another thread"), second.getMessage());
            e.signal();
            assertEquals(1, waiter.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void signalAndReadAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (EventFd e = EventFd.create()) {
            long sum = roundTrips(e, 20_000); // warm up
            long tid = Thread.currentThread().getId();
            long allocated = Long.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long before = threads.getThreadAllocatedBytes(tid);
                sum += roundTrips(e, 50_000);
                allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
            }
            assertEquals(20_000 + 3 * 50_000, sum, "every signal was read back");
            assertTrue(allocated < 50_000, "allocated " + allocated + " bytes over 50,000 signal+read round trips");
        }
    }

    private static long roundTrips(EventFd e, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            e.signal();
            sum += e.await();
        }
        return sum;
    }
}
