package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The same class path on JDK 17: vmm4j runs through JNA, and says what is missing when JNA is not there. */
class OldJdkTest {
    private static final Path JDK17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    private static String[] hello(String classPath) throws Exception {
        Process p = new ProcessBuilder(JDK17.toString(), "-cp", classPath, Cli.class.getName(), "hello")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), output};
    }

    @Test
    void helloRunsOnJdk17ThroughJna() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(JDK17), "needs a JDK 17 at " + JDK17);
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/kvm")) || "1".equals(System.getenv("VMM4J_REQUIRE_KVM")),
                "needs /dev/kvm");
        String[] r = hello(System.getProperty("java.class.path"));
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("guest printed: 5\\n"), r[1]);
    }

    @Test
    void withoutJnaJdk17NamesWhatIsMissing() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(JDK17), "needs a JDK 17 at " + JDK17);
        String withoutJna = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !Path.of(e).getFileName().toString().startsWith("jna-"))
                .collect(Collectors.joining(File.pathSeparator));
        String[] r = hello(withoutJna);
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].contains("JDK 22 or newer") && r[1].contains("this JVM is JDK 17")
                && r[1].contains("net.java.dev.jna:jna"), r[1]);
    }
}
