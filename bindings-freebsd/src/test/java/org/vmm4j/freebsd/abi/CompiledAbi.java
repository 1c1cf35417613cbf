package org.vmm4j.freebsd.abi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compiles {@code vmm_abi.c} with gcc once per JVM and runs it: the C compiler's view of the ABI. Tests
 * using it declare {@code @RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)}.
 */
public final class CompiledAbi {
    private static Path binary;

    private CompiledAbi() {}

    /** "NAME value" lines of {@code vmm_abi layout}. */
    public static Map<String, Long> layout() {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run("layout")) {
            String[] parts = line.split(" ");
            if (values.put(parts[0], Long.parseLong(parts[1])) != null) {
                throw new AssertionError("C program prints " + parts[0] + " twice");
            }
        }
        return values;
    }

    /** vm_exit records by case name, as the C compiler lays them out. */
    public static Map<String, byte[]> exits() {
        Map<String, byte[]> records = new LinkedHashMap<>();
        for (String line : run("exits")) {
            String[] parts = line.split(" ");
            String hex = parts[2];
            byte[] bytes = new byte[hex.length() / 2];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
            }
            records.put(parts[1], bytes);
        }
        return records;
    }

    private static synchronized Path binary() {
        if (binary != null) {
            return binary;
        }
        try {
            Path dir = Files.createTempDirectory("vmm4j-abi");
            Path source = dir.resolve("vmm_abi.c");
            try (InputStream in = CompiledAbi.class.getResourceAsStream("/org/vmm4j/freebsd/vmm_abi.c")) {
                Files.copy(in, source);
            }
            Path out = dir.resolve("vmm_abi");
            Process gcc = new ProcessBuilder(
                            "gcc", "-std=c11", "-Wall", "-Werror", "-o", out.toString(), source.toString())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                throw new AssertionError("gcc failed on vmm_abi.c:\n" + output);
            }
            binary = out;
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<String> run(String mode) {
        try {
            Process p = new ProcessBuilder(binary().toString(), mode)
                    .redirectErrorStream(true)
                    .start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("vmm_abi " + mode + " failed:\n" + output);
            }
            return new ArrayList<>(output.lines().toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
