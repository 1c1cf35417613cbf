package org.vmm4j.provision;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Records every argument list and answers from a script; unscripted commands succeed with no output. */
final class RecordingExecutor implements CommandExecutor {
    final List<String> commands = new ArrayList<>();
    private final Map<String, CommandResult> script = new HashMap<>();

    /** Answers every {@code argv} joined with spaces as {@code command} with {@code result}. */
    RecordingExecutor answer(String command, CommandResult result) {
        script.put(command, result);
        return this;
    }

    /** Makes each of these (check) commands fail unless scripted otherwise. */
    RecordingExecutor unscriptedChecksFail(List<String> checkCommands) {
        for (String c : checkCommands) {
            script.putIfAbsent(c, new CommandResult(1, "", ""));
        }
        return this;
    }

    @Override
    public CommandResult run(List<String> argv) {
        String command = String.join(" ", argv);
        commands.add(command);
        CommandResult r = script.get(command);
        return r != null ? r : new CommandResult(0, "", "");
    }
}
