package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The C compiler's view of constants and layouts: a C program is compiled with gcc and run, and what it prints is
 * the expected value. Tests checking hand-written bindings against real headers use it so that the expected
 * values never come from the code under test. Tests using it declare {@code @RequiresHost(tools = "gcc", files =
 * RequiresHost.LIBC_HEADERS)} (and the headers they include).
 */
public final class CompilerValues {
    private static final long TIMEOUT_SECONDS = 120;

    private CompilerValues() {}

    /**
     * Compiles {@code source} (saved as {@code name.c} in {@code dir}) with {@code gcc} and {@code gccArgs}, runs the
     * program and returns what it printed; a failing compiler or program fails the test with its output.
     */
    public static String compileAndRun(Path dir, String name, String source, String... gccArgs)
            throws IOException, InterruptedException {
        Path src = dir.resolve(name + ".c");
        Path exe = dir.resolve(name);
        Files.writeString(src, source, StandardCharsets.UTF_8);
        List<String> gcc = new ArrayList<>(List.of("gcc", "-O0", "-o", exe.toString(), src.toString()));
        gcc.addAll(List.of(gccArgs));
        run(gcc);
        return run(List.of(exe.toString()));
    }

    /**
     * The value of every C expression, evaluated as {@code unsigned long} by a program that begins with
     * {@code preamble} (its {@code #define}s and {@code #include}s), in the order given.
     */
    public static Map<String, Long> of(Path dir, String preamble, List<String> expressions)
            throws IOException, InterruptedException {
        StringBuilder c =
                new StringBuilder(preamble).append("\n#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n");
        for (String expression : expressions) {
            c.append("  printf(\"%lu\\n\", (unsigned long) (")
                    .append(expression)
                    .append("));\n");
        }
        c.append("  return 0;\n}\n");
        String[] lines = compileAndRun(dir, "values", c.toString()).strip().split("\n");
        assertEquals(expressions.size(), lines.length, "one line per expression");
        Map<String, Long> values = new LinkedHashMap<>();
        for (int i = 0; i < lines.length; i++) {
            values.put(expressions.get(i), Long.parseUnsignedLong(lines[i].strip()));
        }
        return values;
    }

    /** Asserts that each of {@code ours} (C expression → our value) is what gcc computes after {@code preamble}. */
    public static void assertSameAsCompiler(Path dir, String preamble, Map<String, Long> ours)
            throws IOException, InterruptedException {
        Map<String, Long> compiler = of(dir, preamble, List.copyOf(ours.keySet()));
        for (Map.Entry<String, Long> e : ours.entrySet()) {
            assertEquals(compiler.get(e.getKey()), e.getValue(), e.getKey());
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + out);
        return out;
    }
}
