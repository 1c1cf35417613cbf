package org.vmm4j.testsupport;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waiting for a state instead of sleeping for a guess: polls a condition, first every millisecond and
 * then less often (up to every 50 ms), until it holds or the deadline passes, and then fails with what
 * was awaited and for how long. A checked exception from the condition, or an interrupt, ends the wait
 * as a failure too, so a test need not declare them.
 */
public final class Await {
    private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LONGEST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** A condition that may throw (reading /proc, connecting a socket). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** A value that may not be there yet: empty until it is. */
    @FunctionalInterface
    public interface Probe<T> {
        Optional<T> poll() throws Exception;
    }

    private Await() {}

    /** Returns once {@code condition} holds; fails with "timed out after ... waiting for {@code what}". */
    public static void until(String what, Duration timeout, Condition condition) {
        value(what, timeout, () -> condition.holds() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Returns the first value {@code probe} yields; fails like {@link #until} when none comes in time. */
    public static <T> T value(String what, Duration timeout, Probe<T> probe) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long pause = FIRST_PAUSE_NANOS;
        while (true) {
            Optional<T> value = poll(what, probe);
            if (value.isPresent()) {
                return value.get();
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                throw new AssertionError(
                        "timed out after " + TimeUnit.NANOSECONDS.toMillis(now - start) + " ms waiting for " + what);
            }
            LockSupport.parkNanos(Math.min(pause, deadline - now));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
            pause = Math.min(pause * 2, LONGEST_PAUSE_NANOS);
        }
    }

    private static <T> Optional<T> poll(String what, Probe<T> probe) {
        try {
            return probe.poll();
        } catch (RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        } catch (Exception e) {
            throw new AssertionError("failed while waiting for " + what + ": " + e, e);
        }
    }
}
