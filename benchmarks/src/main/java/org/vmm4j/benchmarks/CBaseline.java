package org.vmm4j.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeLibrary;
import org.vmm4j.internal.nat.Signature;

/**
 * The C baselines: {@code kvm_baseline.c} compiled with gcc when a benchmark starts, loaded through
 * vmm4j's seam. Both sides are then measured by JMH in the same run.
 */
final class CBaseline {
    private static NativeLibrary library;

    private CBaseline() {
    }

    static synchronized NativeLibrary library() {
        if (library == null) {
            library = NativeAccess.get().load(compile("kvm_baseline.c").toString());
        }
        return library;
    }

    static NativeFunction function(String name, CType result, CType... params) {
        return library().function(name, Signature.of(result, params));
    }

    private static Path compile(String source) {
        try {
            Path dir = Files.createTempDirectory("vmm4j-bench-c");
            Path c = dir.resolve(source);
            try (InputStream in = CBaseline.class.getResourceAsStream("/c/" + source)) {
                Files.copy(in, c);
            }
            Path so = dir.resolve(source.replace(".c", ".so"));
            Process gcc = new ProcessBuilder(List.of("gcc", "-O2", "-shared", "-fPIC", "-o", so.toString(), c.toString()))
                    .redirectErrorStream(true).start();
            String out = new String(gcc.getInputStream().readAllBytes());
            if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                throw new IllegalStateException("gcc failed for " + source + ":\n" + out);
            }
            so.toFile().deleteOnExit();
            c.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return so;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
