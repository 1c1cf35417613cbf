package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** On JDK 17 (no FFM, no JNA fallback yet) the same class path fails at Hypervisor.open(), saying why. */
class OldJdkTest {
    private static final Path JDK17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    @Test
    void helloOnJdk17SaysJdk22IsRequired() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(JDK17), "needs a JDK 17 at " + JDK17);
        Process p = new ProcessBuilder(JDK17.toString(), "-cp", System.getProperty("java.class.path"),
                Cli.class.getName(), "hello").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("vmm4j needs JDK 22 or newer") && output.contains("this JVM is JDK 17"), output);
    }
}
