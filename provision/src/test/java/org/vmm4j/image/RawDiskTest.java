package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

class RawDiskTest {
    @TempDir
    Path dir;

    @Test
    @RequiresHost(tools = "qemu-img")
    void createsSparseRawFileOfTheVirtualSize() throws Exception {
        Path disk = RawDisk.create(dir.resolve("disk.raw"), 20L << 30, CreateMode.FAIL_IF_EXISTS);

        assertEquals(20L << 30, Files.size(disk));
        long allocatedBlocks = Long.parseLong(
                ExternalTool.ok(List.of("stat", "-c", "%b", disk.toString())).trim());
        assertTrue(
                allocatedBlocks < 1024,
                "a fresh raw disk allocates (almost) nothing, got " + allocatedBlocks + " blocks");
        Map<String, Object> info =
                ExternalTool.json(ExternalTool.ok(List.of("qemu-img", "info", "--output=json", disk.toString())));
        assertEquals("raw", info.get("format"));
        assertEquals(20L << 30, ((Number) info.get("virtual-size")).longValue());
    }

    @Test
    void refusesToReplaceAnExistingDiskUnlessOverwriteIsAsked() throws Exception {
        Path disk = dir.resolve("used.raw");
        Files.writeString(disk, "data");
        var e = assertThrows(ImageException.class, () -> RawDisk.create(disk, 1 << 20, CreateMode.FAIL_IF_EXISTS));
        assertTrue(e.getMessage().contains(disk.toString()));
        assertEquals("data", Files.readString(disk));

        RawDisk.create(disk, 1 << 20, CreateMode.OVERWRITE);
        assertEquals(1 << 20, Files.size(disk));
    }

    @Test
    void parsesHumanSizesInBinaryUnits() {
        assertEquals(20L << 30, DiskSize.parse("20G"));
        assertEquals(512L << 20, DiskSize.parse("512MiB"));
        assertEquals(2L << 40, DiskSize.parse("2t"));
        assertEquals(4096, DiskSize.parse("4096"));
        assertThrows(IllegalArgumentException.class, () -> DiskSize.parse("20X"));
        assertThrows(IllegalArgumentException.class, () -> DiskSize.parse("-1G"));
        assertThrows(IllegalArgumentException.class, () -> DiskSize.parse("99999999999P"));
    }

    @Test
    void detectsQcow2ByMagicAndTreatsAnythingElseAsRaw() {
        Path q = Qcow2Writer.create(
                dir.resolve("a.qcow2"), Qcow2Options.builder(1 << 20).build());
        Path r = RawDisk.create(dir.resolve("a.img"), 1 << 20, CreateMode.FAIL_IF_EXISTS);
        assertEquals(DiskFormat.QCOW2, DiskFormat.detect(q));
        assertEquals(DiskFormat.RAW, DiskFormat.detect(r));
    }
}
