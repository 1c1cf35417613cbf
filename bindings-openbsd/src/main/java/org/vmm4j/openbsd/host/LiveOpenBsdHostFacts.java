package org.vmm4j.openbsd.host;

import java.util.Optional;
import java.util.function.Function;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.HostFacts;
import org.vmm4j.host.LiveHostFacts;
import org.vmm4j.openbsd.internal.OpenBsdSysctl;

/**
 * {@link HostFacts} of the running OpenBSD host: sysctl(3) through the module's one reader
 * ({@code OpenBsdSysctl}), the file system, programs.
 */
public final class LiveOpenBsdHostFacts extends LiveHostFacts {
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
        super(executor);
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
}
