package org.vmm4j.boot;

import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.SingleXZInputStream;

/**
 * extract-vmlinux in Java: finds the compressed kernel inside a bzImage through the setup header's
 * payload_offset/payload_length and decompresses it, yielding the ELF {@code vmlinux}. The kernel's
 * build appends the uncompressed size as 4 little-endian bytes to every payload (gzip's own trailer
 * holds it too); the result is checked against it.
 */
public final class VmlinuxExtractor {

    /** Compression formats the kernel's build can use for its payload. */
    public enum Compression {
        GZIP,
        XZ,
        ZSTD,
        LZ4,
        BZIP2,
        LZMA
    }

    /** The largest vmlinux extracted (real ones are 20 to 100 MiB). */
    private static final long MAX_VMLINUX_SIZE = 1L << 30;

    /**
     * What the xz and lzma decoders may allocate for a payload at least: the kernel's build compresses
     * with 32 MiB (xz) and 64 MiB (lzma -9) dictionaries, whatever the kernel's size. Above it, a
     * dictionary is allowed as large as the declared vmlinux, so a header cannot make the decoder
     * allocate more than the result could need.
     */
    private static final long MIN_DECODER_MEMORY = 64L << 20;

    /** The output buffer starts this large (or at the declared size, if smaller) and doubles as data arrives. */
    private static final int INITIAL_OUTPUT = 1 << 20;

    /** An lz4 legacy-frame block decompresses to at most 8 MiB. */
    private static final int LZ4_LEGACY_BLOCK = 8 << 20;

    private VmlinuxExtractor() {}

    /**
     * Decompresses the kernel inside {@code bzImage}.
     *
     * @throws BootException if it is not a bzImage, has no payload, the payload's format is not one
     *         of {@link Compression}, it is corrupt, it declares a vmlinux larger than 1 GiB, or the
     *         result is not an ELF image
     */
    public static byte[] extract(byte[] bzImage) {
        return extract(bzImage, MAX_VMLINUX_SIZE);
    }

    /** As {@link #extract(byte[])}, refusing a vmlinux larger than {@code maxVmlinuxSize} bytes. */
    static byte[] extract(byte[] bzImage, long maxVmlinuxSize) {
        SetupHeader header = SetupHeader.parse(bzImage);
        if (header.payloadLength() < 8) {
            throw new BootException(
                    "bzImage has no compressed payload (payload_length is " + header.payloadLength() + ")");
        }
        int start = (int) (header.protectedModeOffset() + header.payloadOffset());
        int length = (int) header.payloadLength();
        byte[] elf = decompress(bzImage, start, length, maxVmlinuxSize);
        if (!ElfKernel.looksLikeElf(elf)) {
            throw new BootException("bzImage payload decompressed to something that is not an ELF vmlinux");
        }
        return elf;
    }

    /**
     * The compression format of the payload at {@code start}, from its magic bytes.
     *
     * @throws BootException if the magic is none of {@link Compression}'s
     * @throws IndexOutOfBoundsException if {@code start} and {@code length} are not a range of {@code data}
     */
    public static Compression detect(byte[] data, int start, int length) {
        Objects.checkFromIndexSize(start, length, data.length);
        if (matches(data, start, length, 0x1f, 0x8b)) {
            return Compression.GZIP;
        }
        if (matches(data, start, length, 0xfd, '7', 'z', 'X', 'Z', 0)) {
            return Compression.XZ;
        }
        if (matches(data, start, length, 0x28, 0xb5, 0x2f, 0xfd)) {
            return Compression.ZSTD;
        }
        if (matches(data, start, length, 0x02, 0x21, 0x4c, 0x18)) {
            return Compression.LZ4;
        }
        if (matches(data, start, length, 'B', 'Z', 'h')) {
            return Compression.BZIP2;
        }
        if (matches(data, start, length, 0x5d, 0, 0)) {
            return Compression.LZMA;
        }
        int n = Math.min(length, 6);
        StringBuilder magic = new StringBuilder();
        for (int i = 0; i < n; i++) {
            magic.append(String.format("%02x ", data[start + i] & 0xff));
        }
        throw new BootException("bzImage payload has an unsupported compression format (magic "
                + magic.toString().trim() + "); supported: gzip, xz, zstd, lz4, bzip2, lzma");
    }

