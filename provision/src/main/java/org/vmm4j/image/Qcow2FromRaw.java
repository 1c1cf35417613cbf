package org.vmm4j.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A raw disk written as a qcow2 image with data, in one pass: header in cluster 0, the L1 table after
 * it, then each non-zero guest cluster appended in guest order with the L2 table of its 512 MiB region
 * after the region's data, and last the refcount blocks and table, which count every cluster of the
 * file (each is used exactly once, so every refcount is 1 and every L1 and L2 entry carries
 * {@code QCOW_OFLAG_COPIED}, as qemu-img check expects).
 */
final class Qcow2FromRaw {
    /** Bit 63 of an L1 or L2 entry: the cluster's refcount is exactly 1 (it may be written in place). */
    private static final long COPIED = 1L << 63;

    private Qcow2FromRaw() {}

    static Path write(Path raw, Path path, CreateMode mode) {
        long size;
        try {
            size = Files.size(raw);
        } catch (IOException e) {
            throw new ImageException("cannot read raw image " + raw + ": " + e.getMessage(), e);
        }
        DiskSize.requireValid(size);
        Qcow2Layout layout = Qcow2Layout.of(size, Qcow2Options.DEFAULT_CLUSTER_SIZE);
        Qcow2Options options = Qcow2Options.builder(size).build();
        return NewImageFile.create(path, mode, "qcow2 image", out -> {
            try (FileChannel in = FileChannel.open(raw, StandardOpenOption.READ)) {
                copy(in, out, layout, options);
            }
        });
    }

    private static void copy(FileChannel in, FileChannel out, Qcow2Layout layout, Qcow2Options options)
            throws IOException {
        int clusterSize = layout.clusterSize();
        int l2Entries = clusterSize / 8;
        long l1Offset = clusterSize;
        long next = (1 + layout.l1Clusters()) * clusterSize; // the next free host cluster
        ByteBuffer l1 = ByteBuffer.allocate((int) (layout.l1Clusters() * clusterSize));
        ByteBuffer l2 = ByteBuffer.allocate(clusterSize);
        ByteBuffer cluster = ByteBuffer.allocate(clusterSize);
        long guestClusters = (layout.virtualSize() + clusterSize - 1) / clusterSize;
        for (int region = 0; region < layout.l1Entries(); region++) {
            Arrays.fill(l2.array(), (byte) 0);
            l2.clear();
            boolean any = false;
            for (int i = 0; i < l2Entries; i++) {
                long index = (long) region * l2Entries + i;
                if (index >= guestClusters) {
                    break;
                }
                cluster.clear();
                readCluster(in, cluster, index * clusterSize);
                if (isZero(cluster)) {
                    continue;
                }
                cluster.rewind();
                NewImageFile.writeFully(out, cluster, next);
                l2.putLong(i * 8, next | COPIED);
                next += clusterSize;
                any = true;
            }
            if (any) {
                l2.rewind();
                NewImageFile.writeFully(out, l2, next);
                l1.putLong(region * 8, next | COPIED);
                next += clusterSize;
            }
        }
        long dataClusters = next / clusterSize;
        long refcountsPerBlock = clusterSize * 8L / (1 << Qcow2Layout.REFCOUNT_ORDER);
        long tableEntriesPerCluster = clusterSize / 8L;
        long blocks = 1;
        long tableClusters = 1;
        while (true) {
            long total = dataClusters + blocks + tableClusters;
            long neededBlocks = (total + refcountsPerBlock - 1) / refcountsPerBlock;
            long neededTable = (neededBlocks + tableEntriesPerCluster - 1) / tableEntriesPerCluster;
            if (neededBlocks <= blocks && neededTable <= tableClusters) {
                break;
            }
            blocks = Math.max(blocks, neededBlocks);
            tableClusters = Math.max(tableClusters, neededTable);
        }
        if (tableClusters * clusterSize > Qcow2Layout.MAX_REFTABLE_BYTES) {
            throw new IllegalArgumentException("a raw image of " + layout.virtualSize()
                    + " bytes needs a refcount table larger than qemu's limit of " + Qcow2Layout.MAX_REFTABLE_BYTES);
        }
        long firstBlock = dataClusters;
        long tableOffset = (firstBlock + blocks) * clusterSize;
        long remaining = dataClusters + blocks + tableClusters;
        ByteBuffer table = ByteBuffer.allocate((int) (tableClusters * clusterSize));
        for (long b = 0; b < blocks; b++) {
            ByteBuffer block = ByteBuffer.allocate(clusterSize);
            for (int j = 0; j < refcountsPerBlock && remaining > 0; j++, remaining--) {
                block.putShort(j * 2, (short) 1);
            }
            long blockOffset = (firstBlock + b) * clusterSize;
            NewImageFile.writeFully(out, block, blockOffset);
            table.putLong((int) (b * 8), blockOffset);
        }
        NewImageFile.writeFully(out, table, tableOffset);
        NewImageFile.writeFully(out, l1, l1Offset);
        NewImageFile.writeFully(out, Qcow2Writer.header(layout, l1Offset, tableOffset, tableClusters, options), 0);
    }

    /** Fills {@code cluster} from {@code offset}; what lies past the end of the raw file reads as zero. */
    private static void readCluster(FileChannel in, ByteBuffer cluster, long offset) throws IOException {
        long position = offset;
        while (cluster.hasRemaining()) {
            int n = in.read(cluster, position);
            if (n < 0) {
                while (cluster.hasRemaining()) {
                    cluster.put((byte) 0);
                }
                return;
            }
            position += n;
        }
    }

    private static boolean isZero(ByteBuffer cluster) {
        for (int i = 0; i < cluster.limit(); i += 8) {
            if (cluster.getLong(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
