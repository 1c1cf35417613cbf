package org.vmm4j.host;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link HostFacts} from a recording: what a real host answered, replayed for probes in tests. */
public final class RecordedHostFacts implements HostFacts {
    private final Map<String, String> sysctls = new HashMap<>();
    private final Map<Path, String> files = new HashMap<>();
    private final Set<Path> paths = new HashSet<>();
    private final Map<List<String>, CommandResult> commands = new HashMap<>();

    /** An empty recording: no sysctls, files, paths or programs until they are added. */
    public RecordedHostFacts() {}

    public RecordedHostFacts sysctl(String name, String value) {
        sysctls.put(name, value);
        return this;
    }

    public RecordedHostFacts file(String path, String content) {
        files.put(Path.of(path), content);
        paths.add(Path.of(path));
        return this;
    }

    public RecordedHostFacts path(String path) {
        paths.add(Path.of(path));
        return this;
    }

    public RecordedHostFacts command(List<String> command, int exitCode, String stdout) {
        commands.put(List.copyOf(command), new CommandResult(command, exitCode, stdout, ""));
        return this;
    }

    @Override
    public Optional<String> sysctl(String name) {
        return Optional.ofNullable(sysctls.get(name));
    }

    @Override
    public boolean exists(Path path) {
        return paths.contains(path);
    }

    @Override
    public Optional<String> readFile(Path path) {
        return Optional.ofNullable(files.get(path));
    }

    @Override
    public Optional<CommandResult> run(List<String> command) {
        return Optional.ofNullable(commands.get(List.copyOf(command)));
    }
}
