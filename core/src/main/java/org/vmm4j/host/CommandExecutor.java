package org.vmm4j.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs external programs and edits files on behalf of plans and backends. Programs are always started
 * from an argument list, never a shell string. Tests substitute a recording executor.
 */
public interface CommandExecutor {

    /**
     * Runs {@code command} (program + arguments) to completion.
     *
     * @throws CommandFailedException when the program cannot be started or does not finish in time
     * @throws IllegalArgumentException when {@code command} is not a program name and plain arguments
     *                                  ({@link SafeNames#requireCommand})
     */
    CommandResult run(List<String> command);

    /** A file's content, or empty when it does not exist. */
    Optional<String> readFile(Path file);

    /** Replaces a file's content atomically (write to a temporary file, then rename). */
    void writeFile(Path file, String content);

    /** Whether a path exists. */
    boolean exists(Path path);

    /**
     * The executor that really runs programs and touches files on this host. A program gets
     * {@code /dev/null} as standard input and is killed after an hour; see {@link #system(Duration)}.
     */
    static CommandExecutor system() {
        return ProcessCommandExecutor.INSTANCE;
    }

    /** Like {@link #system()}, killing a program that runs longer than {@code timeout}. */
    static CommandExecutor system(Duration timeout) {
        return new ProcessCommandExecutor(timeout);
    }
}
