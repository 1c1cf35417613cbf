package org.vmm4j.linux.host;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.vmm4j.Fact;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.VmmException;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.RecordedHostFacts;

/**
 * {@link LinuxHostFacts} from a recording of a real host. What was not recorded is what such a host
 * does not have (a path, a file), except answers the recording may lack: access to a path and
 * whether a socket accepts are then unknown, and the KVM API version is not asked (no native access).
 */
final class RecordedLinuxHostFacts implements LinuxHostFacts {
    private final RecordedHostFacts base = new RecordedHostFacts();
    private final Map<Path, Fact> access = new HashMap<>();
    private final Set<Path> executables = new HashSet<>();
    private final Map<Path, Fact> sockets = new HashMap<>();
    private Integer kvmApiVersion;
    private String kvmOpenError;
    private String libvirtVersion;
    private String libvirtError = "none of libvirt.so.0 could be loaded: libvirt.so.0: cannot open shared object "
            + "file: No such file or directory";

    RecordedLinuxHostFacts sysctl(String name, String value) {
        base.sysctl(name, value);
        return this;
    }

    RecordedLinuxHostFacts file(String path, String content) {
        base.file(path, content);
        return this;
    }

    RecordedLinuxHostFacts path(String path) {
        base.path(path);
        return this;
    }

    RecordedLinuxHostFacts command(List<String> command, int exitCode, String stdout) {
        base.command(command, exitCode, stdout);
        return this;
    }

    /** A device node and whether this user may open it read-write. */
    RecordedLinuxHostFacts device(String path, Fact readWrite) {
        base.path(path);
        access.put(Path.of(path), readWrite);
        return this;
    }

    RecordedLinuxHostFacts executable(String path) {
        base.path(path);
        executables.add(Path.of(path));
        return this;
    }

    /** A Unix socket and what a connection attempt gave. */
    RecordedLinuxHostFacts socket(String path, Fact accepts) {
        base.path(path);
        sockets.put(Path.of(path), accepts);
        return this;
    }

    RecordedLinuxHostFacts kvmApiVersion(int version) {
        kvmApiVersion = version;
        return this;
    }

    /** {@code /dev/kvm} could not be opened, with this message. */
    RecordedLinuxHostFacts kvmOpenError(String message) {
        kvmOpenError = message;
        return this;
    }

    RecordedLinuxHostFacts libvirt(String version) {
        libvirtVersion = version;
        libvirtError = null;
        return this;
    }

    @Override
    public Optional<String> sysctl(String name) {
        return base.sysctl(name);
    }

    @Override
    public boolean exists(Path path) {
        return base.exists(path);
    }

    @Override
    public Optional<String> readFile(Path path) {
        return base.readFile(path);
    }

    @Override
    public Optional<CommandResult> run(List<String> command) {
        return base.run(command);
    }

    @Override
    public Fact readWriteAccess(Path path) {
        return access.getOrDefault(path, Fact.UNKNOWN);
    }

    @Override
    public boolean isExecutable(Path path) {
        return executables.contains(path);
    }

    @Override
    public Fact acceptsConnections(Path socket) {
        return sockets.getOrDefault(socket, Fact.UNKNOWN);
    }

    @Override
    public OptionalInt kvmApiVersion() {
        if (kvmOpenError != null) {
            throw new HypervisorUnavailableException("open(/dev/kvm)", 13, kvmOpenError);
        }
        return kvmApiVersion == null ? OptionalInt.empty() : OptionalInt.of(kvmApiVersion);
    }

    @Override
    public Optional<String> libvirtVersion() {
        if (libvirtError != null) {
            throw new VmmException(libvirtError);
        }
        return Optional.ofNullable(libvirtVersion);
    }
}
