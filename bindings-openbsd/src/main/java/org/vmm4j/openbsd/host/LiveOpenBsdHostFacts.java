package org.vmm4j.openbsd.host;

import java.util.List;
import java.util.Optional;

import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.HostFacts;
import org.vmm4j.host.LiveHostFacts;
import org.vmm4j.host.SafeNames;

/** {@link HostFacts} of the running OpenBSD host: sysctl(8), the file system, programs. */
public final class LiveOpenBsdHostFacts extends LiveHostFacts {

    public LiveOpenBsdHostFacts(CommandExecutor executor) {
        super(executor);
    }

    @Override
    public Optional<String> sysctl(String name) {
        SafeNames.require("sysctl name", name, 128);
        return run(List.of("/sbin/sysctl", "-n", name)).filter(CommandResult::succeeded).map(r -> r.stdout().strip());
    }
}
