package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmm4j.testsupport.RequiresHost;

/** qemu writes guest data into images we created; our reader must see exactly what it allocated. */
@RequiresHost(tools = {"qemu-img", "qemu-io"})
class Qcow2RoundTripTest {
    @TempDir
    Path dir;

    @Test
    void readerSeesClustersQemuIoWroteWithTheirDataAndRefcounts() {
        Path image = Qcow2Writer.create(
                dir.resolve("rt.qcow2"), Qcow2Options.builder(1L << 30).build());
        long offset = 300L << 20;
        ExternalTool.ok(
                List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0xab " + offset + " 65536", image.toString()));
        ExternalTool.ok(List.of("qemu-img", "check", image.toString()));

        try (Qcow2Image qcow = Qcow2Image.open(image)) {
            ClusterMapping mapping = qcow.map(offset + 100);
            ClusterMapping.Data data = assertInstanceOf(ClusterMapping.Data.class, mapping);
            assertEquals(1, qcow.refcount(data.hostOffset()), "a written data cluster is referenced once");
            assertFalse(qcow.isAllocated(offset - 1), "the cluster before the write stays unallocated");
            assertFalse(qcow.isAllocated(offset + 65536), "the cluster after the write stays unallocated");
            byte[] back = new byte[65536];
            qcow.read(offset, back);
            byte[] expected = new byte[65536];
            Arrays.fill(expected, (byte) 0xab);
            assertArrayEquals(expected, back);
        }
    }

    @Test
    void readerSeesDataQemuImgConvertCopiedIntoOurImage() throws Exception {
        byte[] pattern = new byte[3 * 65536];
        new Random(42).nextBytes(pattern);
        Path raw = RawDisk.create(dir.resolve("src.raw"), 64L << 20, CreateMode.FAIL_IF_EXISTS);
        try (var ch = java.nio.channels.FileChannel.open(raw, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(pattern), 5L << 20);
        }
        Path target = Qcow2Writer.create(
                dir.resolve("dst.qcow2"),
                Qcow2Options.builder(64L << 20).clusterSize(4096).build());

        ExternalTool.ok(
                List.of("qemu-img", "convert", "-n", "-f", "raw", "-O", "qcow2", raw.toString(), target.toString()));
        ExternalTool.ok(List.of("qemu-img", "check", target.toString()));

        try (Qcow2Image qcow = Qcow2Image.open(target)) {
            assertTrue(qcow.isAllocated(5L << 20));
            assertTrue(qcow.isAllocated((5L << 20) + pattern.length - 1));
            // With -n, qemu marks zero regions with the v3 zero flag (or leaves them out) instead of storing data.
            assertFalse(qcow.map(0) instanceof ClusterMapping.Data, "zero regions of the source hold no data clusters");
            byte[] back = new byte[pattern.length];
            qcow.read(5L << 20, back);
            assertArrayEquals(pattern, back);
        }
        assertTrue(Files.size(target) < 8L << 20, "only written clusters take space");
    }

    @ParameterizedTest(name = "refcount_bits={0}, compat={1}")
    @CsvSource({"1, 1.1", "8, 1.1", "64, 1.1", "16, 0.10"})
    void readerUnderstandsQemuImagesWithOtherRefcountWidthsAndVersion2(int refcountBits, String compat) {
        Path image = dir.resolve("qemu-" + refcountBits + "-" + compat + ".qcow2");
        ExternalTool.ok(List.of(
                "qemu-img",
                "create",
                "-q",
                "-f",
                "qcow2",
                "-o",
                "refcount_bits=" + refcountBits + ",compat=" + compat + ",cluster_size=4096",
                image.toString(),
                "64M"));
        ExternalTool.ok(List.of("qemu-io", "-f", "qcow2", "-c", "write -P 0x11 8M 8k", image.toString()));

        try (Qcow2Image qcow = Qcow2Image.open(image)) {
            assertEquals(compat.equals("0.10") ? 2 : 3, qcow.header().version());
            assertEquals(refcountBits, qcow.header().refcountBits());
            assertEquals(1, qcow.refcount(0), "the header cluster");
            assertEquals(1, qcow.refcount(qcow.header().l1TableOffset()), "the L1 table");
            ClusterMapping.Data first = assertInstanceOf(ClusterMapping.Data.class, qcow.map(8L << 20));
            ClusterMapping.Data second = assertInstanceOf(ClusterMapping.Data.class, qcow.map((8L << 20) + 4096));
            assertEquals(1, qcow.refcount(first.hostOffset()));
            assertEquals(1, qcow.refcount(second.hostOffset()));
            assertFalse(qcow.isAllocated((8L << 20) + 8192));
            byte[] back = new byte[8192];
            qcow.read(8L << 20, back);
            for (byte b : back) {
                assertEquals(0x11, b);
            }
        }
    }
}
