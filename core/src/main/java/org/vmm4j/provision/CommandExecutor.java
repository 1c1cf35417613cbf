package org.vmm4j.provision;

import java.util.List;

/**
 * Runs one program with an argument list (never a shell string) and reports how it ended. Plans are
 * applied through this seam, so a test can record what would run and a caller can add sudo or run
 * the commands on another machine.
 */
@FunctionalInterface
public interface CommandExecutor {
    /**
     * Runs {@code argv} (program first) and waits for it.
     *
     * @throws CommandFailedException when the program cannot be started or does not finish in time
     */
    CommandResult run(List<String> argv);
}