    /**
     * Decompresses one kernel payload: compressed data followed by the 4-byte little-endian
     * uncompressed size, which must be at most {@code maxSize}. Memory grows with the data produced,
     * not with the declared size.
     */
    static byte[] decompress(byte[] data, int start, int length, long maxSize) {
        Compression format = detect(data, start, length);
        if (length < 8) {
            throw new BootException("bzImage payload of " + length + " bytes is too short for a " + format
                    + " stream and its 4-byte size");
        }
        long expected = ByteBuffer.wrap(data, start + length - 4, 4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getInt()
                & 0xffff_ffffL;
        if (expected == 0 || expected > maxSize) {
            throw new BootException("bzImage payload declares an implausible uncompressed size of " + expected
                    + " bytes (at most " + maxSize + " are accepted)");
        }
        int decoderMemoryKiB = (int) ((Math.max(expected, MIN_DECODER_MEMORY) + (1 << 20)) >> 10);
        Output out = new Output((int) expected);
        int compressedLength = format == Compression.GZIP ? length : length - 4;
        try {
            if (format == Compression.LZ4) {
                lz4Legacy(data, start, compressedLength, out);
            } else {
                try (InputStream in =
                        open(format, new ByteArrayInputStream(data, start, compressedLength), decoderMemoryKiB)) {
                    out.readFrom(in);
                    if (out.full() && in.read() != -1) {
                        throw new BootException(
                                format + " payload decompresses to more than its declared " + expected + " bytes");
                    }
                }
            }
            if (!out.full()) {
                throw new BootException(
                        format + " payload decompressed to " + out.size + " bytes, the image declares " + expected);
            }
            return out.buffer;
        } catch (IOException | RuntimeException e) {
            if (e instanceof BootException be) {
                throw be;
            }
            throw new BootException("corrupt " + format + " kernel payload: " + e, e);
        }
    }

    /** Decompressed bytes, in a buffer that grows up to the declared size. */
    private static final class Output {
        private final int limit;
        private byte[] buffer;
        private int size;

        Output(int limit) {
            this.limit = limit;
            this.buffer = new byte[Math.min(limit, INITIAL_OUTPUT)];
        }

        boolean full() {
            return size == limit;
        }

        /** Makes room for up to {@code wanted} more bytes (fewer at the limit); returns the room. */
        int room(int wanted) {
            int needed = (int) Math.min(limit, (long) size + wanted);
            if (needed > buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(limit, Math.max(needed, 2L * buffer.length)));
            }
            return buffer.length - size;
        }

        void readFrom(InputStream in) throws IOException {
            while (!full()) {
                int room = room(INITIAL_OUTPUT); // grows the buffer: before reading the field
                int n = in.read(buffer, size, room);
                if (n < 0) {
                    return;
                }
                size += n;
            }
        }
    }

    private static InputStream open(Compression format, InputStream in, int memoryLimitKiB) throws IOException {
        return switch (format) {
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case XZ -> new SingleXZInputStream(in, memoryLimitKiB);
            case ZSTD -> new ZstdInputStream(in);
            case BZIP2 -> new BZip2CompressorInputStream(in);
            case LZMA -> new LZMAInputStream(in, memoryLimitKiB);
            case LZ4 -> throw new IllegalStateException("lz4 is decoded block by block");
        };
    }

    /** The lz4 "legacy" frame the kernel uses: magic, then blocks each preceded by its compressed size. */
    private static void lz4Legacy(byte[] data, int start, int length, Output out) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int p = start + 4;
        int end = start + length;
        Lz4Decompressor lz4 = new Lz4Decompressor();
        while (p + 4 <= end) {
            int blockSize = b.getInt(p);
            if (blockSize == 0x184c2102) {
                p += 4;
                continue;
            }
            p += 4;
            if (blockSize <= 0 || blockSize > end - p) {
                throw new BootException(
                        "corrupt LZ4 kernel payload: block of " + blockSize + " bytes at " + (p - 4 - start));
            }
            if (out.full()) {
                throw new BootException("LZ4 payload decompresses to more than its declared " + out.limit + " bytes");
            }
            int room = out.room(LZ4_LEGACY_BLOCK);
            out.size += lz4.decompress(data, p, blockSize, out.buffer, out.size, room);
            p += blockSize;
        }
    }

    static boolean matches(byte[] data, int start, int length, int... magic) {
        if (length < magic.length || start + magic.length > data.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((data[start + i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
