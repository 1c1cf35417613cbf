package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

/**
 * Seeded random corruption of real images' header and metadata: every outcome is either a successful
 * read of every cluster or an {@link ImageException} with a message, within a time and allocation bound;
 * never a raw JDK exception, a hang or a huge allocation.
 */
class Qcow2MutationTest {
    private static final long MAX_ALLOCATED = 64L << 20;
    private static final Duration MAX_TIME = Duration.ofSeconds(10);
    private static final int VIRTUAL_SIZE = 512 << 10;

    @TempDir
    Path dir;

    /** Compressible, incompressible and zero clusters of 4 KiB, converted by qemu-img with -c. */
    private Path qemuImage(byte[] raw) throws IOException {
        Random random = new Random(7);
        for (int c = 0; c < raw.length / 4096; c++) {
            if (c % 3 == 0) {
                Arrays.fill(raw, c * 4096, (c + 1) * 4096, (byte) ('a' + c % 26)); // compresses well
            } else if (c % 3 == 1) {
                byte[] noise = new byte[4096]; // does not compress: qemu stores it as a plain cluster
                random.nextBytes(noise);
                System.arraycopy(noise, 0, raw, c * 4096, 4096);
            }
        }
        Path src = Files.write(dir.resolve("src.raw"), raw);
        Path image = dir.resolve("src.qcow2");
        ExternalTool.ok(List.of(
                "qemu-img",
                "convert",
                "-c",
                "-f",
                "raw",
                "-O",
                "qcow2",
                "-o",
                "cluster_size=4096",
                src.toString(),
                image.toString()));
        return image;
    }

    @Test
    @RequiresHost(tools = "qemu-img")
    void mutatedQemuImageWithDataAndCompressedClustersReadsOrFailsWithImageException() throws IOException {
        byte[] raw = new byte[VIRTUAL_SIZE];
        Path image = qemuImage(raw);
        int[] kinds = new int[3];
        try (Qcow2Image qcow = Qcow2Image.open(image)) {
            for (long offset = 0; offset < VIRTUAL_SIZE; offset += 4096) {
                ClusterMapping m = qcow.map(offset);
                kinds[m instanceof ClusterMapping.Compressed ? 0 : m instanceof ClusterMapping.Data ? 1 : 2]++;
            }
            byte[] back = new byte[VIRTUAL_SIZE];
            qcow.read(0, back);
            assertTrue(Arrays.equals(raw, back), "the unmutated image reads back as its source");
        }
        assertTrue(
                kinds[0] > 0 && kinds[1] > 0 && kinds[2] > 0,
                "compressed, plain and empty clusters: " + kinds[0] + ", " + kinds[1] + ", " + kinds[2]);
        assertEquals(2000, mutate(Files.readAllBytes(image), 2000, 16));
    }

