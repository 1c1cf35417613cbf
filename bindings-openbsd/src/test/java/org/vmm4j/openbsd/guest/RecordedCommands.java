package org.vmm4j.openbsd.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;

/**
 * TEST ONLY: a {@link CommandExecutor} answering from canned outputs in the formats OpenBSD's programs
 * print (test resources next to this class; written from arp(8) and dhcpd.leases(5), not captured on a
 * host) and in-memory files. A command it has no answer for fails the test, so nothing passes by
 * running a program of this host.
 */
final class RecordedCommands implements CommandExecutor {
    final List<List<String>> commands = new ArrayList<>();
    private final Map<List<String>, CommandResult> answers = new HashMap<>();
    private final Map<Path, String> files = new HashMap<>();

    /** Answers {@code command} with exit status 0 and {@code stdout}. */
    RecordedCommands answer(List<String> command, String stdout) {
        answers.put(List.copyOf(command), new CommandResult(command, 0, stdout, ""));
        return this;
    }

    /** Answers {@code command} with a failure. */
    RecordedCommands fail(List<String> command, int exitCode, String stderr) {
        answers.put(List.copyOf(command), new CommandResult(command, exitCode, "", stderr));
        return this;
    }

    RecordedCommands file(Path path, String content) {
        files.put(path, content);
        return this;
    }

    /** A recorded output among the test resources of this package. */
    static String recorded(String name) {
        try (InputStream in = RecordedCommands.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no recorded output " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public CommandResult run(List<String> command) {
        commands.add(List.copyOf(command));
        CommandResult r = answers.get(command);
        if (r == null) {
            throw new AssertionError("unexpected command " + command);
        }
        return r;
    }

    @Override
    public Optional<String> readFile(Path file) {
        return Optional.ofNullable(files.get(file));
    }

    @Override
    public void writeFile(Path file, String content) {
        files.put(file, content);
    }

    @Override
    public boolean exists(Path path) {
        return files.containsKey(path);
    }
}
