package org.vmm4j.host;

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

/** Harmless plans applied for real on this host, in a temporary directory. */
class HostPlanOnThisHostTest {
    @TempDir
    Path dir;

    private final CommandExecutor executor = CommandExecutor.system(Duration.ofSeconds(30));

    private static HostPlan makeDirectoryPlan(Path target) {
        return new HostPlan(
                "make a directory",
                List.of(new PlanStep.Run(
                        "create " + target,
                        List.of("mkdir", "-p", target.toString()),
                        List.of("test", "-d", target.toString()),
                        false)));
    }

    @Test
    void createsTheDirectoryThenDetectsThatItIsAlreadyDone() {
        Path target = dir.resolve("a").resolve("b");
        HostPlan plan = makeDirectoryPlan(target);

        assertEquals(plan.steps(), plan.apply(executor).applied());
        assertTrue(Files.isDirectory(target));
        assertEquals(plan.steps(), plan.apply(executor).skipped());
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
    void checkWhoseProgramIsNotInstalledCountsAsNotDone() {
        Path target = dir.resolve("made");
        HostPlan plan = new HostPlan(
                "check with a missing program",
                List.of(new PlanStep.Run(
                        "create " + target,
                        List.of("mkdir", target.toString()),
                        List.of("/nonexistent/checker"),
                        false)));

        assertEquals(plan.steps(), plan.apply(executor).applied());
        assertTrue(Files.isDirectory(target));
    }

    @Test
    void fileEditsAreAppliedOnceToRealFiles() throws Exception {
        Path conf =
                Files.writeString(dir.resolve("rc.conf"), "hostname=\"h\"\n# BEGIN vmm4j net\nold\n# END vmm4j net\n");
        Path loader = dir.resolve("boot").resolve("loader.conf");
        HostPlan plan = new HostPlan(
                "edit files",
                List.of(
                        new PlanStep.EnsureLine("load vmm at boot", loader, "vmm_load=\"YES\"", false),
                        new PlanStep.EnsureBlock("network", conf, "net", "ifconfig_bridge0=\"up\"\n", false)));

        assertEquals(plan.steps(), plan.apply(executor).applied());
        String confAfterFirst = Files.readString(conf);
        assertEquals("hostname=\"h\"\n# BEGIN vmm4j net\nifconfig_bridge0=\"up\"\n# END vmm4j net\n", confAfterFirst);
        assertEquals("vmm_load=\"YES\"\n", Files.readString(loader));
        var modified = Files.getLastModifiedTime(loader);

        assertEquals(plan.steps(), plan.apply(executor).skipped());
        assertEquals(confAfterFirst, Files.readString(conf));
        assertEquals("vmm_load=\"YES\"\n", Files.readString(loader));
        assertEquals(modified, Files.getLastModifiedTime(loader));
    }

    @Test
    void checkOutputPatternIsMatchedAgainstTheRealProgramsOutput() throws Exception {
        Path marker = dir.resolve("state");
        Files.writeString(marker, "Active: no\n");
        PlanStep.Run activate = new PlanStep.Run(
                "activate",
                List.of("sh", "-c", "echo 'Active: yes' > " + marker),
                List.of("cat", marker.toString()),
                "^Active:\\s+yes$",
                false);
        HostPlan plan = new HostPlan("activate", List.of(activate));

        assertEquals(List.of(activate), plan.apply(executor).applied());
        assertEquals(List.of(activate), plan.apply(executor).skipped());
    }
}
