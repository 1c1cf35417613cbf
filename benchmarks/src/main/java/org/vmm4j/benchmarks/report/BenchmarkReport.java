package org.vmm4j.benchmarks.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Turns a JMH JSON result file into the README's markdown table and a PNG chart:
 * {@code java -cp benchmarks.jar org.vmm4j.benchmarks.report.BenchmarkReport results.json out-dir}.
 * Each row shows a benchmark's score next to its baseline from the same run and their ratio.
 */
public final class BenchmarkReport {

    /** One measured score. */
    record Score(
            String benchmark,
            String method,
            String params,
            double score,
            double error,
            String unit,
            Double allocBytesPerOp,
            Double pairedRatio) {
        String group() {
            return benchmark + (params.isEmpty() ? "" : " " + params);
        }
    }

    private BenchmarkReport() {}

    /**
     * {@code BenchmarkReport OUTPUT-DIR RESULTS.json[=LABEL] ...}: a labelled file's variants are shown
     * as {@code method (LABEL)}, e.g. the same benchmarks run with {@code -Dvmm4j.native=jna}.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: BenchmarkReport <output-dir> <jmh-results.json>[=label] ...");
            System.exit(2);
        }
        List<Score> scores = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            String label = eq < 0 ? null : args[i].substring(eq + 1);
            for (Score s : read(Path.of(eq < 0 ? args[i] : args[i].substring(0, eq)))) {
                scores.add(
                        label == null
                                ? s
                                : new Score(
                                        s.benchmark(),
                                        s.method() + " (" + label + ")",
                                        s.params(),
                                        s.score(),
                                        s.error(),
                                        s.unit(),
                                        s.allocBytesPerOp(),
                                        s.pairedRatio()));
            }
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        String table = table(scores);
        Files.writeString(out.resolve("results.md"), table);
        chart(scores, out.resolve("results"));
        System.out.print(table);
    }

    static List<Score> read(Path json) throws IOException {
        List<Score> scores = new ArrayList<>();
        List<String> modes = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(json)) {
            JsonArray runs = JsonParser.parseReader(r).getAsJsonArray();
            for (JsonElement e : runs) {
                JsonObject run = e.getAsJsonObject();
                String full = run.get("benchmark").getAsString();
                String[] parts = full.split("\\.");
                String benchmark = parts[parts.length - 2];
                String method = parts[parts.length - 1];
                StringBuilder params = new StringBuilder();
                if (run.has("params")) {
                    for (Map.Entry<String, JsonElement> p :
                            run.getAsJsonObject("params").entrySet()) {
                        params.append(params.length() == 0 ? "" : ",")
                                .append(p.getKey())
                                .append('=')
                                .append(p.getValue().getAsString());
                    }
                }
                modes.add(run.has("mode") ? run.get("mode").getAsString() : "");
                JsonObject primary = run.getAsJsonObject("primaryMetric");
                Double alloc = null;
                if (run.has("secondaryMetrics")
                        && run.getAsJsonObject("secondaryMetrics").has("gc.alloc.rate.norm")) {
                    alloc = run.getAsJsonObject("secondaryMetrics")
                            .getAsJsonObject("gc.alloc.rate.norm")
                            .get("score")
                            .getAsDouble();
                }
                // VcpuRunLoop.paired: Java's time over C's, both measured in the same iteration. JMH sums
                // EVENTS counters over the iterations in "score": take the median of the iterations.
                Double paired = null;
                if (run.has("secondaryMetrics")
                        && run.getAsJsonObject("secondaryMetrics").has("javaToC")) {
                    List<Double> ratios = new ArrayList<>();
                    for (JsonElement fork : run.getAsJsonObject("secondaryMetrics")
                            .getAsJsonObject("javaToC")
                            .getAsJsonArray("rawData")) {
                        for (JsonElement iteration : fork.getAsJsonArray()) {
                            ratios.add(iteration.getAsDouble());
                        }
                    }
                    ratios.sort(null);
                    int n = ratios.size();
                    paired = n == 0
                            ? null
                            : n % 2 == 1 ? ratios.get(n / 2) : (ratios.get(n / 2 - 1) + ratios.get(n / 2)) / 2;
                }
                double error = primary.get("scoreError").isJsonPrimitive()
                                && !primary.get("scoreError").getAsString().equals("NaN")
                        ? primary.get("scoreError").getAsDouble()
                        : Double.NaN;
                scores.add(new Score(
                        benchmark,
                        method,
                        params.toString(),
                        primary.get("score").getAsDouble(),
                        error,
                        primary.get("scoreUnit").getAsString(),
                        alloc,
                        paired));
            }
        }
        // A benchmark measured in several modes (MachineStartup: average time and single shot) would
        // otherwise print rows that look alike and are compared with each other: name the mode there.
        Map<String, Set<String>> modesOf = new HashMap<>();
        for (int i = 0; i < scores.size(); i++) {
            modesOf.computeIfAbsent(scores.get(i).benchmark(), k -> new HashSet<>())
                    .add(modes.get(i));
        }
        for (int i = 0; i < scores.size(); i++) {
            Score s = scores.get(i);
            if (modesOf.get(s.benchmark()).size() > 1) {
                String params = s.params().isEmpty() ? "mode=" + modes.get(i) : s.params() + ",mode=" + modes.get(i);
                scores.set(
                        i,
                        new Score(
                                s.benchmark(),
                                s.method(),
                                params,
                                s.score(),
                                s.error(),
                                s.unit(),
                                s.allocBytesPerOp(),
                                s.pairedRatio()));
            }
        }
        return scores;
    }

    /**
     * Markdown: one line per benchmark and parameters; ratios against the group's baseline score, except
     * for a paired benchmark, whose ratio (Java over C, same iterations) is its own secondary result.
     */
    static String table(List<Score> scores) {
        Map<String, List<Score>> groups = new LinkedHashMap<>();
        for (Score s : scores) {
            groups.computeIfAbsent(s.group(), k -> new ArrayList<>()).add(s);
        }
        StringBuilder md = new StringBuilder("| benchmark | params | variant | score | B/op | ratio to `")
                .append("c` / `binaryFd` |\n| --- | --- | --- | ---: | ---: | ---: |\n");
        for (List<Score> group : groups.values()) {
            Score base = group.stream()
                    .filter(s -> s.method().equals("c")
                            || s.method().equals("binaryFd")
                            || s.method().equals("vmm4j"))
                    .findFirst()
                    .orElse(group.get(0));
            for (Score s : group) {
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %s | %.1f %s | %s | %s |%n",
                        s.benchmark(),
                        s.params().isEmpty() ? "-" : s.params(),
                        s.method(),
                        s.score(),
                        s.unit(),
                        s.allocBytesPerOp() == null ? "-" : String.format(Locale.ROOT, "%.1f", s.allocBytesPerOp()),
                        s.pairedRatio() == null
                                ? String.format(Locale.ROOT, "%.2f", s.score() / base.score())
                                : String.format(
                                        Locale.ROOT, "%.3f Java/C paired (median of iterations)", s.pairedRatio())));
            }
        }
        return md.toString();
    }

    static void chart(List<Score> scores, Path pngWithoutExtension) throws IOException {
        Map<String, List<Score>> byBenchmark = new LinkedHashMap<>();
        for (Score s : scores) {
            byBenchmark.computeIfAbsent(s.benchmark(), k -> new ArrayList<>()).add(s);
        }
        int n = 0;
        for (Map.Entry<String, List<Score>> e : byBenchmark.entrySet()) {
            // Long parameter lists (MachineStartup's entry, irqchip and mode) are slanted, or they overlap.
            boolean slanted = e.getValue().stream()
                            .mapToInt(s -> s.params().length())
                            .max()
                            .orElse(0)
                    > 24;
            CategoryChart chart = new CategoryChartBuilder()
                    .width(slanted ? 1100 : 900)
                    .height(slanted ? 600 : 420)
                    .title(e.getKey())
                    .xAxisTitle("parameters")
                    .yAxisTitle(e.getValue().get(0).unit())
                    .build();
            chart.getStyler()
                    .setLegendPosition(slanted ? Styler.LegendPosition.OutsideE : Styler.LegendPosition.InsideNW);
            if (slanted) {
                chart.getStyler().setXAxisLabelRotation(35);
            }
            chart.getStyler().setYAxisLogarithmic(true);
            // Bars start at the axis minimum; a log axis needs one above zero.
            double min = e.getValue().stream().mapToDouble(Score::score).min().orElse(1);
            chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min)) - 1));
            Map<String, List<String>> xs = new LinkedHashMap<>();
            Map<String, List<Double>> ys = new LinkedHashMap<>();
            for (Score s : e.getValue()) {
                xs.computeIfAbsent(s.method(), k -> new ArrayList<>())
                        .add(s.params().isEmpty() ? "-" : s.params());
                ys.computeIfAbsent(s.method(), k -> new ArrayList<>()).add(s.score());
            }
            for (String method : xs.keySet()) {
                chart.addSeries(method, xs.get(method), ys.get(method));
            }
            BitmapEncoder.saveBitmap(chart, pngWithoutExtension + "-" + e.getKey(), BitmapEncoder.BitmapFormat.PNG);
            n++;
        }
        if (n == 0) {
            throw new IOException("no results to chart");
        }
    }
}
