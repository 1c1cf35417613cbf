package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

/** A raw disk written as qcow2 with data: our reader and qemu-img both see the raw disk's bytes. */
class Qcow2FromRawTest {
    private static final int CLUSTER = Qcow2Options.DEFAULT_CLUSTER_SIZE;

    @TempDir
    Path dir;

    /** 1.5 GiB (three L2 regions) with data at the start, straddling a region boundary, and in the last sector. */
    private Path sampleRaw() throws IOException {
        long size = (3L << 29) - 512 * 3;
        Path raw = RawDisk.create(dir.resolve("disk.raw"), size, CreateMode.FAIL_IF_EXISTS);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.WRITE)) {
            byte[] data = new byte[3 * CLUSTER + 100];
            new Random(7).nextBytes(data);
            ch.write(ByteBuffer.wrap(data), 0);
            ch.write(ByteBuffer.wrap(data), (1L << 29) - CLUSTER - 50);
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), size - 3);
        }
        return raw;
    }

    @Test
    void readerSeesEveryByteOfTheRawDiskAndOnlyNonZeroClustersAreAllocated() throws IOException {
        Path raw = sampleRaw();
        Path qcow2 = Qcow2Writer.fromRaw(raw, dir.resolve("disk.qcow2"), CreateMode.FAIL_IF_EXISTS);
        long size = Files.size(raw);
        try (Qcow2Image image = Qcow2Image.open(qcow2);
                FileChannel in = FileChannel.open(raw, StandardOpenOption.READ)) {
            assertEquals(size, image.header().virtualSize());
            int allocated = 0;
            for (long offset = 0; offset < size; offset += CLUSTER) {
                int length = (int) Math.min(CLUSTER, size - offset);
                ByteBuffer expected = ByteBuffer.allocate(length);
                in.read(expected, offset);
                byte[] actual = new byte[length];
                image.read(offset, actual);
                assertArrayEquals(expected.array(), actual, "cluster at " + offset);
                if (image.isAllocated(offset)) {
                    allocated++;
                    long host = ((ClusterMapping.Data) image.map(offset)).hostOffset();
                    assertEquals(1, image.refcount(host), "refcount of the data cluster for " + offset);
                }
            }
            // 4 clusters at 0, 5 around the region boundary (it starts 50 bytes into one), 1 at the end
            assertEquals(10, allocated);
            assertFalse(image.isAllocated(1L << 28), "a zero cluster stays unallocated");
        }
        assertTrue(Files.size(qcow2) < 20L * CLUSTER, "the file holds data and metadata only: " + Files.size(qcow2));
    }

    @Test
    @RequiresHost(tools = "qemu-img")
    void qemuImgFindsNoErrorsAndTheSameContentAsTheRawDisk() throws IOException {
        Path raw = sampleRaw();
        Path qcow2 = Qcow2Writer.fromRaw(raw, dir.resolve("disk.qcow2"), CreateMode.FAIL_IF_EXISTS);
        ExternalTool.ok(List.of("qemu-img", "check", "-f", "qcow2", qcow2.toString()));
        String same = ExternalTool.ok(
                List.of("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), qcow2.toString()));
        assertTrue(same.contains("Images are identical"), same);
    }

    @Test
    void refusesToOverwriteAndLeavesNoFileWhenTheRawDiskIsMissing() throws IOException {
        Path raw = sampleRaw();
        Path existing = Files.writeString(dir.resolve("taken.qcow2"), "mine");
        ImageException taken =
                assertThrows(ImageException.class, () -> Qcow2Writer.fromRaw(raw, existing, CreateMode.FAIL_IF_EXISTS));
        assertTrue(taken.getMessage().contains("refusing to overwrite"), taken.getMessage());
        assertEquals("mine", Files.readString(existing));

        Path target = dir.resolve("none.qcow2");
        ImageException missing = assertThrows(
                ImageException.class,
                () -> Qcow2Writer.fromRaw(dir.resolve("absent.raw"), target, CreateMode.FAIL_IF_EXISTS));
        assertTrue(missing.getMessage().contains("absent.raw"), missing.getMessage());
        assertFalse(Files.exists(target));
    }
}
