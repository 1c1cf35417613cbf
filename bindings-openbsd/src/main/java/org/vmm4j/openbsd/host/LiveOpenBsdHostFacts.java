package org.vmm4j.openbsd.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.vmm4j.VmmException;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.HostFacts;
import org.vmm4j.openbsd.internal.OpenBsdSysctl;

/**
 * {@link HostFacts} of the running OpenBSD host: sysctl(3) through the module's one reader
 * ({@code OpenBsdSysctl}), the file system, programs.
 */
public final class LiveOpenBsdHostFacts implements HostFacts {
    private final CommandExecutor executor;
    private final Function<String, Optional<String>> sysctl;

    /** The running host, running programs through {@code executor}. */
    public LiveOpenBsdHostFacts(CommandExecutor executor) {
        this(executor, OpenBsdSysctl.system()::read);
    }

    /**
     * Over a given sysctl reader, a name to its value or empty (the provider's {@code OpenBsdSysctl};
     * recorded values in tests).
     */
    public LiveOpenBsdHostFacts(CommandExecutor executor, Function<String, Optional<String>> sysctl) {
        this.executor = executor;
        this.sysctl = sysctl;
    }

    /**
     * The variable as {@code sysctl -n} prints it, or empty when the kernel refuses it.
     *
     * @throws IllegalArgumentException for a name the module has no MIB for
     */
    @Override
    public Optional<String> sysctl(String name) {
        return sysctl.apply(name);
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
            return Optional.empty();
        }
    }

    @Override
    public Optional<CommandResult> run(List<String> command) {
        try {
            return Optional.of(executor.run(command));
        } catch (VmmException e) {
            return Optional.empty();
        }
    }
}
