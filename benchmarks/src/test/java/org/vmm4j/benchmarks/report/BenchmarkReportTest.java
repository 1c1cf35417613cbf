package org.vmm4j.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkReportTest {
    private static String run(String mode, double score, String unit) {
        return """
                {"benchmark": "org.vmm4j.benchmarks.MachineStartup.endToEnd", "mode": "%s",
                 "params": {"entry": "pvh"},
                 "primaryMetric": {"score": %s, "scoreError": 1.0, "scoreUnit": "%s"}}
                """.formatted(mode, score, unit);
    }

    @Test
    void namesNoModeForABenchmarkMeasuredInOne(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + run("thrpt", 95.0, "ops/us") + "]");
        assertEquals("entry=pvh", BenchmarkReport.read(json).get(0).params());
    }

    @Test
    void keepsTheModesOfOneBenchmarkApart(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("results.json");
        Files.writeString(json, "[" + run("avgt", 2000.0, "us/op") + "," + run("ss", 7000.0, "us/op") + "]");
        List<BenchmarkReport.Score> scores = BenchmarkReport.read(json);
        assertEquals(
                List.of("entry=pvh,mode=avgt", "entry=pvh,mode=ss"),
                scores.stream().map(BenchmarkReport.Score::params).toList());
        String table = BenchmarkReport.table(scores);
        assertTrue(table.contains("| MachineStartup | entry=pvh,mode=ss | endToEnd | 7000.0 us/op |"), table);
        // each mode is its own group: neither row is the other's ratio
        assertEquals(2, table.lines().filter(l -> l.endsWith("| 1.00 |")).count(), table);
    }
}
