package org.vmm4j.freebsd.host;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.LONG;
import static org.vmm4j.internal.nat.CType.POINTER;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.vmm4j.host.CommandResult;
import org.vmm4j.host.HostFacts;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;

/**
 * {@link HostFacts} of the running FreeBSD host: sysctls through {@code sysctlbyname(3)} (bound on first
 * use, so this class loads anywhere), files through java.nio, programs from argument lists with a
 * timeout.
 */
public final class FreeBsdHostFacts implements HostFacts {
    private static final java.util.regex.Pattern SYSCTL_NAME = java.util.regex.Pattern.compile("[a-z0-9_.%-]+");
    private volatile NativeFunction sysctlbyname;

    @Override
    public Optional<String> sysctl(String name) {
        if (!SYSCTL_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a sysctl name: " + name);
        }
        NativeFunction f = sysctlbyname;
        if (f == null) {
            sysctlbyname = f = NativeAccess.get().libc().function("sysctlbyname",
                    Signature.of(INT, POINTER, POINTER, POINTER, POINTER, LONG).withErrno());
        }
        Libc libc = Libc.get();
        try (NativeMemory cName = libc.cString(name); NativeMemory len = NativeAccess.get().allocate(8)) {
            if (f.call(cName.address(), 0, len.address(), 0, 0) < 0) {
                return Optional.empty();
            }
            long size = len.getLong(0);
            if (size <= 0 || size > 1 << 20) {
                return Optional.of("");
            }
            try (NativeMemory value = NativeAccess.get().allocate(size)) {
                if (f.call(cName.address(), value.address(), len.address(), 0, 0) < 0) {
                    return Optional.empty();
                }
                return Optional.of(decode(value, (int) len.getLong(0)));
            }
        }
    }

    /** Integers are 4 or 8 bytes without a trailing NUL; strings end in NUL. */
    static String decode(NativeMemory value, int size) {
        if (size > 0 && value.getByte(size - 1) == 0) {
            return value.getString(0);
        }
        if (size == 4) {
            return Integer.toString(value.getInt(0));
        }
        if (size == 8) {
            return Long.toString(value.getLong(0));
        }
        return new String(value.toArray(0, size), StandardCharsets.UTF_8);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public Optional<String> readFile(Path path) {
        try {
            return Optional.of(Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<CommandResult> run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of(new CommandResult(command, -1, "", "timed out"));
            }
            return Optional.of(new CommandResult(command, p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
