package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

class InitramfsTest {

    @TempDir
    Path dir;

    static byte[] gunzip(byte[] gz) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    static List<String> cpioList(byte[] cpio, boolean verbose) {
        String out =
                new String(HostTools.run(cpio, "cpio", verbose ? "-itv" : "-it", "--quiet"), StandardCharsets.UTF_8);
        return Arrays.asList(out.split("\n"));
    }

    static String line(List<String> listing, String name) {
        return listing.stream()
                .filter(l -> l.endsWith(" " + name) || l.contains(" " + name + " -> "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + listing));
    }

    @Test
    @RequiresHost(tools = "cpio")
    void cpioListsInMemoryEntriesWithParents() throws Exception {
        byte[] cpio = Initramfs.builder()
                .file("etc/motd", "hello\n", 0644)
                .symlink("bin/sh", "busybox")
                .characterDevice("dev/console", 5, 1, 0600)
                .blockDevice("dev/vda", 254, 0, 0660)
                .file("/init", "#!/bin/sh\n", 0755)
                .build();
        assertEquals(
                List.of("etc", "etc/motd", "bin", "bin/sh", "dev", "dev/console", "dev/vda", "init"),
                cpioList(cpio, false));
        List<String> v = cpioList(cpio, true);
        assertTrue(line(v, "dev/console").startsWith("crw-------"), line(v, "dev/console"));
        assertTrue(line(v, "dev/console").matches(".*\\b5,\\s+1\\b.*"), line(v, "dev/console"));
        assertTrue(line(v, "dev/vda").startsWith("brw-rw----"), line(v, "dev/vda"));
        assertTrue(
                line(v, "bin/sh").startsWith("lrwxrwxrwx") && line(v, "bin/sh").endsWith("-> busybox"));
        assertTrue(line(v, "init").startsWith("-rwxr-xr-x"));
        assertTrue(line(v, "etc").startsWith("drwxr-xr-x"));
    }

