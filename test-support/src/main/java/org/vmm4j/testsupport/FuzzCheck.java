package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What every fuzz target asserts about one input: the parser under test returns a result or throws
 * one of its documented exception types with a message, within a time limit and an allocation
 * bound. Any other exception type, an error ({@link OutOfMemoryError}, {@link StackOverflowError}),
 * a blank message, a hang or a large allocation is a finding and fails the test.
 *
 * <p>The target runs on a worker thread so that a hang is reported after {@code timeLimit} instead of
 * stopping the fuzzer; the allocation is the worker thread's, measured by the JVM
 * ({@code com.sun.management.ThreadMXBean}), so it counts every byte the parser allocated.
 */
public final class FuzzCheck {
    /** A parser run over one input. */
    @FunctionalInterface
    public interface Target {
        void run() throws Exception;
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static ExecutorService worker = newWorker();

    private final Duration timeLimit;
    private final long maxAllocatedBytes;
    private final long maxRefusalBytes;
    private final List<Class<? extends Exception>> documented;

    private FuzzCheck(
            Duration timeLimit,
            long maxAllocatedBytes,
            long maxRefusalBytes,
            List<Class<? extends Exception>> documented) {
        this.timeLimit = timeLimit;
        this.maxAllocatedBytes = maxAllocatedBytes;
        this.maxRefusalBytes = maxRefusalBytes;
        this.documented = documented;
    }

    /**
     * A check that accepts a normal return or one of {@code documented}, within {@code timeLimit} and
     * {@code maxAllocatedBytes} per input.
     */
    public static FuzzCheck of(Duration timeLimit, long maxAllocatedBytes, Class<?>... documented) {
        if (timeLimit.isNegative() || timeLimit.isZero() || maxAllocatedBytes <= 0 || documented.length == 0) {
            throw new IllegalArgumentException("a fuzz check needs a positive time limit and allocation bound and"
                    + " at least one documented exception type");
        }
        List<Class<? extends Exception>> types = new ArrayList<>();
        for (Class<?> type : documented) {
            if (!Exception.class.isAssignableFrom(type)) {
                throw new IllegalArgumentException(type.getName() + " is not an Exception type");
            }
            types.add(type.asSubclass(Exception.class));
        }
        return new FuzzCheck(timeLimit, maxAllocatedBytes, maxAllocatedBytes, List.copyOf(types));
    }

    /**
     * A check for code that must allocate nothing per input (exit decoders, the virtqueue): the bound is
     * {@link #nothing()}. The first input to reach a path allocates while its classes load; the check then
     * judges the input by a second run, as {@link #run} does for every check.
     */
    public static FuzzCheck allocatingNothing(Duration timeLimit, Class<?>... documented) {
        return of(timeLimit, nothing(), documented);
    }

    /**
     * The same check, except that an input refused with a documented exception may allocate up to
     * {@code bytes} (the exception, its message and stack trace) where a result must stay within the bound.
     */
    public FuzzCheck refusalsWithin(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a refusal's allocation bound must be positive, not " + bytes);
        }
        return new FuzzCheck(timeLimit, maxAllocatedBytes, bytes, documented);
    }

    /**
     * The allocation bound that means "nothing": 1 byte when replaying seeds; 64 KiB while fuzzing,
     * where Jazzer's hooks allocate on their own (see {@link #fuzzing()}).
     */
    public static long nothing() {
        return fuzzing() ? 64L << 10 : 1;
    }

    /**
     * Whether Jazzer is fuzzing ({@code JAZZER_FUZZ} set, as {@code .ci/fuzz} does) rather than replaying
     * the seed corpus, as every {@code mvn verify} does. Fuzzing instruments the code under test with
     * hooks that allocate (a switch's case table on each execution, for one), so a target that asserts
     * zero allocation can only do so exactly when replaying.
     */
    public static boolean fuzzing() {
        String value = System.getenv("JAZZER_FUZZ");
        return value != null && !value.isEmpty() && !value.equals("0");
    }

    /** The documented exception types. */
    public List<Class<? extends Exception>> documented() {
        return documented;
    }

    /**
     * Runs {@code target} once and fails the calling test if the outcome is not a result or a documented
     * exception with a message, if it takes longer than the time limit, or if it allocates more than the
     * bound.
     *
     * @return the documented exception the target threw, or {@code null} when it returned normally
     */
    public Exception run(String input, Target target) {
        Outcome outcome = attempt(input, target);
        if (outcome.allocated > bound(outcome)) {
            // The first input to reach some code loads its classes on the worker thread, and under the
            // fuzzer each class is instrumented as it loads: that allocation is the harness's, not the
            // parser's. The parsers are deterministic, so the input is judged by a second run, which
            // must end the same way.
            Outcome first = outcome;
            outcome = attempt(input, target);
            if (!sameEnd(first, outcome)) {
                fail(input + ": ended with " + describe(first) + ", then with " + describe(outcome)
                        + " on a second run of the same input");
            }
            if (outcome.allocated > bound(outcome)) {
                fail(input + ": allocated " + outcome.allocated + " bytes (" + first.allocated
                        + " on a first run), more than the bound of " + bound(outcome));
            }
        }
        Throwable thrown = outcome.thrown;
        if (thrown == null) {
            return null;
        }
        for (Class<? extends Exception> type : documented) {
            if (type.isInstance(thrown)) {
                if (thrown.getMessage() == null || thrown.getMessage().isBlank()) {
                    throw new AssertionError(input + ": " + type.getSimpleName() + " without a message", thrown);
                }
                return (Exception) thrown;
            }
        }
        throw new AssertionError(
                input + ": threw " + thrown.getClass().getName() + ", not one of the documented " + names(), thrown);
    }

    private Outcome attempt(String input, Target target) {
        Future<Outcome> future = worker().submit(() -> {
            long threadId = Thread.currentThread().getId();
            long before = THREADS.getThreadAllocatedBytes(threadId);
            Throwable thrown = null;
            try {
                target.run();
            } catch (Throwable t) { // StackOverflowError, OutOfMemoryError and the like are findings too
                thrown = t;
            }
            // measured before `new Outcome`, which would otherwise count its own 24 bytes
            long allocated = THREADS.getThreadAllocatedBytes(threadId) - before;
            return new Outcome(thrown, allocated);
        });
        try {
            return future.get(timeLimit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            replaceWorker(); // the stuck thread keeps spinning; later inputs get a fresh one
            throw new AssertionError(input + ": still running after " + timeLimit + " (a hang?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(input + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError(input + ": the harness failed", e.getCause());
        }
    }

    private String names() {
        return documented.stream().map(Class::getSimpleName).toList().toString();
    }

    private static synchronized ExecutorService worker() {
        return worker;
    }

    private static synchronized void replaceWorker() {
        worker.shutdownNow();
        worker = newWorker();
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            // a deep stack like the test threads' (-Xss2m), so a recursion bound is what is tested
            Thread t = new Thread(null, r, "fuzz-target", 2L << 20);
            t.setDaemon(true);
            return t;
        });
    }

    private long bound(Outcome outcome) {
        return outcome.thrown == null ? maxAllocatedBytes : maxRefusalBytes;
    }

    private static boolean sameEnd(Outcome a, Outcome b) {
        return a.thrown == null ? b.thrown == null : b.thrown != null && a.thrown.getClass() == b.thrown.getClass();
    }

    private static String describe(Outcome outcome) {
        return outcome.thrown == null ? "a result" : outcome.thrown.getClass().getName();
    }

    private record Outcome(Throwable thrown, long allocated) {}
}
