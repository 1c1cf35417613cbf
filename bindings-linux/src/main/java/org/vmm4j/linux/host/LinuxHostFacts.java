package org.vmm4j.linux.host;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.vmm4j.Fact;
import org.vmm4j.VmmException;
import org.vmm4j.host.HostFacts;

/**
 * What {@link LinuxProbe} reads from a Linux host: files under /proc, /sys and /dev, sysctls (as
 * {@code /proc/sys}), programs' output, and the few answers that need a call (access to a device, a
 * socket that accepts, the KVM API version, libvirt's client library). {@link LiveLinuxHostFacts}
 * asks the running host; tests replay facts recorded from real hosts.
 */
public interface LinuxHostFacts extends HostFacts {

    /**
     * Whether this process may open {@code path} for reading and writing ({@code /dev/kvm}), or
     * {@link Fact#UNKNOWN} when that cannot be told.
     */
    Fact readWriteAccess(Path path);

    /** Whether {@code path} is a file this process may execute. */
    boolean isExecutable(Path path);

    /**
     * Whether the Unix socket at {@code socket} accepts a connection: {@link Fact#NO} when it refuses
     * (nobody listens), {@link Fact#UNKNOWN} when this process may not try.
     */
    Fact acceptsConnections(Path socket);

    /**
     * {@code KVM_GET_API_VERSION} on a newly opened {@code /dev/kvm}; empty when this JVM cannot make
     * the call (no native access).
     *
     * @throws VmmException when {@code /dev/kvm} cannot be opened or does not answer
     */
    OptionalInt kvmApiVersion();

    /**
     * The version of libvirt's client library, {@code libvirt.so.0} ({@code "10.0.0"}); empty when it
     * loads but does not tell its version.
     *
     * @throws VmmException when the library cannot be loaded
     */
    Optional<String> libvirtVersion();
}
