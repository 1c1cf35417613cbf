package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.vmm4j.testsupport.RequiresHost;

class CliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Cli.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void infoJsonReportsKvmAsTheHostHasIt() {
        assertEquals(0, run("info", "--json"));
        String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"os\":\"Linux\""), json);
        boolean hasKvm = Files.exists(Path.of("/dev/kvm"));
        assertTrue(json.contains("{\"kind\":\"kvm\",\"available\":\"" + (hasKvm ? "yes" : "no") + "\""), json);
        assertTrue(json.contains("\"kind\":\"libvirt\""), json);
        boolean jna = Runtime.version().feature() < 22 || "jna".equals(System.getProperty("vmm4j.native"));
        assertTrue(json.contains("\"nativeAccess\":\"" + (jna ? "jna" : "ffm") + "\""), json);
    }

    @Test
    void infoTableListsEachKind() {
        assertEquals(0, run("info"));
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("\nkvm "), table);
        assertTrue(table.contains("\nqemu "), table);
    }

    @Test
    @RequiresHost(kvm = true)
    void helloPrintsTheGuestsSumAndExitSequence() {
        assertEquals(0, run("hello"), err.toString(StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("guest printed: 5\\n"), text);
        assertTrue(text.contains("MMIO_READ[0x8000, 1 bytes]"), text);
        assertTrue(text.contains("AL after the MMIO read: 43"), text);
        assertTrue(text.trim().contains("HLT[KVM_EXIT_HLT]"), text);
    }

    @Test
    void bootRejectsAnUnknownIrqchipBeforeReadingTheKernel() {
        assertEquals(2, run("boot", "--irqchip", "userspace", "--kernel", "/nonexistent"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--irqchip must be kernel or split, not userspace"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void bootRejectsAnUnknownCompressionAndCompressionWithoutBusybox() {
        assertEquals(2, run("boot", "--busybox", "--compression", "zstd", "--kernel", "/nonexistent"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--compression must be none or gzip, not zstd"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(2, run("boot", "--compression", "gzip", "--kernel", "/nonexistent"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--compression goes with --busybox"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void unknownCommandAndOptionFailWithUsage() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command 'frobnicate'"));
        assertEquals(2, run("info", "--yaml"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option --yaml"));
    }
}
