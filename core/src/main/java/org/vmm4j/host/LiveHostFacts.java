package org.vmm4j.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.VmmException;

/**
 * {@link HostFacts} of the running host: files through java.nio, programs through a
 * {@link CommandExecutor} (argument lists, standard input from {@code /dev/null}, a time limit), and
 * sysctls from {@code /proc/sys} where the kernel has it (Linux). The BSD backends extend it with
 * their kernels' own sysctl interfaces.
 */
public class LiveHostFacts implements HostFacts {
    private static final Logger LOG = LoggerFactory.getLogger(LiveHostFacts.class);

    /** How long a probe waits for a program before it takes the answer as missing. */
    public static final Duration PROGRAM_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern SYSCTL_NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

    private final CommandExecutor executor;
    private final Path procSys;

    /** Facts with programs run by {@link CommandExecutor#system(Duration)} for {@link #PROGRAM_TIMEOUT}. */
    public LiveHostFacts() {
        this(CommandExecutor.system(PROGRAM_TIMEOUT));
    }

    public LiveHostFacts(CommandExecutor executor) {
        this(executor, Path.of("/proc/sys"));
    }

    LiveHostFacts(CommandExecutor executor, Path procSys) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.procSys = procSys;
    }

    /**
     * The file under {@code /proc/sys} that holds sysctl {@code name} ({@code kernel.osrelease} is
     * {@code /proc/sys/kernel/osrelease}), stripped; empty where there is none.
     *
     * @throws IllegalArgumentException when {@code name} is not dot-separated words
     */
    @Override
    public Optional<String> sysctl(String name) {
        if (!SYSCTL_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a sysctl name: " + name);
        }
        return readFile(procSys.resolve(name.replace('.', '/'))).map(String::strip);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public Optional<String> readFile(Path path) {
        try {
            return Optional.of(Files.readString(path));
        } catch (IOException | SecurityException e) {
            LOG.debug("cannot read {}", path, e);
            return Optional.empty();
        }
    }

    /** The program's result; empty when it cannot be started, does not finish in time or is interrupted. */
    @Override
    public Optional<CommandResult> run(List<String> command) {
        try {
            return Optional.of(executor.run(command));
        } catch (VmmException e) {
            LOG.debug("cannot run {}", command, e);
            return Optional.empty();
        }
    }
}
