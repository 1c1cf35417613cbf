package org.vmm4j.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.vmm4j.Fact;

/**
 * The read-only facts a probe looks at: sysctls, files, programs' output. Backends implement it over
 * the live host ({@link LiveHostFacts}); tests feed recorded facts of real hosts
 * ({@link RecordedHostFacts}).
 */
public interface HostFacts {

    /** A sysctl's value as text ({@code hw.vmm.vmx.initialized} -> "1"), or empty when absent. */
    Optional<String> sysctl(String name);

    /** Whether a path exists. */
    boolean exists(Path path);

    /** A file's content, or empty when it does not exist or cannot be read. */
    Optional<String> readFile(Path path);

    /** A program's result, or empty when the program does not exist (or cannot be run at all). */
    Optional<CommandResult> run(List<String> command);

    /** A program's standard output when it exists and exits 0; empty otherwise. */
    default Optional<String> output(List<String> command) {
        return run(command).filter(CommandResult::succeeded).map(CommandResult::stdout);
    }

    /**
     * {@code YES} when a program exits 0, {@code NO} when it exits with another status, {@code UNKNOWN}
     * when it does not exist.
     */
    default Fact succeeds(List<String> command) {
        return run(command).map(r -> Fact.of(r.succeeded())).orElse(Fact.UNKNOWN);
    }
}
