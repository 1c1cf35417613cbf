package org.vmm4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * Sides of a comparison measured so that host drift cancels: in one process and thread, every turn
 * runs one batch of each side, the side that goes first rotating from turn to turn (for two sides:
 * A-B, B-A, A-B ...). A round of turns gives each side's ns per operation and heap bytes allocated
 * per operation (the thread's allocation counter around its batches); the ratio of two sides within
 * a round is what {@link PairedRatio} summarizes over rounds.
 *
 * <p>Each side's batch returns a checksum, which must be {@code batch * perOp} with the side's own
 * {@link Side#perOp()}: a side that stopped doing its work (an error swallowed, a call skipped)
 * breaks the harness instead of looking fast.
 */
final class Interleaved {
    /**
     * One side: {@code batch} performs {@code n} operations and returns their checksum, {@code perOp}
     * is what one operation adds to it.
     */
    record Side(String name, IntToLongFunction batch, long perOp) {}

    /** A round: per side (in the order given), ns per operation and bytes allocated per operation. */
    @SuppressWarnings("ArrayRecordComponent") // results of one round, read by index, never compared
    record Round(int first, double[] nsPerOp, double[] bytesPerOp) {
        double ratio(int numerator, int denominator) {
            return nsPerOp[numerator] / nsPerOp[denominator];
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Interleaved() {}

    /**
     * {@code turns} turns of one {@code batch}-operation batch per side; the first turn starts with
     * side {@code first}, the next with the one after it, and so on.
     *
     * @throws IllegalStateException when a checksum or a figure is wrong
     */
    static Round round(List<Side> sides, int turns, int batch, int first) {
        int n = sides.size();
        long[] nanos = new long[n];
        long[] bytes = new long[n];
        for (int t = 0; t < turns; t++) {
            for (int k = 0; k < n; k++) {
                int s = (first + t + k) % n;
                Side side = sides.get(s);
                long b0 = THREADS.getCurrentThreadAllocatedBytes();
                long t0 = System.nanoTime();
                long sum = side.batch().applyAsLong(batch);
                long t1 = System.nanoTime();
                bytes[s] += THREADS.getCurrentThreadAllocatedBytes() - b0;
                nanos[s] += t1 - t0;
                long expected = side.perOp() * batch;
                if (sum != expected) {
                    throw new IllegalStateException(side.name() + " batch returned a checksum of " + sum + ", expected "
                            + expected + ": it did not do the work the other sides did");
                }
            }
        }
        double ops = (double) turns * batch;
        double[] ns = new double[n];
        double[] perOpBytes = new double[n];
        for (int s = 0; s < n; s++) {
            ns[s] = nanos[s] / ops;
            perOpBytes[s] = bytes[s] / ops;
            if (!(ns[s] > 0 && Double.isFinite(ns[s]) && perOpBytes[s] >= 0)) {
                throw new IllegalStateException("bad figure for " + sides.get(s).name() + ": " + ns[s] + " ns/op");
            }
        }
        return new Round(first, ns, perOpBytes);
    }

    /** Turns (even, at least 2) that make a round last about {@code roundMillis}, from a sizing round. */
    static int turnsFor(Round sizing, int batch, long roundMillis) {
        double turnNanos = 0;
        for (double ns : sizing.nsPerOp()) {
            turnNanos += ns * batch;
        }
        return (int) Math.max(2, Math.min(100_000, roundMillis * 1e6 / turnNanos)) & ~1;
    }
}
