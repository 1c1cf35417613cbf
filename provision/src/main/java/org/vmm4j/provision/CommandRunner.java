package org.vmm4j.provision;

import java.time.Duration;
import java.util.List;
import org.vmm4j.host.CommandResult;

/**
 * Runs shell command lines in a guest, in order, stopping at the first that fails. The default,
 * {@link SshCommandRunner}, uses one {@link SshSession}.
 */
@FunctionalInterface
public interface CommandRunner {
    /**
     * Runs the commands in order, stopping at the first that fails.
     *
     * @param timeout for each command
     * @return one result per command that ran, all successful
     * @throws RuntimeException when connecting fails or a command exits non-zero or times out
     */
    List<CommandResult> runAll(SshTarget target, List<String> commandLines, Duration timeout, StepReporter reporter);
}
