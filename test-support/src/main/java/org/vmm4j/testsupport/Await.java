package org.vmm4j.testsupport;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waiting for a state instead of sleeping for a guess: polls a condition, first every millisecond and
 * then less often (up to every 50 ms), until it holds or the deadline passes, and then fails with what
 * was awaited and for how long.
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

    private Await() {
    }

    /** Returns once {@code condition} holds; fails with "timed out after ... waiting for {@code what}". */
    public static void until(String what, Duration timeout, Condition condition) throws Exception {
        value(what, timeout, () -> condition.holds() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Returns the first value {@code probe} yields; fails like {@link #until} when none comes in time. */
    public static <T> T value(String what, Duration timeout, Probe<T> probe) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long pause = FIRST_PAUSE_NANOS;
        while (true) {
            Optional<T> value = probe.poll();
            if (value.isPresent()) {
                return value.get();
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                throw new AssertionError("timed out after " + TimeUnit.NANOSECONDS.toMillis(now - start)
                        + " ms waiting for " + what);
            }
            LockSupport.parkNanos(Math.min(pause, deadline - now));
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for " + what);
            }
            pause = Math.min(pause * 2, LONGEST_PAUSE_NANOS);
        }
    }
}