    @Test
    @RequiresHost(tools = "qemu-img")
    void compressedDescriptorPastTheFileOrWithTheLargestSpanIsRefusedOrReadWithinBounds() throws IOException {
        Path image = qemuImage(new byte[VIRTUAL_SIZE]);
        long fileSize = Files.size(image);
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(image));
        long l2Table = header.getLong((int) header.getLong(40)) & 0x00ff_ffff_ffff_fe00L;
        long entry = header.getLong((int) l2Table); // guest cluster 0 compresses
        assertEquals(1L << 62, entry & (3L << 62), "cluster 0 is compressed");
        long sectorBits = 0xfL << 58; // with 4 KiB clusters: 4 bits of additional sectors above 58 offset bits
        for (long descriptor : new long[] {
            (1L << 62) | sectorBits | (fileSize + 4096), (1L << 62) | sectorBits | (entry & ((1L << 58) - 1))
        }) {
            byte[] mutant = header.array().clone();
            ByteBuffer.wrap(mutant).putLong((int) l2Table, descriptor);
            Path file = Files.write(dir.resolve("descriptor.qcow2"), mutant);
            long[] allocated = {0};
            Throwable outcome = readEverything(file, allocated);
            assertTrue(allocated[0] < MAX_ALLOCATED, "allocated " + allocated[0]);
            if (descriptor == ((1L << 62) | sectorBits | (fileSize + 4096))) {
                ImageException e = assertInstanceOf(ImageException.class, outcome);
                assertTrue(e.getMessage().contains("names compressed data at " + (fileSize + 4096)), e.getMessage());
            } else {
                assertTrue(outcome == null || outcome instanceof ImageException, String.valueOf(outcome));
            }
        }
    }

    @Test
    void mutatedImageOfOurWriterOpensOrFailsWithImageException() throws IOException {
        Path image = Qcow2Writer.create(
                dir.resolve("ours.qcow2"),
                Qcow2Options.builder(VIRTUAL_SIZE).clusterSize(512).build());
        assertEquals(1000, mutate(Files.readAllBytes(image), 1000, 61));
    }

    /** Applies {@code cases} seeded mutations to {@code original}; returns how many cases ran. */
    private int mutate(byte[] original, int cases, long seed) throws IOException {
        List<long[]> regions = metadataRegions(original);
        Random random = new Random(seed);
        Path file = dir.resolve("mutant.qcow2");
        int ran = 0;
        int failures = 0;
        for (int i = 0; i < cases; i++) {
            byte[] mutant = original.clone();
            StringBuilder what = new StringBuilder("case " + i + " (seed " + seed + "):");
            int count = 1 + random.nextInt(3);
            for (int m = 0; m < count; m++) {
                mutant = mutateOnce(mutant, regions, random, what);
            }
            Files.write(file, mutant);
            String description = what.toString();
            long[] allocated = {0};
            Throwable outcome = assertTimeoutPreemptively(
                    MAX_TIME, () -> readEverything(file, allocated), "time bound exceeded in " + description);
            assertTrue(
                    allocated[0] < MAX_ALLOCATED,
                    description + " allocated " + allocated[0] + " bytes, more than " + MAX_ALLOCATED);
            if (outcome != null) {
                if (!(outcome instanceof ImageException)
                        || outcome.getMessage() == null
                        || outcome.getMessage().isBlank()) {
                    fail(description + " failed with " + outcome, outcome);
                }
                failures++;
            }
            ran++;
        }
        assertTrue(failures > 0 && failures < cases, "some mutants are refused, some still read: " + failures);
        return ran;
    }

    /** Opens, reads every cluster and asks each data cluster's refcount; returns what was thrown, if anything. */
    private static Throwable readEverything(Path file, long[] allocated) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        try (Qcow2Image qcow = Qcow2Image.open(file)) {
            long size = Math.min(qcow.header().virtualSize(), VIRTUAL_SIZE);
            int clusterSize = qcow.header().clusterSize();
            for (long offset = 0; offset < size; offset += clusterSize) {
                qcow.read(offset, new byte[(int) Math.min(clusterSize, size - offset)]);
                if (qcow.map(offset) instanceof ClusterMapping.Data data) {
                    qcow.refcount(data.hostOffset());
                }
            }
            qcow.refcount(0);
            return null;
        } catch (RuntimeException | OutOfMemoryError e) {
            return e;
        } finally {
            allocated[0] = threads.getCurrentThreadAllocatedBytes() - before;
        }
    }

    private static byte[] mutateOnce(byte[] image, List<long[]> regions, Random random, StringBuilder what) {
        if (random.nextInt(10) == 0) {
            int length = random.nextInt(image.length);
            what.append(" truncate to ").append(length);
            return Arrays.copyOf(image, length);
        }
        long[] region = regions.get(random.nextInt(regions.size()));
        int start = (int) Math.min(region[0], image.length);
        int end = (int) Math.min(region[1], image.length);
        if (start >= end) {
            return image;
        }
        int at = start + random.nextInt(end - start);
        switch (random.nextInt(6)) {
            case 0 -> {
                int bit = random.nextInt(8);
                image[at] ^= (byte) (1 << bit);
                what.append(" flip bit ").append(bit).append(" at ").append(at);
            }
            case 1 -> {
                image[at] = 0;
                what.append(" 0x00 at ").append(at);
            }
            case 2 -> {
                image[at] = (byte) 0xff;
                what.append(" 0xff at ").append(at);
            }
            case 3 -> {
                image[at] = (byte) 0x80;
                what.append(" 0x80 at ").append(at);
            }
            default -> {
                int aligned = Math.max(start, at & ~7);
                if (aligned + 8 <= image.length) {
                    long value = random.nextBoolean() ? random.nextLong() : -1L - random.nextInt(1 << 20);
                    ByteBuffer.wrap(image).putLong(aligned, value);
                    what.append(" long ").append(value).append(" at ").append(aligned);
                }
            }
        }
        return image;
    }

    /** Header, L1 table, refcount table, refcount blocks and L2 tables of the unmutated image. */
    private static List<long[]> metadataRegions(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image);
        int clusterSize = 1 << b.getInt(20);
        long l1 = b.getLong(40);
        int l1Size = b.getInt(36);
        long refcountTable = b.getLong(48);
        int refcountClusters = b.getInt(56);
        List<long[]> regions = new ArrayList<>();
        regions.add(new long[] {0, 112});
        regions.add(new long[] {0, Math.min(clusterSize, 1024)});
        regions.add(new long[] {l1, l1 + l1Size * 8L});
        regions.add(new long[] {refcountTable, refcountTable + Math.min(64, refcountClusters * (long) clusterSize)});
        for (int i = 0; i < refcountClusters * clusterSize / 8; i++) {
            long block = b.getLong((int) refcountTable + i * 8);
            if (block != 0) {
                regions.add(new long[] {block, block + Math.min(clusterSize, 256)});
            }
        }
        for (int i = 0; i < l1Size; i++) {
            long l2 = b.getLong((int) l1 + i * 8) & 0x00ff_ffff_ffff_fe00L;
            if (l2 != 0) {
                regions.add(new long[] {l2, l2 + clusterSize});
                regions.add(new long[] {l2, l2 + clusterSize});
            }
        }
        return regions;
    }
}
