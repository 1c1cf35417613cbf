package org.vmm4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.vmm4j.internal.nat.NativeAccess;

/**
 * {@link VcpuRunLoop}'s Java/C ratio measured so that host drift cancels: C and Java take turns on the
 * same vCPU, in the same process and thread, one {@link RunLoopGuest#BATCH batch} of 1000 exits at a
 * time, the order flipping every turn (C-Java, Java-C, ...). A <em>pair</em> is a run of such turns,
 * about {@code --pair-ms} long; its ratio is Java's ns/exit over C's ns/exit within it. Over
 * {@code --pairs} pairs the report gives the median ratio and its 95% confidence interval
 * ({@link PairedRatio}), and Java's heap allocation per exit (the thread's allocated-bytes counter
 * across the Java batches).
 *
 * <p>It also checks itself and exits with status 1 when the harness is broken: every batch must return
 * the sum its guest implies (so C and Java decoded the same exits), and every figure must be finite and
 * positive. Nothing checks the timings against a threshold.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED [-Dvmm4j.native=jna] -cp benchmarks/target/benchmarks.jar \
 *     org.vmm4j.benchmarks.PairedRunLoop [--exits pio,mmio,hlt] [--pairs 25] [--pair-ms 800]
 *     [--warmup-pairs 5] [--out DIR]
 * </pre>
 */
public final class PairedRunLoop {
    /** One pair: the two sides' ns/exit, and Java's bytes allocated per exit. */
    record Pair(boolean cFirst, double cNs, double javaNs, double javaBytesPerExit) {
        double ratio() {
            return javaNs / cNs;
        }
    }

    /** One guest's result. */
    record Result(RunLoopGuest.Exit exit, List<Pair> pairs, PairedRatio ratio) {
        double median(java.util.function.ToDoubleFunction<Pair> f) {
            double[] v = pairs.stream().mapToDouble(f).sorted().toArray();
            return PairedRatio.median(v);
        }
    }

    private PairedRunLoop() {}

    @SuppressWarnings("IncrementInForLoopAndHeader") // each option consumes its value
    public static void main(String[] args) throws IOException {
        List<RunLoopGuest.Exit> exits = List.of(RunLoopGuest.Exit.values());
        int pairs = 25;
        int warmupPairs = 5;
        long pairMillis = 800;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--exits" ->
                    exits = java.util.Arrays.stream(value.split(","))
                            .map(RunLoopGuest.Exit::of)
                            .toList();
                case "--pairs" -> pairs = Integer.parseInt(value);
                case "--warmup-pairs" -> warmupPairs = Integer.parseInt(value);
                case "--pair-ms" -> pairMillis = Long.parseLong(value);
                case "--out" -> out = Path.of(value);
                default -> {
                    System.err.println("usage: PairedRunLoop [--exits pio,mmio,hlt] [--pairs N] [--warmup-pairs N]"
                            + " [--pair-ms MS] [--out DIR]");
                    System.exit(2);
                }
            }
            i++;
        }
        String impl = NativeAccess.get().implementation();
        List<Result> results = new ArrayList<>();
        try {
            for (RunLoopGuest.Exit exit : exits) {
                results.add(measure(exit, pairs, warmupPairs, pairMillis));
            }
        } catch (IllegalStateException e) {
            System.err.println("PairedRunLoop: harness check failed: " + e.getMessage());
            System.exit(1);
        }
        String table = table(impl, results, pairs, pairMillis);
        System.out.print(table);
        if (out != null) {
            Files.createDirectories(out);
            String tag = impl.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
            Files.writeString(out.resolve("paired-" + tag + ".md"), table);
            Files.writeString(out.resolve("paired-" + tag + ".csv"), csv(impl, results));
        }
    }

    static Result measure(RunLoopGuest.Exit exit, int pairs, int warmupPairs, long pairMillis) {
        try (RunLoopGuest guest = new RunLoopGuest(exit)) {
            List<Interleaved.Side> sides = sides(guest);
            // Warm-up rounds, timed, size the pairs: turns = pair length / (C batch + Java batch).
            int turns = 2;
            for (int i = 0; i < warmupPairs; i++) {
                turns = Interleaved.turnsFor(
                        Interleaved.round(sides, turns, RunLoopGuest.BATCH, i % 2), RunLoopGuest.BATCH, pairMillis);
            }
            List<Pair> measured = new ArrayList<>();
            for (int i = 0; i < pairs; i++) {
                // C first in even pairs; within a pair the order flips every turn.
                Interleaved.Round r = Interleaved.round(sides, turns, RunLoopGuest.BATCH, i % 2);
                measured.add(new Pair(i % 2 == 0, r.nsPerOp()[0], r.nsPerOp()[1], r.bytesPerOp()[1]));
            }
            double[] ratios = measured.stream().mapToDouble(Pair::ratio).toArray();
            return new Result(exit, measured, PairedRatio.of(ratios));
        }
    }

    /** C and Java on the same vCPU; both batches must return the sum the guest implies. */
    private static List<Interleaved.Side> sides(RunLoopGuest guest) {
        long perExit = guest.exit.value;
        return List.of(
                new Interleaved.Side("C", guest::cExits, perExit),
                new Interleaved.Side("Java", guest::javaExits, perExit));
    }

    static String table(String impl, List<Result> results, int pairs, long pairMillis) {
        StringBuilder b = new StringBuilder();
        for (Result r : results) {
            PairedRatio q = r.ratio();
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.1f | %.1f | **%.3f** | %.3f – %.3f (%.1f%%) | %.3f – %.3f | %.2f | %d × %d ms |%n",
                    r.exit().name().toLowerCase(Locale.ROOT),
                    impl,
                    r.median(Pair::cNs),
                    r.median(Pair::javaNs),
                    q.median(),
                    q.low(),
                    q.high(),
                    100 * q.coverage(),
                    q.bootstrapLow(),
                    q.bootstrapHigh(),
                    r.median(Pair::javaBytesPerExit),
                    pairs,
                    pairMillis));
        }
        return "| exit | native seam | C ns/exit | Java ns/exit | Java/C (median of pairs) | 95% CI, order statistics"
                + " (coverage) | 95% CI, bootstrap | Java B/exit | pairs |\n"
                + "| --- | --- | ---: | ---: | ---: | --- | --- | ---: | --- |\n" + b;
    }

    private static String csv(String impl, List<Result> results) {
        StringBuilder b = new StringBuilder(
                "exit,native,pair,c_first,c_ns_per_exit,java_ns_per_exit,ratio,java_bytes_per_exit\n");
        for (Result r : results) {
            for (int i = 0; i < r.pairs().size(); i++) {
                Pair p = r.pairs().get(i);
                b.append(String.format(
                        Locale.ROOT,
                        "%s,%s,%d,%b,%.2f,%.2f,%.5f,%.4f%n",
                        r.exit().name().toLowerCase(Locale.ROOT),
                        impl,
                        i,
                        p.cFirst(),
                        p.cNs(),
                        p.javaNs(),
                        p.ratio(),
                        p.javaBytesPerExit()));
            }
        }
        return b.toString();
    }
}
