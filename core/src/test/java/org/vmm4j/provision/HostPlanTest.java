package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A harmless plan applied for real on this host with {@link ProcessExecutor}. */
class HostPlanTest {
    @TempDir
    Path dir;

    private final ProcessExecutor executor = new ProcessExecutor(Duration.ofSeconds(30));

    private HostPlan makeDirectoryPlan(Path target) {
        return new HostPlan("make a directory", List.of(PlanStep.asUser("create " + target,
                List.of("mkdir", "-p", target.toString()), DoneCheck.exitsZero(List.of("test", "-d", target.toString())))));
    }

    @Test
    void createsTheDirectoryThenDetectsThatItIsAlreadyDone() {
        Path target = dir.resolve("a").resolve("b");
        HostPlan plan = makeDirectoryPlan(target);

        assertEquals(List.of(StepOutcome.APPLIED), plan.apply(executor));
        assertTrue(Files.isDirectory(target));
        assertEquals(List.of(StepOutcome.ALREADY_DONE), plan.apply(executor));
        assertFalse(plan.needsRoot());
    }

    @Test
    void realFailureCarriesTheProgramsErrorOutput() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        HostPlan plan = makeDirectoryPlan(file.resolve("sub"));

        PlanStepFailedException e = assertThrows(PlanStepFailedException.class, () -> plan.apply(executor));
        assertTrue(e.getMessage().contains("Not a directory"), e.getMessage());
        assertEquals(1, e.exitCode());
    }

    @Test
    void executorRunsArgumentsVerbatimWithoutAShell() {
        CommandResult r = executor.run(List.of("printf", "%s", "$(echo injected); *"));
        assertEquals("$(echo injected); *", r.stdout());
    }

    @Test
    void executorRejectsProgramNamesAndArgumentsThatAreNotPlain() {
        assertThrows(IllegalArgumentException.class, () -> executor.run(List.of("rm -rf /")));
        assertThrows(IllegalArgumentException.class, () -> executor.run(List.of("echo", "a\nb")));
        assertThrows(IllegalArgumentException.class, () -> executor.run(List.of()));
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> executor.run(List.of("/nonexistent/program")));
        assertTrue(e.getMessage().contains("/nonexistent/program"), e.getMessage());
    }

    @Test
    void executorTimesOutAHangingProgram() {
        var quick = new ProcessExecutor(Duration.ofMillis(300));
        long start = System.nanoTime();
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> quick.run(List.of("sleep", "30")));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
        assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
    }

    @Test
    void checkWhoseProgramIsNotInstalledCountsAsNotDone() {
        Path target = dir.resolve("made");
        HostPlan plan = new HostPlan("check with a missing program", List.of(PlanStep.asUser("create " + target,
                List.of("mkdir", target.toString()), DoneCheck.exitsZero(List.of("/nonexistent/checker")))));

        assertEquals(List.of(StepOutcome.APPLIED), plan.apply(executor));
        assertTrue(Files.isDirectory(target));
    }

    @Test
    void largeOutputOnBothPipesDoesNotBlockTheChild() {
        CommandResult r = executor.run(List.of("sh", "-c", "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2"));
        assertEquals(0, r.exitCode());
        assertEquals(300000, r.stdout().length());
        assertEquals(300000, r.stderr().length());
    }
}
