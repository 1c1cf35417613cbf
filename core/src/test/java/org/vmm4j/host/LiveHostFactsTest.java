package org.vmm4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.Fact;

/** The live host's facts over a temporary directory, a scripted executor and real programs. */
class LiveHostFactsTest {
    @TempDir
    Path dir;

    @Test
    void sysctlReadsTheFileUnderProcSysStripped() throws Exception {
        Files.createDirectories(dir.resolve("kernel"));
        Files.writeString(dir.resolve("kernel/osrelease"), "6.1.0-28-amd64\n");
        LiveHostFacts facts = new LiveHostFacts(new RecordingExecutor(), dir);
        assertEquals(Optional.of("6.1.0-28-amd64"), facts.sysctl("kernel.osrelease"));
        assertEquals(Optional.empty(), facts.sysctl("kernel.no_such_sysctl"));
    }

    @Test
    void sysctlNamesCannotLeaveProcSys() {
        LiveHostFacts facts = new LiveHostFacts(new RecordingExecutor(), dir);
        for (String name : List.of("../etc/passwd", "/etc/passwd", "kernel/osrelease", "", "kernel.", ".kernel")) {
            assertThrows(IllegalArgumentException.class, () -> facts.sysctl(name), name);
        }
    }

    @Test
    void filesAreReadWhenPresentAndEmptyOtherwise() throws Exception {
        Path file = Files.writeString(dir.resolve("rc.conf.local"), "vmd_flags=\n");
        LiveHostFacts facts = new LiveHostFacts(new RecordingExecutor(), dir);
        assertEquals(Optional.of("vmd_flags=\n"), facts.readFile(file));
        assertTrue(facts.exists(file));
        Path missing = dir.resolve("missing");
        assertEquals(Optional.empty(), facts.readFile(missing));
        assertFalse(facts.exists(missing));
        assertEquals(Optional.empty(), facts.readFile(dir), "a directory is not a readable file");
        assertTrue(facts.exists(dir));
    }

    @Test
    void programsThatCannotStartAreMissingAndOthersAnswer() {
        RecordingExecutor executor = new RecordingExecutor()
                .notInstalled("kldstat -q -m vmm")
                .answer("zpool list", 1, "", "no ZFS")
                .answer("uname -r", 0, "14.1-RELEASE\n", "");
        LiveHostFacts facts = new LiveHostFacts(executor, dir);
        assertEquals(Optional.empty(), facts.run(List.of("kldstat", "-q", "-m", "vmm")));
        assertEquals(1, facts.run(List.of("zpool", "list")).orElseThrow().exitCode());
        assertEquals(Fact.UNKNOWN, facts.succeeds(List.of("kldstat", "-q", "-m", "vmm")));
        assertEquals(Fact.NO, facts.succeeds(List.of("zpool", "list")));
        assertEquals(Fact.YES, facts.succeeds(List.of("uname", "-r")));
        assertEquals(Optional.empty(), facts.output(List.of("zpool", "list")), "no output from a failed program");
        assertEquals(Optional.of("14.1-RELEASE\n"), facts.output(List.of("uname", "-r")));
    }

    @Test
    void realProgramsRunFromArgumentLists() {
        LiveHostFacts facts = new LiveHostFacts();
        assertEquals(Optional.of("a b"), facts.output(List.of("printf", "%s", "a b")));
        assertEquals(Fact.NO, facts.succeeds(List.of("false")));
        assertEquals(Fact.UNKNOWN, facts.succeeds(List.of("/nonexistent/kldstat")));
        assertTrue(facts.run(List.of("/nonexistent/kldstat")).isEmpty());
    }

    @Test
    void recordedFactsAnswerTheSameQuestions() {
        RecordedHostFacts facts = new RecordedHostFacts()
                .command(List.of("kldstat", "-q", "-m", "vmm"), 1, "")
                .command(List.of("vmctl", "status"), 0, "ID PID\n");
        assertEquals(Fact.NO, facts.succeeds(List.of("kldstat", "-q", "-m", "vmm")));
        assertEquals(Fact.UNKNOWN, facts.succeeds(List.of("bhyvectl")));
        assertEquals(Optional.of("ID PID\n"), facts.output(List.of("vmctl", "status")));
        assertEquals(Optional.empty(), facts.output(List.of("kldstat", "-q", "-m", "vmm")));
    }
}
