package org.vmm4j.linux.abi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.vmm4j.testsupport.CompilerValues;

/** Compiles a C program from the test resources with gcc, runs it, and parses its "NAME VALUE" lines. */
final class CompiledC {
    private CompiledC() {}

    static Map<String, Long> run(String resource, Path workDir, String... gccArgs)
            throws IOException, InterruptedException {
        String source;
        try (InputStream in = CompiledC.class.getResourceAsStream("/c/" + resource)) {
            if (in == null) {
                throw new IOException("missing test resource /c/" + resource);
            }
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String name = Path.of(resource).getFileName().toString().replaceFirst("\\.c$", "");
        String output = CompilerValues.compileAndRun(workDir, name, source, gccArgs);
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.trim().split(" ");
            values.put(parts[0], Long.parseUnsignedLong(parts[1]));
        }
        if (values.isEmpty()) {
            throw new IOException("the C program " + resource + " printed nothing");
        }
        return values;
    }
}
