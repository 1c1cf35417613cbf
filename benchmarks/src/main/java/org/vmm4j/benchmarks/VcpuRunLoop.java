package org.vmm4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One guest exit per operation: {@code run()} plus decoding the exit, in Java ({@link #java}) and in
 * C ({@link #c}, the same loop compiled by gcc, on the same vCPU). The guest loops forever on one
 * exiting instruction ({@link RunLoopGuest.Exit}): {@code out dx, al} (pio), a store to unbacked
 * memory (mmio) or {@code hlt}.
 *
 * <p>{@link #java} and {@link #c} are measured minutes apart, so on a shared host their ratio carries
 * the host's drift. {@link #paired} measures both in the same iteration, one batch of each in turn,
 * and reports each side's ns/exit and their ratio as secondary results ({@link PairedTimes});
 * {@link PairedRunLoop} does the same outside JMH with a confidence interval over many pairs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class VcpuRunLoop {
    private static final int BATCH = RunLoopGuest.BATCH;

    @Param({"pio", "mmio", "hlt"})
    public String exit;

    private RunLoopGuest guest;
    private boolean cFirst;

    @Setup(Level.Trial)
    public void setUp() {
        guest = new RunLoopGuest(RunLoopGuest.Exit.of(exit));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        guest.close();
    }

    /** One exit through vmm4j: run() and decode (batches of 1000 per call, as the C side, reported per exit). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long java() {
        return guest.javaExits(BATCH);
    }

    /** One exit through the C loop (batches of 1000 per call, reported per exit). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long c() {
        return guest.cExits(BATCH);
    }

    /**
     * Each side's time per exit within one iteration, and Java's over C's: JMH's secondary results of
     * {@link #paired}. Reset at each iteration. JMH's summary line adds EVENTS counters up over the
     * iterations; the per-iteration values are in the JSON's rawData (BenchmarkReport takes their median).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class PairedTimes {
        long cNanos;
        long javaNanos;
        long batches;

        @Setup(Level.Iteration)
        public void reset() {
            cNanos = 0;
            javaNanos = 0;
            batches = 0;
        }

        public double cNsPerExit() {
            return batches == 0 ? Double.NaN : (double) cNanos / (batches * BATCH);
        }

        public double javaNsPerExit() {
            return batches == 0 ? Double.NaN : (double) javaNanos / (batches * BATCH);
        }

        public double javaToC() {
            return (double) javaNanos / cNanos;
        }
    }

    /**
     * One batch of C and one of Java per invocation, the order flipping every invocation, so both
     * sides see the same host; the primary score is the mean of both per exit.
     */
    @Benchmark
    @OperationsPerInvocation(2 * BATCH)
    public long paired(PairedTimes times) {
        cFirst = !cFirst;
        long t0 = System.nanoTime();
        long sum = cFirst ? guest.cExits(BATCH) : guest.javaExits(BATCH);
        long t1 = System.nanoTime();
        sum += cFirst ? guest.javaExits(BATCH) : guest.cExits(BATCH);
        long t2 = System.nanoTime();
        times.cNanos += cFirst ? t1 - t0 : t2 - t1;
        times.javaNanos += cFirst ? t2 - t1 : t1 - t0;
        times.batches++;
        return sum;
    }
}
