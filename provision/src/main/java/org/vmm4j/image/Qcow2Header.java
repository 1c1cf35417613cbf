package org.vmm4j.image;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The fixed part of a qcow2 header, as laid out in qemu's docs/interop/qcow2.txt (version 2 and 3;
 * all fields big-endian). Version 2 headers are 72 bytes; version 3 adds feature bits, the refcount
 * order and the header length (at least 104 bytes).
 *
 * <p>Parsing checks what can be checked from the header alone (magic, version, cluster size, refcount
 * order, backing name and extensions inside the first cluster); {@link #requireSupported()} refuses the
 * features {@link Qcow2Image} does not implement.
 *
 * @param backingFile backing file name, if this image is a copy-on-write overlay
 * @param backingFormat format named in the backing-format header extension, if present
 * @param compressionType the compression type byte (0: zlib/deflate, 1: zstd); 0 unless the
 *        compression-type incompatible feature bit is set
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
        int compressionType,
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

    /** Incompatible feature bit 0: refcounts may be stale (lazy refcounts, not closed cleanly). */
    public static final long INCOMPAT_DIRTY = 1L;
    /** Incompatible feature bit 1: qemu found the image corrupt. */
    public static final long INCOMPAT_CORRUPT = 1L << 1;
    /** Incompatible feature bit 2: guest data lives in an external data file. */
    public static final long INCOMPAT_DATA_FILE = 1L << 2;
    /** Incompatible feature bit 3: the compression-type field is valid. */
    public static final long INCOMPAT_COMPRESSION = 1L << 3;
    /** Incompatible feature bit 4: extended L2 entries (subclusters). */
    public static final long INCOMPAT_EXTENDED_L2 = 1L << 4;

    /** The largest L1 table qemu opens (QCOW_MAX_L1_SIZE, 32 MiB): 4 Mi entries. */
    static final int MAX_L1_ENTRIES = 4 * 1024 * 1024;
    /** The largest refcount table qemu opens (QCOW_MAX_REFTABLE_SIZE, 8 MiB). */
    static final long MAX_REFTABLE_BYTES = 8L * 1024 * 1024;

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

    /** Whether the dirty bit is set: the image was not closed cleanly and its refcounts may be stale. */
    public boolean dirty() {
        return (incompatibleFeatures & INCOMPAT_DIRTY) != 0;
    }

    /**
     * Refuses every feature {@link Qcow2Image} cannot read correctly, naming it: encryption (AES or
     * LUKS), the corrupt bit, an external data file, zstd compression, extended L2 entries and any
     * incompatible feature bit this reader does not know. The dirty bit is accepted: the L1/L2 tables of
     * a dirty image are consistent (qemu also opens such images read-only without repairing them), only
     * its refcounts may be stale, so {@link Qcow2Image#refcount(long)} refuses it instead.
     *
     * @throws ImageException naming the first unsupported feature
     */
    public void requireSupported() {
        if (cryptMethod == 1) {
            throw unsupported("encryption (crypt_method 1, AES)");
        }
        if (cryptMethod == 2) {
            throw unsupported("encryption (crypt_method 2, LUKS)");
        }
        if (cryptMethod != 0) {
            throw unsupported("encryption (unknown crypt_method " + cryptMethod + ")");
        }
        if ((incompatibleFeatures & INCOMPAT_CORRUPT) != 0) {
            throw new ImageException("qcow2 image is marked corrupt (incompatible feature bit 1): "
                    + "repair it with qemu-img check -r all before reading it");
        }
        if ((incompatibleFeatures & INCOMPAT_DATA_FILE) != 0) {
            throw unsupported("external_data_file");
        }
        if ((incompatibleFeatures & INCOMPAT_EXTENDED_L2) != 0) {
            throw unsupported("extended_l2");
        }
        if (compressionType == 1) {
            throw unsupported("compression_type=zstd");
        }
        if (compressionType != 0) {
            throw unsupported("compression_type " + compressionType);
        }
        long unknown = incompatibleFeatures
                & ~(INCOMPAT_DIRTY
                        | INCOMPAT_CORRUPT
                        | INCOMPAT_DATA_FILE
                        | INCOMPAT_COMPRESSION
                        | INCOMPAT_EXTENDED_L2);
        if (unknown != 0) {
            throw unsupported("unknown incompatible feature bits 0x" + Long.toHexString(unknown));
        }
    }

    private static ImageException unsupported(String feature) {
        return new ImageException("qcow2 feature " + feature + " is not supported");
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
        if (version == 3 && buf.limit() < V3_HEADER_LENGTH) {
            throw new ImageException(
                    "qcow2 version 3 header truncated: " + buf.limit() + " of " + V3_HEADER_LENGTH + " bytes");
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
        if (version == 3
                && (headerLength < V3_HEADER_LENGTH || headerLength > Math.min(buf.limit(), 1 << clusterBits))) {
            throw new ImageException("qcow2 header_length " + headerLength + " out of range " + V3_HEADER_LENGTH + ".."
                    + Math.min(buf.limit(), 1 << clusterBits));
        }
        int compressionType = 0;
        if ((incompatible & INCOMPAT_COMPRESSION) != 0) {
            if (headerLength <= V3_HEADER_LENGTH) {
                throw new ImageException("qcow2 header_length " + headerLength
                        + " leaves no room for the compression_type its feature bit announces");
            }
            compressionType = buf.get(V3_HEADER_LENGTH) & 0xff;
        }
        long backingOffset = buf.getLong(8);
        int backingSize = buf.getInt(16);
        Optional<String> backingFile = Optional.empty();
        if (backingOffset != 0) {
            if (backingOffset < 0 || backingOffset > buf.limit()) {
                throw new ImageException(
                        "qcow2 backing_file_offset " + backingOffset + " lies outside the first cluster");
            }
            if (backingSize <= 0 || backingSize > 1023 || backingOffset + backingSize > buf.limit()) {
                throw new ImageException("qcow2 backing_file_size " + backingSize
                        + " is out of range 1..1023 or runs past the first cluster");
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
                compressionType,
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
            if (length < 0 || (long) pos + 8L + length > buf.limit()) {
                throw new ImageException(
                        "qcow2 header extension 0x" + Integer.toHexString(type) + " runs past the first cluster");
            }
            if (type == EXT_BACKING_FORMAT) {
                byte[] name = new byte[length];
                buf.get(pos + 8, name);
                return Optional.of(new String(name, StandardCharsets.US_ASCII));
            }
            pos += 8 + (int) ((length + 7L) & ~7L);
        }
        return Optional.empty();
    }
}
