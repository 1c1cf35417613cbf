package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.examples.CommandSpec.Option;

/** {@code --help} of every command, {@code --version}, and the usage and file errors of issue #16 item 7. */
class CliHelpTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return Cli.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyCommandsHelpListsEachOptionItsParserAccepts() {
        Map<String, Cli.Command> commands = Cli.commands();
        assertEquals(10, commands.size(), commands.keySet().toString());
        for (Map.Entry<String, Cli.Command> c : commands.entrySet()) {
            CommandSpec spec = c.getValue().spec();
            assertEquals(c.getKey(), spec.name());
            for (String help : List.of("--help", "-h")) {
                assertEquals(0, run(c.getKey(), help), c.getKey() + " " + help + ": " + err());
                String text = out();
                assertEquals("", err(), c.getKey());
                assertTrue(text.startsWith("usage: vmm4j " + c.getKey()), text);
                assertTrue(text.contains("\nexample:" + System.lineSeparator() + "  vmm4j " + c.getKey()), text);
                for (Option o : spec.options()) {
                    assertFalse(o.help().isBlank(), c.getKey() + " " + o.name() + " has no help");
                    String row = o.name() + (o.takesValue() ? " " + o.value() : "");
                    assertTrue(text.contains("  " + row + " "), c.getKey() + " help lacks " + row + ":\n" + text);
                    assertTrue(text.contains(o.help()), c.getKey() + " help lacks " + o.help() + ":\n" + text);
                }
            }
        }
    }

    @Test
    void helpIsFoundAfterOtherOptionsButNotAsAnOptionsValue() {
        assertEquals(0, run("boot", "--kernel", "/nonexistent", "--help"));
        assertTrue(out().startsWith("usage: vmm4j boot --kernel FILE"), out());
        assertTrue(out().contains("  --mem SIZE "), out());
        assertEquals(2, run("boot", "--append", "--help", "--kernel", "/nonexistent"));
        assertTrue(err().contains("cannot read kernel /nonexistent"), err());
    }

    @Test
    void aCommandCannotReadAnOptionItsSpecDoesNotDefine() {
        Arguments a = new Arguments(new String[] {"--json"}, InfoCommand.SPEC);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.flag("--yaml"));
        assertTrue(e.getMessage().contains("--yaml"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> a.option("--json"));
        assertTrue(a.flag("--json"));
    }

    @Test
    void readmeCopiesTheCommandList() throws Exception {
        assertEquals(0, run("help"));
        String readme = Files.readString(Path.of("README.md"));
        for (String line : out().lines().toList()) {
            assertTrue(readme.contains(line + "\n"), "examples/README.md lacks the help line: " + line);
        }
    }

    @Test
    void versionPrintsTheManifestVersionOrUnknown() {
        assertEquals(0, run("--version"));
        String expected = Cli.class.getPackage().getImplementationVersion();
        assertEquals("vmm4j " + (expected == null ? "unknown" : expected) + System.lineSeparator(), out());
        assertEquals("", err());
    }

    @Test
    void tinyKernelHelpWritesNoFile(@TempDir Path dir) throws Exception {
        Path file = Path.of("--help");
        assertFalse(
                Files.exists(file), "a file named --help is in " + Path.of("").toAbsolutePath());
        assertEquals(0, run("tiny-kernel", "--help"));
        assertTrue(out().startsWith("usage: vmm4j tiny-kernel [--hold] OUT"), out());
        assertTrue(out().contains("  --hold "), out());
        assertFalse(Files.exists(file));

        Path written = dir.resolve("tiny.bzImage");
        assertEquals(0, run("tiny-kernel", "--hold", written.toString()));
        assertTrue(Files.size(written) > 512, err());
    }

    @Test
    void aPositionalStartingWithADashIsAnUnknownOptionNeverAFileName() {
        Path file = Path.of("-x");
        assertEquals(2, run("tiny-kernel", "-x"));
        assertTrue(err().contains("unknown option -x (usage: vmm4j tiny-kernel [--hold] OUT)"), err());
        assertFalse(Files.exists(file));
        assertEquals(2, run("vmlinux", "-x", "out"));
        assertTrue(err().contains("unknown option -x"), err());
        assertEquals(2, run("tiny-kernel"));
        assertTrue(err().contains("missing OUT"), err());
    }

    @Test
    void bootRejectsATimeoutThatIsNotPositive() {
        for (String timeout : List.of("0", "-1", "soon")) {
            assertEquals(2, run("boot", "--kernel", "/nonexistent", "--timeout", timeout));
            assertTrue(err().contains("--timeout wants a whole number of at least 1, not '" + timeout + "'"), err());
        }
    }

    @Test
    void sizesAcceptTebibytesAndRefuseOverflow() {
        assertEquals(1L << 40, BootCommand.size("1T"));
        assertEquals(3L << 40, BootCommand.size("3t"));
        assertEquals(BootCommand.size("1024G"), BootCommand.size("1T"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BootCommand.size("8388608T"));
        assertTrue(e.getMessage().contains("not a size: '8388608T'"), e.getMessage());
        assertEquals(1L << 40, CliOptions.size("1T", "--disk"));
    }

    @Test
    void aMissingFileIsReportedWithoutAJavaClassName(@TempDir Path dir) {
        Path target = dir.resolve("no-such-dir").resolve("tiny.bzImage");
        assertEquals(1, run("tiny-kernel", target.toString()));
        assertEquals("vmm4j tiny-kernel: no such file: " + target + System.lineSeparator(), err());

        Path bzImage = dir.resolve("missing.bzImage");
        assertEquals(1, run("vmlinux", bzImage.toString(), dir.resolve("out").toString()));
        assertEquals("vmm4j vmlinux: no such file: " + bzImage + System.lineSeparator(), err());
        assertFalse(err().contains("Exception"), err());
    }

    @Test
    void fileErrorsReadAsWhatWentWrong() {
        assertEquals("permission denied: /etc/x", Cli.describe(new AccessDeniedException("/etc/x")));
        assertEquals("file exists: /tmp/y", Cli.describe(new FileAlreadyExistsException("/tmp/y")));
    }

    @Test
    void snapshotOptionsGoTogetherAndRestoreNamesAMissingSnapshot(@TempDir Path tmp) {
        assertEquals(2, run("boot", "--kernel", "/nonexistent", "--snapshot-on", "login:"));
        assertTrue(err().contains("--snapshot-on and --snapshot-dir go together"), err());
        assertEquals(2, run("restore"));
        assertTrue(err().contains("the snapshot directory"), err());
        Path missing = tmp.resolve("none");
        assertEquals(1, run("restore", missing.toString()));
        assertTrue(err().contains("vmm4j restore: no snapshot in " + missing), err());
    }
}
