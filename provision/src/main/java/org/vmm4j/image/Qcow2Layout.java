package org.vmm4j.image;

/**
 * Where the metadata of an empty qcow2 image goes, cluster by cluster: header, refcount table,
 * refcount blocks, L1 table. The refcount structures must count themselves, so their sizes are found
 * by iterating to a fixed point.
 */
record Qcow2Layout(
        int clusterSize,
        long virtualSize,
        int l1Entries,
        long l1Clusters,
        long refcountTableClusters,
        long refcountBlocks,
        long totalClusters) {

    /** Refcount order 4: 16-bit refcounts, the only width qemu writes by default. */
    static final int REFCOUNT_ORDER = 4;
    /** qemu's QCOW_MAX_L1_SIZE: it will not open an image whose L1 table is larger than 32 MiB. */
    static final long MAX_L1_BYTES = 32L * 1024 * 1024;
    /** qemu's QCOW_MAX_REFTABLE_SIZE (8 MiB). */
    static final long MAX_REFTABLE_BYTES = 8L * 1024 * 1024;

    static Qcow2Layout of(long virtualSize, int clusterSize) {
        long l2Entries = clusterSize / 8L;
        long bytesPerL2 = l2Entries * clusterSize;
        long l1 = ceilDiv(virtualSize, bytesPerL2);
        if (l1 * 8 > MAX_L1_BYTES) {
            throw new IllegalArgumentException("virtual size " + virtualSize + " is not representable with "
                    + clusterSize + "-byte clusters: the L1 table would need " + l1 * 8
                    + " bytes (qemu's limit is " + MAX_L1_BYTES + "); use a larger cluster size");
        }
        long l1Clusters = ceilDiv(l1 * 8, clusterSize);
        long refcountsPerBlock = clusterSize * 8L / (1 << REFCOUNT_ORDER);
        long entriesPerTableCluster = clusterSize / 8L;
        long blocks = 1;
        long tableClusters = 1;
        while (true) {
            long total = 1 + l1Clusters + tableClusters + blocks;
            long neededBlocks = ceilDiv(total, refcountsPerBlock);
            long neededTable = ceilDiv(neededBlocks, entriesPerTableCluster);
            if (neededBlocks <= blocks && neededTable <= tableClusters) {
                break;
            }
            blocks = Math.max(blocks, neededBlocks);
            tableClusters = Math.max(tableClusters, neededTable);
        }
        if (tableClusters * clusterSize > MAX_REFTABLE_BYTES) {
            throw new IllegalArgumentException("virtual size " + virtualSize + " needs a refcount table larger than "
                    + MAX_REFTABLE_BYTES + " bytes; use a larger cluster size");
        }
        long total = 1 + tableClusters + blocks + l1Clusters;
        return new Qcow2Layout(clusterSize, virtualSize, (int) l1, l1Clusters, tableClusters, blocks, total);
    }

    long refcountTableOffset() {
        return clusterSize;
    }

    long refcountBlockOffset(long index) {
        return (1 + refcountTableClusters + index) * clusterSize;
    }

    long l1TableOffset() {
        return (1 + refcountTableClusters + refcountBlocks) * clusterSize;
    }

    long fileSize() {
        return totalClusters * clusterSize;
    }

    int clusterBits() {
        return Integer.numberOfTrailingZeros(clusterSize);
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1); // no overflow near Long.MAX_VALUE
    }
}
