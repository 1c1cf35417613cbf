package org.vmm4j.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeLibrary;
import org.vmm4j.internal.nat.Signature;

/**
 * The C baselines: {@code kvm_baseline.c} and {@code libvirt_baseline.c} compiled with gcc when a
 * benchmark starts, loaded through vmm4j's seam. Both sides are then measured by JMH in the same run.
 */
final class CBaseline {
    private static final Map<String, NativeLibrary> LIBRARIES = new HashMap<>();

    private CBaseline() {}

    /** {@code source} (under {@code /c/}) compiled once per process, linked with {@code linkFlags}. */
    static synchronized NativeLibrary library(String source, String... linkFlags) {
        NativeLibrary library = LIBRARIES.get(source);
        if (library == null) {
            library = NativeAccess.get().load(compile(source, linkFlags).toString());
            LIBRARIES.put(source, library);
        }
        return library;
    }

    /** A function of {@code kvm_baseline.c}. */
    static NativeFunction function(String name, CType result, CType... params) {
        return library("kvm_baseline.c").function(name, Signature.of(result, params));
    }

    /** A function of {@code libvirt_baseline.c}, linked with libvirt ({@code -lvirt}). */
    static NativeFunction libvirtFunction(String name, CType result, CType... params) {
        return library("libvirt_baseline.c", "-lvirt").function(name, Signature.of(result, params));
    }

    private static Path compile(String source, String... linkFlags) {
        try {
            Path dir = Files.createTempDirectory("vmm4j-bench-c");
            Path c = dir.resolve(source);
            try (InputStream in = CBaseline.class.getResourceAsStream("/c/" + source)) {
                Files.copy(in, c);
            }
            Path so = dir.resolve(source.replace(".c", ".so"));
            List<String> command =
                    new ArrayList<>(List.of("gcc", "-O2", "-shared", "-fPIC", "-o", so.toString(), c.toString()));
            command.addAll(List.of(linkFlags)); // libraries after the source, or the linker drops them
            Process gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
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