    @Test
    @RequiresHost(tools = "cpio")
    void cpioExtractsFileContents() throws Exception {
        byte[] content = new byte[70_001];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 13);
        }
        byte[] cpio = Initramfs.builder().file("data/blob", content, 0600).buildUncompressed();
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Path archive = dir.resolve("a.cpio");
        Files.write(archive, cpio);
        Process p = new ProcessBuilder("cpio", "-id", "--quiet", "-F", archive.toString())
                .directory(out.toFile())
                .inheritIO()
                .start();
        assertEquals(0, p.waitFor());
        assertArrayEquals(content, Files.readAllBytes(out.resolve("data/blob")));
        assertEquals(
                "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("data/blob"))));
    }

    @Test
    @RequiresHost(tools = "cpio")
    void archivesADirectoryTree() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/tool"), "echo hi\n");
        Files.setPosixFilePermissions(root.resolve("bin/tool"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createSymbolicLink(root.resolve("bin/alias"), Path.of("tool"));
        Files.writeString(root.resolve("init"), "#!/bin/sh\n");
        List<String> v = cpioList(Initramfs.fromDirectory(root), true);
        assertEquals(4, v.size(), v.toString());
        assertTrue(line(v, "bin/tool").startsWith("-rwxr-x---"), line(v, "bin/tool"));
        assertTrue(line(v, "bin/alias").endsWith("-> tool"), line(v, "bin/alias"));
        assertTrue(line(v, "bin").startsWith("d"));
    }

    private static Initramfs sample() {
        byte[] blob = new byte[5_003]; // an odd size: the data needs padding to 4 bytes
        for (int i = 0; i < blob.length; i++) {
            blob[i] = (byte) (i * 7 + 1);
        }
        return Initramfs.builder()
                .file("init", "#!/bin/sh\necho hi\n", 0755)
                .file("data/blob", blob, 0600)
                .symlink("bin/sh", "busybox")
                .characterDevice("dev/console", 5, 1, 0600);
    }

    @Test
    void buildsAnUncompressedNewcArchiveByDefault() {
        byte[] cpio = sample().build();
        assertEquals("070701", new String(cpio, 0, 6, StandardCharsets.US_ASCII));
        assertEquals(
                List.of("init", "data", "data/blob", "bin", "bin/sh", "dev", "dev/console"), NewcReader.names(cpio));
        NewcReader.Entry init = NewcReader.entry(cpio, "init");
        assertEquals(Initramfs.S_IFREG | 0755, init.mode());
        assertEquals("#!/bin/sh\necho hi\n", new String(init.data(), StandardCharsets.UTF_8));
        byte[] blob = NewcReader.entry(cpio, "data/blob").data();
        assertEquals(5_003, blob.length);
        assertEquals((byte) (4_000 * 7 + 1), blob[4_000]);
        NewcReader.Entry sh = NewcReader.entry(cpio, "bin/sh");
        assertEquals(Initramfs.S_IFLNK | 0777, sh.mode());
        assertEquals("busybox", new String(sh.data(), StandardCharsets.UTF_8));
        NewcReader.Entry console = NewcReader.entry(cpio, "dev/console");
        assertEquals(
                List.of(Initramfs.S_IFCHR | 0600, 5, 1),
                List.of(console.mode(), console.rdevMajor(), console.rdevMinor()));
        assertEquals(0, cpio.length % 4, "the kernel reads the archive in 4-byte units");
    }

    @Test
    void gzipCompressionGunzipsToTheUncompressedArchive() throws Exception {
        byte[] plain = sample().compression(Initramfs.Compression.NONE).build();
        byte[] gz = sample().compression(Initramfs.Compression.GZIP).build();
        assertEquals(0x1f, gz[0] & 0xff);
        assertEquals(0x8b, gz[1] & 0xff);
        assertArrayEquals(plain, gunzip(gz));
        assertArrayEquals(
                plain, sample().compression(Initramfs.Compression.GZIP).buildUncompressed());
    }

    @Test
    void fromDirectoryPacksAsAsked() throws Exception {
        Path root = dir.resolve("tree");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/hostname"), "guest\n");
        byte[] plain = Initramfs.fromDirectory(root);
        assertEquals(List.of("etc", "etc/hostname"), NewcReader.names(plain));
        assertEquals(
                "guest\n", new String(NewcReader.entry(plain, "etc/hostname").data(), StandardCharsets.UTF_8));
        assertArrayEquals(plain, gunzip(Initramfs.fromDirectory(root, Initramfs.Compression.GZIP)));
    }

    @Test
    @RequiresHost(files = RequiresHost.BUSYBOX_STATIC)
    void busyboxInitramfsIsUncompressedByDefaultAndGzipOnRequest() throws Exception {
        byte[] plain = BusyboxInitramfs.builder().build();
        byte[] gz = BusyboxInitramfs.builder()
                .compression(Initramfs.Compression.GZIP)
                .build();
        assertEquals("070701", new String(plain, 0, 6, StandardCharsets.US_ASCII));
        assertArrayEquals(
                Files.readAllBytes(BusyboxInitramfs.HOST_BUSYBOX),
                NewcReader.entry(plain, "bin/busybox").data());
        assertArrayEquals(plain, gunzip(gz));
        assertTrue(gz.length < plain.length * 3 / 4, "gzip: " + gz.length + " bytes, uncompressed: " + plain.length);
    }

    @Test
    void sameEntriesGiveSameBytes() {
        byte[] a = Initramfs.builder().file("x", "1", 0644).build();
        byte[] b = Initramfs.builder().file("x", "1", 0644).build();
        assertArrayEquals(a, b);
    }

    @Test
    void rejectsPathsEscapingTheRoot() {
        assertThrows(IllegalArgumentException.class, () -> Initramfs.builder().file("../etc/passwd", "x", 0644));
        assertThrows(IllegalArgumentException.class, () -> Initramfs.builder().file("/", "x", 0644));
    }

    @Test
    @RequiresHost(tools = "cpio", files = RequiresHost.BUSYBOX_STATIC)
    void busyboxInitramfsHoldsInitBusyboxAndConsole() throws Exception {
        byte[] cpio = BusyboxInitramfs.builder().marker("HELLO-FROM-INIT").build();
        List<String> v = cpioList(cpio, true);
        assertTrue(line(v, "init").startsWith("-rwxr-xr-x"));
        assertTrue(line(v, "bin/busybox").startsWith("-rwxr-xr-x"));
        assertTrue(line(v, "bin/sh").endsWith("-> busybox"));
        assertTrue(line(v, "dev/console").startsWith("c"));
        assertTrue(line(v, "dev/port").matches("^c.*\\b1,\\s+4\\b.*"), line(v, "dev/port"));
        Path out = dir.resolve("x");
        Files.createDirectories(out);
        Path archive = dir.resolve("b.cpio");
        Files.write(archive, cpio);
        Process p = new ProcessBuilder("cpio", "-id", "--quiet", "-F", archive.toString(), "init", "bin/busybox")
                .directory(out.toFile())
                .inheritIO()
                .start();
        assertEquals(0, p.waitFor());
        assertArrayEquals(
                Files.readAllBytes(BusyboxInitramfs.HOST_BUSYBOX), Files.readAllBytes(out.resolve("bin/busybox")));
        String init = Files.readString(out.resolve("init"));
        assertTrue(init.startsWith("#!/bin/sh\n"));
        assertTrue(init.contains("\necho HELLO-FROM-INIT\n"));
        assertTrue(init.contains("printf '\\173' | dd of=/dev/port bs=1 seek=1088 count=1"), init);
        assertTrue(init.endsWith("reboot -f\n"));
    }

    @Test
    @RequiresHost(files = RequiresHost.BUSYBOX_STATIC)
    void busyboxInitScriptRunsOnTheHost() throws Exception {
        String script = BusyboxInitramfs.builder()
                .marker("M1")
                .command("echo extra-$((6*7))")
                .initScript();
        // Syntax check with the same shell the guest runs
        byte[] out = HostTools.run(script.getBytes(StandardCharsets.UTF_8), "/bin/busybox", "sh", "-n");
        assertEquals(0, out.length);
        assertTrue(script.contains("\necho extra-$((6*7))\nreboot -f\n"));
    }

    @Test
    void rejectsDynamicallyLinkedBusybox() {
        Path dynamic = Path.of("/bin/ls");
        assumeTrue(Files.isRegularFile(dynamic));
        BootException e = assertThrows(
                BootException.class,
                () -> BusyboxInitramfs.builder().busybox(dynamic).build());
        assertTrue(e.getMessage().contains("dynamically linked"), e.getMessage());
    }

    @Test
    void rejectsMarkerThatWouldBreakTheScript() {
        assertThrows(
                IllegalArgumentException.class, () -> BusyboxInitramfs.builder().marker("a; reboot"));
    }

    @Test
    @RequiresHost(tools = "cpio")
    void archivesDeviceNodesOfADirectoryTree() throws Exception {
        Path root = dir.resolve("devroot");
        Files.createDirectories(root.resolve("dev"));
        Path node = root.resolve("dev/ttyS0");
        Process mknod = new ProcessBuilder("mknod", node.toString(), "c", "4", "64")
                .inheritIO()
                .start();
        assumeTrue(mknod.waitFor() == 0, "mknod is not permitted here");
        List<String> v = cpioList(Initramfs.fromDirectory(root), true);
        assertTrue(line(v, "dev/ttyS0").startsWith("c"), line(v, "dev/ttyS0"));
        assertTrue(line(v, "dev/ttyS0").matches(".*\\b4,\\s+64\\b.*"), line(v, "dev/ttyS0"));
    }

    @Test
    @RequiresHost(files = RequiresHost.BUSYBOX_STATIC)
    void bootTimerLineWritesMagicByteAtThePortOffset() throws Exception {
        String script = BusyboxInitramfs.builder().bootTimerPort(0x440).initScript();
        String ddLine = Arrays.stream(script.split("\n"))
                .filter(l -> l.contains("/dev/port"))
                .findFirst()
                .orElseThrow();
        Path fakePort = dir.resolve("port");
        // /dev/port maps file offsets to port numbers; a regular file shows where the byte lands
        HostTools.run(new byte[0], "/bin/busybox", "sh", "-c", ddLine.replace("/dev/port", fakePort.toString()));
        byte[] written = Files.readAllBytes(fakePort);
        assertEquals(0x440 + 1, written.length);
        assertEquals(123, written[0x440]);
    }
}
