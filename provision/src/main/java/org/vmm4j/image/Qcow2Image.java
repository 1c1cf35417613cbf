package org.vmm4j.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only view of a qcow2 image: its header, the L1/L2 mapping of guest offsets to host offsets,
 * the refcount of each host cluster, and reads of uncompressed data. Enough to check what a writer
 * (qemu or ours) allocated; not a block driver.
 *
 * <p>It never returns wrong data silently: features it does not implement are refused when the image
 * is opened ({@link Qcow2Header#requireSupported()}), and every header, L1/L2, refcount and
 * compressed-cluster value is checked against the file's size and the virtual size before it is used,
 * so reading is bounded by what the file holds. Any corruption is an {@link ImageException} naming
 * the file and the bad field; {@link IllegalArgumentException} only reports a caller's offset outside
 * the virtual size.
 */
public final class Qcow2Image implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Image.class);

    private static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L; // bits 9-55
    private static final long COMPRESSED = 1L << 62;
    private static final long ZERO = 1L;

    private final Path path;
    private final FileChannel channel;
    private final Qcow2Header header;
    private final long fileSize;

    private Qcow2Image(Path path, FileChannel channel, Qcow2Header header, long fileSize) {
        this.path = path;
        this.channel = channel;
        this.header = header;
        this.fileSize = fileSize;
    }

    /**
     * Opens {@code path} read-only, parses its header, refuses the features this reader does not
     * implement ({@link Qcow2Header#requireSupported()}) and checks that the header's tables lie inside
     * the file and cover the virtual size.
     *
     * @throws ImageException when the file cannot be read, is not a qcow2 image, uses a feature this
     *         reader does not implement, or its header is corrupt (the message names the field)
     */
    public static Qcow2Image open(Path path) {
        return open(path, true);
    }

    /** The virtual size recorded in a qcow2 image's header (readable even when its features are not). */
    public static long virtualSizeOf(Path path) {
        try (Qcow2Image image = open(path, false)) {
            return image.header().virtualSize();
        }
    }

    /** Opens an image for its header only: unsupported features are not refused, tables are not checked. */
    static Qcow2Image openHeader(Path path) {
        return open(path, false);
    }

    private static Qcow2Image open(Path path, boolean forReading) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            long fileSize = ch.size();
            ByteBuffer first = ByteBuffer.allocate((int) Math.min(fileSize, Qcow2Options.MAX_CLUSTER_SIZE));
            readFully(ch, first, 0);
            first.flip();
            Qcow2Header header = Qcow2Header.parse(first);
            if (header.clusterSize() < first.limit()) {
                first.limit(header.clusterSize());
                header = Qcow2Header.parse(first);
            }
            if (header.virtualSize() < 0) {
                throw new ImageException("qcow2 size " + header.virtualSize() + " is negative (corrupt header)");
            }
            if (forReading) {
                header.requireSupported();
                checkTables(header, fileSize);
            }
            return new Qcow2Image(path, ch, header, fileSize);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ImageException("cannot read qcow2 image " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            if (e instanceof ImageException ie) {
                throw new ImageException(path + ": " + ie.getMessage(), ie);
            }
            throw e;
        }
    }

    /** The L1 and refcount tables: aligned, inside the file, within qemu's limits, and covering the size. */
    private static void checkTables(Qcow2Header h, long fileSize) {
        long clusterSize = h.clusterSize();
        if (h.l1Size() < 0 || h.l1Size() > Qcow2Header.MAX_L1_ENTRIES) {
            throw new ImageException("qcow2 l1_size " + h.l1Size() + " out of range 0.." + Qcow2Header.MAX_L1_ENTRIES
                    + " (corrupt header)");
        }
        long bytesPerL1Entry = clusterSize * h.l2Entries();
        long neededL1 = h.virtualSize() / bytesPerL1Entry + (h.virtualSize() % bytesPerL1Entry == 0 ? 0 : 1);
        if (neededL1 > h.l1Size()) {
            throw new ImageException("qcow2 l1_size " + h.l1Size() + " is too small for the size " + h.virtualSize()
                    + " (needs " + neededL1 + " entries; corrupt header)");
        }
        requireInFile("l1_table_offset", h.l1TableOffset(), h.l1Size() * 8L, clusterSize, fileSize);
        if (h.refcountTableClusters() <= 0
                || (long) h.refcountTableClusters() * clusterSize > Qcow2Header.MAX_REFTABLE_BYTES) {
            throw new ImageException("qcow2 refcount_table_clusters " + h.refcountTableClusters() + " out of range 1.."
                    + Qcow2Header.MAX_REFTABLE_BYTES / clusterSize + " (corrupt header)");
        }
        requireInFile(
                "refcount_table_offset",
                h.refcountTableOffset(),
                (long) h.refcountTableClusters() * clusterSize,
                clusterSize,
                fileSize);
    }

    /** A table of {@code length} bytes at {@code offset}: cluster-aligned, not the header, inside the file. */
    private static void requireInFile(String field, long offset, long length, long clusterSize, long fileSize) {
        if (offset <= 0 || offset % clusterSize != 0) {
            throw new ImageException("qcow2 " + field + " " + offset + " is not a cluster-aligned offset after the"
                    + " header (corrupt image)");
        }
        if (offset > fileSize || length > fileSize - offset) {
            throw new ImageException("qcow2 " + field + " " + offset + " with " + length
                    + " bytes lies past the end of the " + fileSize + "-byte file (corrupt or truncated image)");
        }
    }

    public Qcow2Header header() {
        return header;
    }

    /** Maps a guest byte offset through the L1 and L2 tables. */
    public ClusterMapping map(long guestOffset) {
        if (guestOffset < 0 || guestOffset >= header.virtualSize()) {
            throw new IllegalArgumentException(
                    "guest offset " + guestOffset + " outside the virtual size " + header.virtualSize());
        }
        long clusterSize = header.clusterSize();
        long l2Index = (guestOffset / clusterSize) % header.l2Entries();
        long l1Index = guestOffset / (clusterSize * header.l2Entries());
        if (l1Index >= header.l1Size()) {
            throw new ImageException(path + ": L1 table of " + header.l1Size()
                    + " entries is too small for guest offset " + guestOffset + " (corrupt header)");
        }
        long l1Entry = readLong(header.l1TableOffset() + l1Index * 8);
        long l2Table = l1Entry & OFFSET_MASK;
        if (l2Table == 0) {
            return new ClusterMapping.Unallocated();
        }
        requireCluster("L1 entry " + l1Index + " (L2 table offset)", l2Table);
        long l2Entry = readLong(l2Table + l2Index * 8);
        if ((l2Entry & COMPRESSED) != 0) {
            long descriptor = l2Entry & ~(3L << 62);
            compressedSpan(descriptor, "L2 entry " + l2Index + " of the L2 table at " + l2Table);
            return new ClusterMapping.Compressed(descriptor);
        }
        long host = l2Entry & OFFSET_MASK;
        if ((l2Entry & ZERO) != 0) {
            if (host != 0) {
                requireCluster("L2 entry " + l2Index + " of the L2 table at " + l2Table, host);
            }
            return new ClusterMapping.Zero(host);
        }
        if (host == 0) {
            return new ClusterMapping.Unallocated();
        }
        requireCluster("L2 entry " + l2Index + " of the L2 table at " + l2Table, host);
        return new ClusterMapping.Data(host + guestOffset % clusterSize);
    }

    /** A cluster named by a table entry: aligned, after the header, starting inside the file. */
    private void requireCluster(String entry, long offset) {
        if (offset % header.clusterSize() != 0) {
            throw new ImageException(path + ": qcow2 " + entry + " points to " + offset
                    + ", which is not cluster-aligned (corrupt image)");
        }
        if (offset < header.clusterSize() || offset >= fileSize) {
            throw new ImageException(path + ": qcow2 " + entry + " points to " + offset
                    + ", outside the clusters of the " + fileSize + "-byte file (corrupt image)");
        }
    }

    /** Whether this image itself holds data (or an explicit zero) for {@code guestOffset}. */
    public boolean isAllocated(long guestOffset) {
        return map(guestOffset).allocated();
    }

    /**
     * The refcount of the host cluster containing {@code hostOffset}; 0 for clusters never counted.
     *
     * @throws IllegalArgumentException when {@code hostOffset} is negative
     * @throws ImageException when the image is dirty (its refcounts may be stale) or its refcount
     *         structures are corrupt
     */
    public long refcount(long hostOffset) {
        if (hostOffset < 0) {
            throw new IllegalArgumentException("host offset " + hostOffset + " is negative");
        }
        if (header.dirty()) {
            throw new ImageException(path + ": qcow2 image is dirty (not closed cleanly with lazy refcounts): its"
                    + " refcounts may be stale; repair it with qemu-img check -r all");
        }
        long cluster = hostOffset / header.clusterSize();
        int bits = header.refcountBits();
        long perBlock = header.clusterSize() * 8L / bits;
        long tableIndex = cluster / perBlock;
        if (tableIndex * 8 >= (long) header.refcountTableClusters() * header.clusterSize()) {
            return 0;
        }
        long block = readLong(header.refcountTableOffset() + tableIndex * 8) & ~0x1ffL;
        if (block == 0) {
            return 0;
        }
        requireCluster("refcount table entry " + tableIndex + " (refcount block offset)", block);
        long bitIndex = (cluster % perBlock) * bits;
        if (bits >= 8) {
            ByteBuffer b = read(block + bitIndex / 8, bits / 8);
            long value = 0;
            while (b.hasRemaining()) {
                value = (value << 8) | (b.get() & 0xff);
            }
            return value;
        }
        int octet = read(block + bitIndex / 8, 1).get() & 0xff;
        // Sub-byte refcounts are packed starting at the least significant bit (qcow2.txt, "refcount_order").
        return (octet >>> (bitIndex % 8)) & ((1L << bits) - 1);
    }

    /**
     * Reads guest data into {@code dst}: unallocated and zero clusters read as zeros (the backing file is
     * not consulted); compressed clusters (raw deflate, as {@code qemu-img convert -c} writes them) are
     * inflated.
     */
    public void read(long guestOffset, byte[] dst) {
        if (guestOffset < 0 || guestOffset > header.virtualSize() - dst.length) {
            throw new IllegalArgumentException("reading " + dst.length + " bytes at " + guestOffset
                    + " goes outside the virtual size " + header.virtualSize());
        }
        int done = 0;
        while (done < dst.length) {
            long offset = guestOffset + done;
            int inCluster = (int) Math.min(dst.length - done, header.clusterSize() - offset % header.clusterSize());
            ClusterMapping mapping = map(offset);
            if (mapping instanceof ClusterMapping.Data data) {
                read(data.hostOffset(), inCluster).get(dst, done, inCluster);
            } else if (mapping instanceof ClusterMapping.Compressed compressed) {
                byte[] cluster = inflateCluster(compressed.descriptor());
                System.arraycopy(cluster, (int) (offset % header.clusterSize()), dst, done, inCluster);
            } else {
                Arrays.fill(dst, done, done + inCluster, (byte) 0);
            }
            done += inCluster;
        }
    }

    /**
     * A compressed cluster: the descriptor holds the host offset in its low {@code 62 - (cluster_bits - 8)}
     * bits and, above them, the number of additional 512-byte sectors the compressed data spans
     * (qcow2.txt, "Compressed Clusters Descriptor").
     */
    private byte[] inflateCluster(long descriptor) {
        long hostOffset = compressedOffset(descriptor);
        ByteBuffer input = read(hostOffset, compressedSpan(descriptor, "compressed cluster descriptor"));
        byte[] cluster = new byte[header.clusterSize()];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(input);
            int produced = 0;
            while (produced < cluster.length && !inflater.finished()) {
                int n = inflater.inflate(cluster, produced, cluster.length - produced);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                produced += n;
            }
            if (produced != cluster.length) {
                throw new ImageException(path + ": compressed cluster at " + hostOffset + " inflates to " + produced
                        + " bytes, not " + cluster.length);
            }
            return cluster;
        } catch (DataFormatException e) {
            throw new ImageException(
                    path + ": compressed cluster at " + hostOffset + " is corrupt: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    private long compressedOffset(long descriptor) {
        int offsetBits = 62 - (header.clusterBits() - 8);
        return descriptor & ((1L << offsetBits) - 1);
    }

    /**
     * The number of bytes of compressed data the descriptor names, checked to start after the header,
     * inside the file; the span is at most {@code 2 * cluster size} by construction and is cut at the end
     * of the file (qemu's last compressed cluster may end there).
     */
    private int compressedSpan(long descriptor, String entry) {
        int clusterBits = header.clusterBits();
        int offsetBits = 62 - (clusterBits - 8);
        long hostOffset = compressedOffset(descriptor);
        long extraSectors = (descriptor >>> offsetBits) & ((1L << (clusterBits - 8)) - 1);
        long span = (extraSectors + 1) * 512 - (hostOffset & 511);
        if (hostOffset < header.clusterSize() || hostOffset >= fileSize) {
            throw new ImageException(path + ": qcow2 " + entry + " names compressed data at " + hostOffset
                    + ", outside the clusters of the " + fileSize + "-byte file (corrupt image)");
        }
        return (int) Math.min(span, fileSize - hostOffset);
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private long readLong(long position) {
        return read(position, 8).getLong();
    }

    private ByteBuffer read(long position, int length) {
        if (position < 0 || length < 0 || length > fileSize || position > fileSize - length) {
            throw new ImageException(path + " is truncated or corrupt: " + length + " bytes at " + position
                    + " lie outside the " + fileSize + "-byte file");
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        try {
            readFully(channel, b, position);
        } catch (IOException e) {
            throw new ImageException("cannot read " + path + " at " + position + ": " + e.getMessage(), e);
        }
        if (b.hasRemaining()) {
            throw new ImageException(
                    path + " is truncated: metadata at " + position + " lies past the end of the file");
        }
        return b.flip();
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // Read-only channel: nothing to flush, nothing to lose.
                LOG.debug("closing a qcow2 image failed", e);
            }
        }
    }
}
