package org.vmm4j.image;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The fixed part of a qcow2 header, as laid out in qemu's docs/interop/qcow2.txt (version 2 and 3;
 * all fields big-endian). Version 2 headers are 72 bytes; version 3 adds feature bits, the refcount
 * order and the header length (at least 104 bytes).
 *
 * @param backingFile backing file name, if this image is a copy-on-write overlay
 * @param backingFormat format named in the backing-format header extension, if present
 */
public record Qcow2Header(
        int version,
        long backingFileOffset,
        int backingFileSize,
        int clusterBits,
        long virtualSize,
        int cryptMethod,
        int l1Size,
        long l1TableOffset,
        long refcountTableOffset,
        int refcountTableClusters,
        int snapshotCount,
        long snapshotsOffset,
        long incompatibleFeatures,
        long compatibleFeatures,
        long autoclearFeatures,
        int refcountOrder,
        int headerLength,
        Optional<String> backingFile,
        Optional<String> backingFormat) {

    /** "QFI\xfb". */
    public static final int MAGIC = 0x514649fb;
    /** Length of the version 3 header without the optional compression-type field. */
    public static final int V3_HEADER_LENGTH = 104;
    /** Header extension: the backing file's format name. */
    public static final int EXT_BACKING_FORMAT = 0xe2792aca;
    /** Header extension list terminator. */
    public static final int EXT_END = 0;

    public int clusterSize() {
        return 1 << clusterBits;
    }

    /** Number of refcount bits per cluster: 16 for the default order 4. */
    public int refcountBits() {
        return 1 << refcountOrder;
    }

    /** Number of 8-byte entries in one L2 table: one cluster's worth. */
    public long l2Entries() {
        return clusterSize() / 8L;
    }

    /** Parses a header from the first cluster of an image (or at least its first 4 KiB). */
    static Qcow2Header parse(ByteBuffer buf) {
        if (buf.remaining() < 72 || buf.getInt(0) != MAGIC) {
            throw new ImageException("not a qcow2 image: magic number missing");
        }
        int version = buf.getInt(4);
        if (version != 2 && version != 3) {
            throw new ImageException("unsupported qcow2 version " + version + " (expected 2 or 3)");
        }
        int clusterBits = buf.getInt(20);
        if (clusterBits < 9 || clusterBits > 21) {
            throw new ImageException("qcow2 cluster_bits " + clusterBits + " out of range 9..21");
        }
        long incompatible = version == 3 ? buf.getLong(72) : 0;
        long compatible = version == 3 ? buf.getLong(80) : 0;
        long autoclear = version == 3 ? buf.getLong(88) : 0;
        int refcountOrder = version == 3 ? buf.getInt(96) : 4;
        int headerLength = version == 3 ? buf.getInt(100) : 72;
        if (refcountOrder < 0 || refcountOrder > 6) {
            throw new ImageException("qcow2 refcount_order " + refcountOrder + " out of range 0..6");
        }
        long backingOffset = buf.getLong(8);
        int backingSize = buf.getInt(16);
        Optional<String> backingFile = Optional.empty();
        if (backingOffset != 0) {
            if (backingSize <= 0 || backingSize > 1023 || backingOffset + backingSize > buf.limit()) {
                throw new ImageException("qcow2 backing file name out of the first cluster or too long");
            }
            byte[] name = new byte[backingSize];
            buf.get((int) backingOffset, name);
            backingFile = Optional.of(new String(name, StandardCharsets.UTF_8));
        }
        Optional<String> backingFormat = Optional.empty();
        if (version == 3) {
            backingFormat = readBackingFormat(buf, headerLength);
        }
        return new Qcow2Header(
                version,
                backingOffset,
                backingSize,
                clusterBits,
                buf.getLong(24),
                buf.getInt(32),
                buf.getInt(36),
                buf.getLong(40),
                buf.getLong(48),
                buf.getInt(56),
                buf.getInt(60),
                buf.getLong(64),
                incompatible,
                compatible,
                autoclear,
                refcountOrder,
                headerLength,
                backingFile,
                backingFormat);
    }

    private static Optional<String> readBackingFormat(ByteBuffer buf, int headerLength) {
        int pos = headerLength;
        while (pos + 8 <= buf.limit()) {
            int type = buf.getInt(pos);
            int length = buf.getInt(pos + 4);
            if (type == EXT_END) {
                return Optional.empty();
            }
            if (length < 0 || pos + 8L + length > buf.limit()) {
                throw new ImageException(
                        "qcow2 header extension 0x" + Integer.toHexString(type) + " runs past the first cluster");
            }
            if (type == EXT_BACKING_FORMAT) {
                byte[] name = new byte[length];
                buf.get(pos + 8, name);
                return Optional.of(new String(name, StandardCharsets.US_ASCII));
            }
            pos += 8 + ((length + 7) & ~7);
        }
        return Optional.empty();
    }
}
