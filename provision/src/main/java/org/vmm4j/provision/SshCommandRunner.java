package org.vmm4j.provision;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.vmm4j.host.CommandResult;

/**
 * Runs commands over one SSH session. A failing command stops the run; its exit status and the last
 * line of its stderr go into the exception, never the command line (it may carry a token).
 */
public final class SshCommandRunner implements CommandRunner {

    /** A runner that opens one session per {@link #runAll} call. */
    public SshCommandRunner() {}

    @Override
    public List<CommandResult> runAll(
            SshTarget target, List<String> commandLines, Duration timeout, StepReporter reporter) {
        List<CommandResult> results = new ArrayList<>(commandLines.size());
        if (commandLines.isEmpty()) {
            return results;
        }
        try (SshSession session = SshSession.connect(target)) {
            for (int i = 0; i < commandLines.size(); i++) {
                reporter.report(
                        (double) i / commandLines.size(),
                        ProvisionMessages.CATALOG.message("progress.command-of", i + 1, commandLines.size()));
                CommandResult result = session.exec(commandLines.get(i), timeout);
                if (!result.succeeded()) {
                    String last = lastLine(result.stderr());
                    throw new SshException(
                            last.isEmpty()
                                    ? ProvisionMessages.CATALOG.message(
                                            "error.command-failed", i + 1, commandLines.size(), result.exitCode())
                                    : ProvisionMessages.CATALOG.message(
                                            "error.command-failed-output",
                                            i + 1,
                                            commandLines.size(),
                                            result.exitCode(),
                                            last));
                }
                results.add(result);
            }
        }
        return results;
    }

    private static String lastLine(String text) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty()) {
            return "";
        }
        String line = s.substring(s.lastIndexOf('\n') + 1);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
