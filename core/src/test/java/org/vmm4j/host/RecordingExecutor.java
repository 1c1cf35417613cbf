package org.vmm4j.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Records every argument list and answers from a script; unscripted commands succeed with no output.
 * Files live in memory. Shared by the tests of every package that applies plans.
 */
public final class RecordingExecutor implements CommandExecutor {
    /** Every command run, its arguments joined with spaces, in order. */
    public final List<String> commands = new ArrayList<>();
    /** The in-memory files, after any writes. */
    public final Map<Path, String> files = new HashMap<>();

    /** An executor with no script, no files and nothing run yet. */
    public RecordingExecutor() {}
    /** How many times each file was written. */
    public final Map<Path, Integer> writes = new HashMap<>();

    private final Map<String, Answer> script = new HashMap<>();
    private final Set<String> missing = new HashSet<>();

    private record Answer(int exitCode, String stdout, String stderr) {}

    /** Answers {@code command} (arguments joined with spaces) with this exit status and output. */
    public RecordingExecutor answer(String command, int exitCode, String stdout, String stderr) {
        script.put(command, new Answer(exitCode, stdout, stderr));
        return this;
    }

    /** Makes each of these (check) commands exit 1 unless scripted otherwise. */
    public RecordingExecutor unscriptedChecksFail(List<String> checkCommands) {
        for (String c : checkCommands) {
            script.putIfAbsent(c, new Answer(1, "", ""));
        }
        return this;
    }

    /** Makes {@code command} fail to start, like a program that is not installed. */
    public RecordingExecutor notInstalled(String command) {
        missing.add(command);
        return this;
    }

    /** Puts a file in place. */
    public RecordingExecutor file(Path path, String content) {
        files.put(path, content);
        return this;
    }

    @Override
    public CommandResult run(List<String> command) {
        String joined = String.join(" ", command);
        commands.add(joined);
        if (missing.contains(joined)) {
            throw new CommandFailedException(command.get(0), "cannot start " + command.get(0) + ": not found");
        }
        Answer a = script.getOrDefault(joined, new Answer(0, "", ""));
        return new CommandResult(command, a.exitCode(), a.stdout(), a.stderr());
    }

    @Override
    public Optional<String> readFile(Path file) {
        return Optional.ofNullable(files.get(file));
    }

    @Override
    public void writeFile(Path file, String content) {
        files.put(file, content);
        writes.merge(file, 1, Integer::sum);
    }

    @Override
    public boolean exists(Path path) {
        return files.containsKey(path);
    }
}
