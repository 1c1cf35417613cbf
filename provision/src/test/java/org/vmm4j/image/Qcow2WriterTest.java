package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmm4j.testsupport.RequiresHost;

class Qcow2WriterTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} bytes, {1}-byte clusters")
    @CsvSource({
        "1048576, 65536",
        "512, 65536",
        "10737418240, 65536",
        "2199023255552, 65536",
        "2199023255552, 2097152",
        "1073741824, 512",
        "34359738368, 512",
        "107374182400, 4096",
    })
    @RequiresHost(tools = "qemu-img")
    void writesImagesThatQemuImgChecksCleanAndReportsWithOurSizeAndClusters(long size, int clusterSize) {
        Path image = Qcow2Writer.create(
                dir.resolve("disk.qcow2"),
                Qcow2Options.builder(size).clusterSize(clusterSize).build());

        ExternalTool.ok(List.of("qemu-img", "check", "-f", "qcow2", image.toString()));
        Map<String, Object> info = ExternalTool.json(
                ExternalTool.ok(List.of("qemu-img", "info", "--output=json", "-f", "qcow2", image.toString())));
        assertEquals("qcow2", info.get("format"));
        assertEquals(size, ((Number) info.get("virtual-size")).longValue());
        assertEquals(clusterSize, ((Number) info.get("cluster-size")).intValue());
        @SuppressWarnings("unchecked")
        Map<String, Object> specific =
                (Map<String, Object>) ((Map<String, Object>) info.get("format-specific")).get("data");
        assertEquals("1.1", specific.get("compat"), "version 3 images report compat 1.1");
        assertEquals(16, ((Number) specific.get("refcount-bits")).intValue());
    }

    @Test
    void headerWeWriteIsReadBackByOurReaderWithEveryMetadataClusterCountedOnce() {
        Path image = Qcow2Writer.create(
                dir.resolve("small-clusters.qcow2"),
                Qcow2Options.builder(64L << 30).clusterSize(512).build());
        try (Qcow2Image qcow = Qcow2Image.open(image)) {
            Qcow2Header h = qcow.header();
            assertEquals(3, h.version());
            assertEquals(64L << 30, h.virtualSize());
            assertEquals(9, h.clusterBits());
            long clusters = Files.size(image) / 512;
            assertTrue(clusters > 256, "with 512-byte clusters this image needs several refcount blocks");
            for (long c = 0; c < clusters; c++) {
                assertEquals(1, qcow.refcount(c * 512), "refcount of cluster " + c);
            }
            assertEquals(0, qcow.refcount(clusters * 512), "the cluster past the end is free");
            assertFalse(qcow.isAllocated(0));
            assertFalse(qcow.isAllocated((64L << 30) - 1));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @RequiresHost(tools = "qemu-img")
    void overlayOnRawBackingFileNamesItsBackingFileAndFormatForQemu() {
        Path base = RawDisk.create(dir.resolve("base.raw"), 8L << 20, CreateMode.FAIL_IF_EXISTS);
        Path overlay = Qcow2Writer.createOverlay(dir.resolve("overlay.qcow2"), base, 0, CreateMode.FAIL_IF_EXISTS);

        ExternalTool.ok(List.of("qemu-img", "check", overlay.toString()));
        Map<String, Object> info =
                ExternalTool.json(ExternalTool.ok(List.of("qemu-img", "info", "--output=json", overlay.toString())));
        assertEquals(base.toString(), info.get("backing-filename"));
        assertEquals("raw", info.get("backing-filename-format"));
        assertEquals(8L << 20, ((Number) info.get("virtual-size")).longValue(), "overlay takes the backing size");
    }

    @Test
    @RequiresHost(tools = {"qemu-img", "qemu-io"})
    void overlayOnQcow2BackingFileReadsThroughToBackingData() {
        Path base = Qcow2Writer.create(
                dir.resolve("base.qcow2"), Qcow2Options.builder(16L << 20).build());
        ExternalTool.ok(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 64k", base.toString()));
        Path overlay = Qcow2Writer.createOverlay(dir.resolve("top.qcow2"), base, 32L << 20, CreateMode.FAIL_IF_EXISTS);

        ExternalTool.ok(List.of("qemu-img", "check", overlay.toString()));
        Map<String, Object> info =
                ExternalTool.json(ExternalTool.ok(List.of("qemu-img", "info", "--output=json", overlay.toString())));
        assertEquals("qcow2", info.get("backing-filename-format"));
        assertEquals(32L << 20, ((Number) info.get("virtual-size")).longValue());
        String read =
                ExternalTool.ok(List.of("qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 1M 64k", overlay.toString()));
        assertTrue(read.contains("read 65536/65536 bytes"), read);
        try (Qcow2Image top = Qcow2Image.open(overlay)) {
            assertEquals(base.toString(), top.header().backingFile().orElseThrow());
            assertEquals("qcow2", top.header().backingFormat().orElseThrow());
            assertFalse(top.isAllocated(1 << 20), "the overlay itself holds nothing until written");
        }
    }

    @Test
    void refusesToOverwriteAnExistingFileUnlessAsked() throws Exception {
        Path target = dir.resolve("taken.qcow2");
        Files.writeString(target, "precious");
        Qcow2Options options = Qcow2Options.builder(1 << 20).build();

        ImageException e = assertThrows(ImageException.class, () -> Qcow2Writer.create(target, options));
        assertTrue(e.getMessage().contains("refusing to overwrite"), e.getMessage());
        assertEquals("precious", Files.readString(target), "the existing file is untouched");

        Qcow2Writer.create(
                target,
                Qcow2Options.builder(1 << 20).createMode(CreateMode.OVERWRITE).build());
        assertEquals(Qcow2Image.virtualSizeOf(target), 1 << 20);
    }

    @Test
    void rejectsSizesThatAreNotPositiveOrNotWholeSectors() {
        assertThrows(
                IllegalArgumentException.class, () -> Qcow2Options.builder(0).build());
        assertThrows(
                IllegalArgumentException.class, () -> Qcow2Options.builder(-512).build());
        var e = assertThrows(
                IllegalArgumentException.class, () -> Qcow2Options.builder(1000).build());
        assertTrue(e.getMessage().contains("multiple of 512"), e.getMessage());
    }

    @Test
    void rejectsSizesTheL1TableCannotRepresent() {
        Path target = dir.resolve("huge.qcow2");
        var options = Qcow2Options.builder(2L << 40).clusterSize(512).build();
        var e = assertThrows(IllegalArgumentException.class, () -> Qcow2Writer.create(target, options));
        assertTrue(e.getMessage().contains("not representable"), e.getMessage());
        assertFalse(Files.exists(target));
        assertThrows(
                IllegalArgumentException.class,
                () -> Qcow2Writer.create(
                        target, Qcow2Options.builder(Long.MAX_VALUE & ~511L).build()));
    }

    @ParameterizedTest
    @CsvSource({"256", "1000", "4194304", "3072"})
    void rejectsClusterSizesThatAreNotPowersOfTwoIn512To2M(int clusterSize) {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Qcow2Options.builder(1 << 20).clusterSize(clusterSize).build());
        assertTrue(e.getMessage().contains("power of two"), e.getMessage());
    }
}
