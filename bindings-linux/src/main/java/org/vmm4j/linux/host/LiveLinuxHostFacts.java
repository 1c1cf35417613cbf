package org.vmm4j.linux.host;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.Fact;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.LiveHostFacts;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeLibrary;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;
import org.vmm4j.linux.KvmSystem;

/**
 * {@link LinuxHostFacts} of the running host: the file system through java.nio, sysctls from
 * {@code /proc/sys}, programs from argument lists with a time limit, {@code /dev/kvm} opened for real
 * (not exclusive: any number of processes may), and {@code libvirt.so.0} loaded without binding more
 * than {@code virGetVersion}.
 */
public final class LiveLinuxHostFacts extends LiveHostFacts implements LinuxHostFacts {
    private static final Logger LOG = LoggerFactory.getLogger(LiveLinuxHostFacts.class);

    private static final Duration PROGRAM_TIMEOUT = Duration.ofSeconds(10);

    /** Facts of this host; programs are killed after ten seconds. */
    public LiveLinuxHostFacts() {
        this(CommandExecutor.system(PROGRAM_TIMEOUT));
    }

    /** Facts of this host, running programs through {@code executor}. */
    public LiveLinuxHostFacts(CommandExecutor executor) {
        super(executor);
    }

    @Override
    public Fact readWriteAccess(Path path) {
        try {
            return Fact.of(Files.isReadable(path) && Files.isWritable(path));
        } catch (SecurityException e) {
            return Fact.UNKNOWN;
        }
    }

    @Override
    public boolean isExecutable(Path path) {
        return Files.isExecutable(path);
    }

    @Override
    public Fact acceptsConnections(Path socket) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return Fact.of(channel.connect(UnixDomainSocketAddress.of(socket)));
        } catch (ConnectException e) {
            return Fact.NO;
        } catch (IOException | SecurityException e) {
            LOG.debug("cannot tell whether {} accepts connections", socket, e);
            return Fact.UNKNOWN;
        }
    }

    @Override
    public OptionalInt kvmApiVersion() {
        if (!NativeAccess.describe().matches("ffm|jna")) {
            return OptionalInt.empty();
        }
        try (KvmSystem system = KvmSystem.open()) {
            return OptionalInt.of(system.apiVersion());
        }
    }

    @Override
    public Optional<String> libvirtVersion() {
        NativeAccess access = NativeAccess.get();
        NativeLibrary library = access.load("libvirt.so.0");
        NativeFunction getVersion =
                library.function("virGetVersion", Signature.of(CType.INT, CType.POINTER, CType.POINTER, CType.POINTER));
        try (NativeMemory version = access.allocate(8)) {
            if (getVersion.call(version.address(), 0, 0) != 0) {
                return Optional.empty();
            }
            long v = version.getLong(0);
            return Optional.of((v / 1_000_000) + "." + (v / 1000 % 1000) + "." + (v % 1000));
        }
    }
}
