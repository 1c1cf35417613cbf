package org.vmm4j.host;

import java.util.List;

/** What an external program did: its argument list, exit status and output. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

    public CommandResult {
        command = List.copyOf(command);
    }

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** Throws a {@link CommandFailedException} carrying the command and its stderr unless it succeeded. */
    public CommandResult orThrow() {
        if (!succeeded()) {
            throw new CommandFailedException(
                    command.get(0),
                    String.join(" ", command) + " exited with " + exitCode
                            + (stderr.isBlank() ? "" : ": " + stderr.strip()));
        }
        return this;
    }
}
