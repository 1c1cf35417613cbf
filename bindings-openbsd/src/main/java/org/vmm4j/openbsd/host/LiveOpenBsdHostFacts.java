package org.vmm4j.openbsd.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.VmmException;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.HostFacts;
import org.vmm4j.host.SafeNames;

/** {@link HostFacts} of the running OpenBSD host: sysctl(8), the file system, programs. */
public final class LiveOpenBsdHostFacts implements HostFacts {
    private static final Logger LOG = LoggerFactory.getLogger(LiveOpenBsdHostFacts.class);

    private final CommandExecutor executor;

    public LiveOpenBsdHostFacts(CommandExecutor executor) {
        this.executor = executor;
    }

    @Override
    public Optional<String> sysctl(String name) {
        SafeNames.require("sysctl name", name, 128);
        return run(List.of("/sbin/sysctl", "-n", name)).filter(CommandResult::succeeded).map(r -> r.stdout().strip());
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
