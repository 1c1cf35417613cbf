package org.vmm4j.linux.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Compiles a C program from the test resources with gcc, runs it, and parses its "NAME VALUE" lines. */
final class CompiledC {
    private CompiledC() {}

    static Map<String, Long> run(String resource, Path workDir, String... gccArgs)
            throws IOException, InterruptedException {
        Path source = workDir.resolve(Path.of(resource).getFileName().toString());
        try (InputStream in = CompiledC.class.getResourceAsStream("/c/" + resource)) {
            if (in == null) {
                throw new IOException("missing test resource /c/" + resource);
            }
            Files.copy(in, source);
        }
        Path binary = workDir.resolve("a.out");
        List<String> gcc = new java.util.ArrayList<>(List.of("gcc", "-O0", "-o", binary.toString(), source.toString()));
        gcc.addAll(List.of(gccArgs));
        String compileOutput = exec(gcc);
        String output = exec(List.of(binary.toString()));
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.trim().split(" ");
            values.put(parts[0], Long.parseUnsignedLong(parts[1]));
        }
        if (values.isEmpty()) {
            throw new IOException("the C program printed nothing; gcc said: " + compileOutput);
        }
        return values;
    }

    private static String exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command.get(0) + " timed out");
        }
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + out);
        return out;
    }
}
