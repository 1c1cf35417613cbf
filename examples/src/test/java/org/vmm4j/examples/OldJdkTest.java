package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.vmm4j.testsupport.RequiresHost;

/** The same class path on JDK 17: vmm4j runs through JNA, and says what is missing when JNA is not there. */
class OldJdkTest {
    private static final Path JDK17 = Path.of(RequiresHost.JDK_17);

    private static String[] hello(String classPath) throws Exception {
        Process p = new ProcessBuilder(JDK17.toString(), "-cp", classPath, Cli.class.getName(), "hello")
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), output};
    }

    @Test
    @RequiresHost(files = RequiresHost.JDK_17, kvm = true)
    void helloRunsOnJdk17ThroughJna() throws Exception {
        String[] r = hello(System.getProperty("java.class.path"));
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("guest printed: 5\\n"), r[1]);
    }

    @Test
    @RequiresHost(files = RequiresHost.JDK_17)
    void withoutJnaJdk17NamesWhatIsMissing() throws Exception {
        String withoutJna = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !Path.of(e).getFileName().toString().startsWith("jna-"))
                .collect(Collectors.joining(File.pathSeparator));
        String[] r = hello(withoutJna);
        assertEquals("1", r[0], r[1]);
        assertTrue(
                r[1].contains("JDK 22 or newer")
                        && r[1].contains("this JVM is JDK 17")
                        && r[1].contains("net.java.dev.jna:jna"),
                r[1]);
    }
}
