package org.vmm4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real programs of this host through {@link CommandExecutor#system(Duration)}. */
class ProcessCommandExecutorTest {
    @TempDir
    Path dir;

    private final CommandExecutor executor = CommandExecutor.system(Duration.ofSeconds(30));

    @Test
    void runsArgumentsVerbatimWithoutAShell() {
        CommandResult r = executor.run(List.of("printf", "%s", "$(echo injected); *"));
        assertEquals("$(echo injected); *", r.stdout());
        assertEquals(List.of("printf", "%s", "$(echo injected); *"), r.command());
        assertTrue(r.succeeded());
    }

    @Test
    void rejectsProgramNamesAndArgumentsThatAreNotPlain() {
        assertThrows(IllegalArgumentException.class, () -> executor.run(List.of("rm -rf /")));
        assertThrows(IllegalArgumentException.class, () -> executor.run(List.of("echo", "a\nb")));
        assertThrows(IllegalArgumentException.class, () -> executor.run(List.of()));
        CommandFailedException e =
                assertThrows(CommandFailedException.class, () -> executor.run(List.of("/nonexistent/program")));
        assertTrue(e.getMessage().contains("/nonexistent/program"), e.getMessage());
        assertEquals("/nonexistent/program", e.operation());
    }

    @Test
    void killsAProgramThatRunsLongerThanTheTimeout() {
        CommandExecutor quick = CommandExecutor.system(Duration.ofMillis(300));
        long start = System.nanoTime();
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> quick.run(List.of("sleep", "30")));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
        assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
        assertTrue(e.getMessage().contains("sleep 30"), e.getMessage());
    }

    @Test
    void rejectsATimeoutThatIsNotPositive() {
        assertThrows(IllegalArgumentException.class, () -> CommandExecutor.system(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> CommandExecutor.system(Duration.ofSeconds(-1)));
    }

    @Test
    void standardInputIsEmptySoAProgramReadingItDoesNotHang() {
        CommandResult r = CommandExecutor.system(Duration.ofSeconds(10)).run(List.of("cat"));
        assertEquals(0, r.exitCode());
        assertEquals("", r.stdout());
    }

    @Test
    void largeOutputOnBothPipesDoesNotBlockTheChild() {
        CommandResult r = executor.run(List.of("sh", "-c", "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2"));
        assertEquals(0, r.exitCode());
        assertEquals(300000, r.stdout().length());
        assertEquals(300000, r.stderr().length());
    }

    @Test
    void reportsExitStatusAndErrorOutputAndOrThrowCarriesThem() {
        CommandResult r = executor.run(List.of("sh", "-c", "echo oops >&2; exit 3"));
        assertEquals(3, r.exitCode());
        assertEquals("oops\n", r.stderr());
        CommandFailedException e = assertThrows(CommandFailedException.class, r::orThrow);
        assertTrue(e.getMessage().contains("exited with 3: oops"), e.getMessage());
    }

    @Test
    void writesFilesAtomicallyAndReadsThemBack() throws Exception {
        Path file = dir.resolve("etc").resolve("rc.conf");
        assertEquals(Optional.empty(), executor.readFile(file));
        assertFalse(executor.exists(file));

        executor.writeFile(file, "a=1\n");
        executor.writeFile(file, "a=2\n");

        assertEquals(Optional.of("a=2\n"), executor.readFile(file));
        assertTrue(executor.exists(file));
        try (var listing = Files.list(file.getParent())) {
            assertEquals(List.of(file), listing.toList(), "no temporary file left behind");
        }
    }
}
