package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

class Iso9660WriterTest {
    private static final ZonedDateTime TIME = ZonedDateTime.parse("2025-03-04T05:06:07Z");

    @TempDir
    Path dir;

    @Test
    @RequiresHost(tools = "isoinfo")
    void isoinfoFindsVolumeIdJolietAndRockRidge() {
        Path iso = new Iso9660Writer("cidata", TIME, List.of(new IsoFile("user-data", bytes("#cloud-config\n"))))
                .write(dir.resolve("seed.iso"), CreateMode.FAIL_IF_EXISTS);

        String info = ExternalTool.ok(List.of("isoinfo", "-d", "-J", "-R", "-i", iso.toString()));
        assertTrue(info.contains("Volume id: cidata"), info);
        assertTrue(info.contains("Joliet with UCS level 3 found"), info);
        assertTrue(info.contains("Rock Ridge signatures version 1 found"), info);
        assertTrue(info.contains("Logical block size is: 2048"), info);
    }

    @Test
    @RequiresHost(tools = {"xorriso", "isoinfo"})
    void longLowerCaseNamesSurviveInRockRidgeAndJolietViews() {
        List<IsoFile> files = List.of(
                new IsoFile("user-data", bytes("users: []\n")),
                new IsoFile("meta-data", bytes("instance-id: i-1\n")),
                new IsoFile("network-config", bytes("version: 2\n")),
                new IsoFile("a-rather-long-file-name.with.dots.txt", bytes("x")),
                new IsoFile("empty", new byte[0]));
        Path iso = new Iso9660Writer("cidata", TIME, files).write(dir.resolve("names.iso"), CreateMode.FAIL_IF_EXISTS);
        Set<String> expected = files.stream().map(IsoFile::name).collect(Collectors.toCollection(TreeSet::new));

        assertEquals(expected, xorrisoNames(iso), "Rock Ridge names as xorriso sees them");
        String jolietListing = ExternalTool.ok(List.of("isoinfo", "-J", "-f", "-i", iso.toString()));
        assertEquals(expected, lines(jolietListing), "Joliet names as isoinfo -J sees them");
        String plainListing = ExternalTool.ok(List.of("isoinfo", "-f", "-i", iso.toString()));
        assertTrue(
                lines(plainListing).stream().allMatch(n -> n.matches("[A-Z0-9_]{1,8}\\.[A-Z0-9_]{0,3};1")),
                "level 1 names are 8.3 upper case: " + plainListing);
    }

    @Test
    @RequiresHost(tools = "bsdtar")
    void bsdtarExtractsEveryFileWithItsExactContent() throws Exception {
        byte[] big = new byte[5000];
        new Random(7).nextBytes(big);
        List<IsoFile> files = List.of(
                new IsoFile("big.bin", big),
                new IsoFile("small.txt", bytes("hello\n")),
                new IsoFile("empty", new byte[0]));
        Path iso = new Iso9660Writer("cidata", TIME, files).write(dir.resolve("c.iso"), CreateMode.FAIL_IF_EXISTS);
        Path out = Files.createDirectory(dir.resolve("out"));

        ExternalTool.ok(List.of("bsdtar", "-xf", iso.toString(), "-C", out.toString()));
        for (IsoFile f : files) {
            assertArrayEquals(f.content(), Files.readAllBytes(out.resolve(f.name())), f.name());
        }
    }

    @Test
    @RequiresHost(tools = {"bsdtar", "isoinfo"})
    void manyFilesSpillTheDirectoryIntoSeveralSectorsAndAllStayReadable() throws Exception {
        List<IsoFile> files = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            files.add(new IsoFile("file-number-" + i + "-with-a-long-descriptive-name", bytes("content " + i)));
        }
        Path iso = new Iso9660Writer("many", TIME, files).write(dir.resolve("many.iso"), CreateMode.FAIL_IF_EXISTS);
        Path out = Files.createDirectory(dir.resolve("many"));

        ExternalTool.ok(List.of("bsdtar", "-xf", iso.toString(), "-C", out.toString()));
        for (IsoFile f : files) {
            assertEquals(new String(f.content(), StandardCharsets.UTF_8), Files.readString(out.resolve(f.name())));
        }
        String plain = ExternalTool.ok(List.of("isoinfo", "-f", "-i", iso.toString()));
        assertEquals(60, lines(plain).size(), "60 distinct level 1 names");
    }

    @Test
    void rejectsNamesTheTreesCannotHoldAndBadVolumeIds() {
        assertThrows(IllegalArgumentException.class, () -> new IsoFile("a/b", new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new IsoFile("x".repeat(65), new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new IsoFile("semi;colon", new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new IsoFile("line\nbreak", new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Iso9660Writer("ci data", TIME, List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Iso9660Writer(
                        "cidata", TIME, List.of(new IsoFile("a", new byte[0]), new IsoFile("a", new byte[1]))));
    }

    @Test
    void contentIsNotPrintedByToString() {
        IsoFile f = new IsoFile("user-data", bytes("password: hunter2"));
        assertTrue(!f.toString().contains("hunter2") && f.toString().contains("17 bytes"), f.toString());
    }

    static Set<String> xorrisoNames(Path iso) {
        String out = ExternalTool.ok(List.of("xorriso", "-indev", iso.toString(), "-find", "/", "-type", "f"));
        return lines(out).stream().map(s -> s.replace("'", "")).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> lines(String listing) {
        return Stream.of(listing.split("\n"))
                .map(String::strip)
                .filter(s -> s.startsWith("/") || s.startsWith("'/"))
                .map(s -> s.replace("'", "").substring(1))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
