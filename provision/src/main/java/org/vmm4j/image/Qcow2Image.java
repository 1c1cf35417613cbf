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
 */
public final class Qcow2Image implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Qcow2Image.class);

    private static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L; // bits 9-55
    private static final long COMPRESSED = 1L << 62;
    private static final long ZERO = 1L;

    private final Path path;
    private final FileChannel channel;
    private final Qcow2Header header;

    private Qcow2Image(Path path, FileChannel channel, Qcow2Header header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
    }

    /** Opens {@code path} read-only and parses its header. */
    public static Qcow2Image open(Path path) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            ByteBuffer first = ByteBuffer.allocate((int) Math.min(ch.size(), Qcow2Options.MAX_CLUSTER_SIZE));
            readFully(ch, first, 0);
            first.flip();
            Qcow2Header header = Qcow2Header.parse(first);
            if (header.clusterSize() < first.limit()) {
                first.limit(header.clusterSize());
                header = Qcow2Header.parse(first);
            }
            return new Qcow2Image(path, ch, header);
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

    /** The virtual size recorded in a qcow2 image's header. */
    public static long virtualSizeOf(Path path) {
        try (Qcow2Image image = open(path)) {
            return image.header().virtualSize();
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
        long l2Entry = readLong(l2Table + l2Index * 8);
        if ((l2Entry & COMPRESSED) != 0) {
            return new ClusterMapping.Compressed(l2Entry & ~(3L << 62));
        }
        long host = l2Entry & OFFSET_MASK;
        if ((l2Entry & ZERO) != 0) {
            return new ClusterMapping.Zero(host);
        }
        if (host == 0) {
            return new ClusterMapping.Unallocated();
        }
        return new ClusterMapping.Data(host + guestOffset % clusterSize);
    }

    /** Whether this image itself holds data (or an explicit zero) for {@code guestOffset}. */
    public boolean isAllocated(long guestOffset) {
        return map(guestOffset).allocated();
    }

    /** The refcount of the host cluster containing {@code hostOffset}; 0 for clusters never counted. */
    public long refcount(long hostOffset) {
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
        int clusterBits = header.clusterBits();
        int offsetBits = 62 - (clusterBits - 8);
        long hostOffset = descriptor & ((1L << offsetBits) - 1);
        long extraSectors = (descriptor >>> offsetBits) & ((1L << (clusterBits - 8)) - 1);
        long span = (extraSectors + 1) * 512 - (hostOffset & 511);
        long fileSize;
        try {
            fileSize = channel.size();
        } catch (IOException e) {
            throw new ImageException("cannot read the size of " + path + ": " + e.getMessage(), e);
        }
        ByteBuffer input = read(hostOffset, (int) Math.min(span, fileSize - hostOffset));
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

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private long readLong(long position) {
        return read(position, 8).getLong();
    }

    private ByteBuffer read(long position, int length) {
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
