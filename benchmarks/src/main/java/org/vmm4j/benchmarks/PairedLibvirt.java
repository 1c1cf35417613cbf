package org.vmm4j.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.vmm4j.internal.nat.NativeAccess;

/**
 * {@link LibvirtCalls}' ratios measured so that host drift cancels: C, vmm4j and libvirt-java take
 * turns in one process and thread ({@link Interleaved}), one batch of calls each, the side that goes
 * first rotating every turn; a round of turns lasts about {@code --round-ms}. Per call the report
 * gives the median over rounds of vmm4j/C and of libvirt-java/vmm4j with 95% confidence intervals
 * ({@link PairedRatio}), and vmm4j's heap bytes per call. JMH's separate benchmark methods run minutes
 * apart, which on this project's shared machines moves single iterations by up to ±50%.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED [-Dvmm4j.native=jna] -cp benchmarks/target/benchmarks.jar \
 *     org.vmm4j.benchmarks.PairedLibvirt [--calls getInfo,allDomainStats,lookupByName] [--rounds 21]
 *     [--round-ms 600] [--warmup-rounds 5] [--batch 200] [--out DIR]
 * </pre>
 */
public final class PairedLibvirt {
    private static final int C = 0;
    private static final int VMM4J = 1;
    private static final int LIBVIRT_JAVA = 2;

    /**
     * @param bound libvirt-java/C: the most any binding can gain over libvirt-java, since no binding
     *              calls libvirt faster than C does
     */
    record Result(
            String call,
            List<Interleaved.Round> rounds,
            PairedRatio vsC,
            PairedRatio libvirtJavaVsUs,
            PairedRatio bound) {
        double median(int side) {
            return PairedRatio.median(
                    rounds.stream().mapToDouble(r -> r.nsPerOp()[side]).sorted().toArray());
        }

        double medianBytes(int side) {
            return PairedRatio.median(rounds.stream()
                    .mapToDouble(r -> r.bytesPerOp()[side])
                    .sorted()
                    .toArray());
        }
    }

    private PairedLibvirt() {}

    public static void main(String[] args) throws Exception {
        List<String> calls = List.of("getInfo", "allDomainStats", "lookupByName");
        int rounds = 21;
        int warmup = 5;
        int batch = 200;
        long roundMillis = 600;
        Path out = null;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--calls" -> calls = Arrays.asList(value.split(","));
                case "--rounds" -> rounds = Integer.parseInt(value);
                case "--warmup-rounds" -> warmup = Integer.parseInt(value);
                case "--batch" -> batch = Integer.parseInt(value);
                case "--round-ms" -> roundMillis = Long.parseLong(value);
                case "--out" -> out = Path.of(value);
                default -> {
                    System.err.println("usage: PairedLibvirt [--calls getInfo,allDomainStats,lookupByName] [--rounds N]"
                            + " [--warmup-rounds N] [--batch N] [--round-ms MS] [--out DIR]");
                    System.exit(2);
                }
            }
        }
        String impl = NativeAccess.get().implementation();
        List<Result> results = new ArrayList<>();
        try {
            for (String call : calls) {
                results.add(measure(call, rounds, warmup, batch, roundMillis));
            }
        } catch (IllegalStateException e) {
            System.err.println("PairedLibvirt: harness check failed: " + e.getMessage());
            System.exit(1);
        }
        String table = table(impl, results, rounds, roundMillis);
        System.out.print(table);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("paired-libvirt-" + impl + ".md"), table);
            Files.writeString(out.resolve("paired-libvirt-" + impl + ".csv"), csv(impl, results));
        }
    }

    static Result measure(String call, int rounds, int warmup, int batch, long roundMillis) throws Exception {
        LibvirtCalls state = new LibvirtCalls();
        state.call = call;
        state.setUp();
        try {
            List<Interleaved.Side> sides = List.of(
                    new Interleaved.Side("C", state::cBatch, state.cBatch(1)),
                    new Interleaved.Side("vmm4j", state::vmm4jBatch, state.vmm4jBatch(1)),
                    new Interleaved.Side("libvirt-java", state::libvirtJavaBatch, state.libvirtJavaBatch(1)));
            if (!call.equals("allDomainStats")
                    && sides.stream()
                                    .mapToLong(Interleaved.Side::perOp)
                                    .distinct()
                                    .count()
                            != 1) {
                // Same guest, same call: the three must see the same vCPU count / find the guest.
                throw new IllegalStateException(call + ": the sides disagree: " + sides);
            }
            int turns = 2;
            for (int i = 0; i < warmup; i++) {
                turns = Interleaved.turnsFor(Interleaved.round(sides, turns, batch, i % 3), batch, roundMillis);
            }
            List<Interleaved.Round> measured = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                measured.add(Interleaved.round(sides, turns, batch, i % 3));
            }
            double[] vsC = measured.stream().mapToDouble(r -> r.ratio(VMM4J, C)).toArray();
            double[] theirs = measured.stream()
                    .mapToDouble(r -> r.ratio(LIBVIRT_JAVA, VMM4J))
                    .toArray();
            double[] bound =
                    measured.stream().mapToDouble(r -> r.ratio(LIBVIRT_JAVA, C)).toArray();
            return new Result(call, measured, PairedRatio.of(vsC), PairedRatio.of(theirs), PairedRatio.of(bound));
        } finally {
            state.tearDown();
        }
    }

    static String table(String impl, List<Result> results, int rounds, long roundMillis) {
        StringBuilder b =
                new StringBuilder("| call | native seam | C ns | vmm4j ns | libvirt-java ns | vmm4j/C (median)"
                        + " | 95% CI | libvirt-java/vmm4j (median) | 95% CI | libvirt-java/C (the bound) | vmm4j B/call | rounds |\n"
                        + "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | --- |\n");
        for (Result r : results) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %.0f | %.0f | %.0f | **%.3f** | %.3f – %.3f | **%.2f** | %.2f – %.2f | %.2f | %.1f | %d × %d ms |%n",
                    r.call(),
                    impl,
                    r.median(C),
                    r.median(VMM4J),
                    r.median(LIBVIRT_JAVA),
                    r.vsC().median(),
                    r.vsC().low(),
                    r.vsC().high(),
                    r.libvirtJavaVsUs().median(),
                    r.libvirtJavaVsUs().low(),
                    r.libvirtJavaVsUs().high(),
                    r.bound().median(),
                    r.medianBytes(VMM4J),
                    rounds,
                    roundMillis));
        }
        return b.toString();
    }

    private static String csv(String impl, List<Result> results) {
        StringBuilder b = new StringBuilder("call,native,round,first,c_ns,vmm4j_ns,libvirt_java_ns,vmm4j_bytes\n");
        for (Result r : results) {
            for (int i = 0; i < r.rounds().size(); i++) {
                Interleaved.Round x = r.rounds().get(i);
                b.append(String.format(
                        Locale.ROOT,
                        "%s,%s,%d,%d,%.1f,%.1f,%.1f,%.2f%n",
                        r.call(),
                        impl,
                        i,
                        x.first(),
                        x.nsPerOp()[C],
                        x.nsPerOp()[VMM4J],
                        x.nsPerOp()[LIBVIRT_JAVA],
                        x.bytesPerOp()[VMM4J]));
            }
        }
        return b.toString();
    }
}
