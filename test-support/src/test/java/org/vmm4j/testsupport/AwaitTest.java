package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsOnTheFirstPollWhereTheConditionHolds() {
        AtomicInteger polls = new AtomicInteger();
        Await.until("the third poll", Duration.ofSeconds(10), () -> polls.incrementAndGet() == 3);
        assertEquals(3, polls.get());
    }

    @Test
    void returnsTheFirstValueTheProbeYields() {
        AtomicInteger polls = new AtomicInteger();
        String value = Await.value(
                "a value",
                Duration.ofSeconds(10),
                () -> polls.incrementAndGet() < 4 ? Optional.empty() : Optional.of("ready after " + polls.get()));
        assertEquals("ready after 4", value);
    }

    @Test
    void failsAfterTheDeadlineNamingWhatWasAwaited() {
        long start = System.nanoTime();
        AssertionError e = assertThrows(
                AssertionError.class, () -> Await.until("the moon to turn blue", Duration.ofMillis(100), () -> false));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMillis >= 100, "gave up after " + elapsedMillis + " ms");
        assertTrue(e.getMessage().matches("timed out after \\d+ ms waiting for the moon to turn blue"), e.getMessage());
    }

    @Test
    void anExceptionFromTheConditionEndsTheWaitAsAFailureWithTheCause() {
        IOException cause = new IOException("no /proc here");
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> Await.until("a readable /proc", Duration.ofSeconds(10), () -> {
                    throw cause;
                }));
        assertSame(cause, e.getCause());
        assertTrue(e.getMessage().startsWith("failed while waiting for a readable /proc"), e.getMessage());
        IllegalStateException unchecked = new IllegalStateException("closed");
        assertSame(
                unchecked,
                assertThrows(
                        IllegalStateException.class,
                        () -> Await.until("an open thing", Duration.ofSeconds(10), () -> {
                            throw unchecked;
                        })));
    }

    @Test
    void anInterruptEndsTheWaitAndStaysSet() {
        Thread.currentThread().interrupt();
        AssertionError e =
                assertThrows(AssertionError.class, () -> Await.until("nothing", Duration.ofSeconds(10), () -> false));
        assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
        assertEquals("interrupted while waiting for nothing", e.getMessage());
    }
}
