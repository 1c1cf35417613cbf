package org.vmm4j.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host programs (compressors, cpio) as independent oracles for the tests; {@code @RequiresHost} says which. */
final class HostTools {

    private HostTools() {}

    /** Runs {@code command} with {@code input} on stdin and returns stdout; fails on a non-zero exit. */
    static byte[] run(byte[] input, String... command) {
        try {
            Path in = Files.createTempFile("vmm4j-in", ".bin");
            Path out = Files.createTempFile("vmm4j-out", ".bin");
            Path err = Files.createTempFile("vmm4j-err", ".txt");
            try {
                Files.write(in, input);
                Process p = new ProcessBuilder(new ArrayList<>(List.of(command)))
                        .redirectInput(in.toFile())
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " timed out");
                }
                if (p.exitValue() != 0) {
                    throw new AssertionError(
                            String.join(" ", command) + " exited " + p.exitValue() + ": " + Files.readString(err));
                }
                return Files.readAllBytes(out);
            } finally {
                Files.deleteIfExists(in);
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
