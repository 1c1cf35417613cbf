package org.vmm4j.boot;

import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    private static final long MAX_VMLINUX_SIZE = 1L << 30;

    private VmlinuxExtractor() {}

    /**
     * Decompresses the kernel inside {@code bzImage}.
     *
     * @throws BootException if it is not a bzImage, has no payload, the payload's format is not one
     *         of {@link Compression}, it is corrupt, or the result is not an ELF image
     */
    public static byte[] extract(byte[] bzImage) {
        SetupHeader header = SetupHeader.parse(bzImage);
        if (header.payloadLength() < 8) {
            throw new BootException(
                    "bzImage has no compressed payload (payload_length is " + header.payloadLength() + ")");
        }
        int start = (int) (header.protectedModeOffset() + header.payloadOffset());
        int length = (int) header.payloadLength();
        byte[] elf = decompress(bzImage, start, length);
        if (!ElfKernel.looksLikeElf(elf)) {
            throw new BootException("bzImage payload decompressed to something that is not an ELF vmlinux");
        }
        return elf;
    }

    /** The compression format of the payload at {@code start}, from its magic bytes. */
    public static Compression detect(byte[] data, int start, int length) {
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
     * uncompressed size.
     */
    static byte[] decompress(byte[] data, int start, int length) {
        Compression format = detect(data, start, length);
        long expected = ByteBuffer.wrap(data, start + length - 4, 4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getInt()
                & 0xffff_ffffL;
        if (expected == 0 || expected > MAX_VMLINUX_SIZE) {
            throw new BootException(
                    "bzImage payload declares an implausible uncompressed size of " + expected + " bytes");
        }
        byte[] out = new byte[(int) expected];
        int compressedLength = format == Compression.GZIP ? length : length - 4;
        try {
            int produced;
            if (format == Compression.LZ4) {
                produced = lz4Legacy(data, start, compressedLength, out);
            } else {
                try (InputStream in = open(format, new ByteArrayInputStream(data, start, compressedLength))) {
                    produced = in.readNBytes(out, 0, out.length);
                    if (produced == out.length && in.read() != -1) {
                        throw new BootException(
                                format + " payload decompresses to more than its declared " + expected + " bytes");
                    }
                }
            }
            if (produced != out.length) {
                throw new BootException(
                        format + " payload decompressed to " + produced + " bytes, the image declares " + expected);
            }
            return out;
        } catch (IOException | RuntimeException e) {
            if (e instanceof BootException be) {
                throw be;
            }
            throw new BootException("corrupt " + format + " kernel payload: " + e.getMessage(), e);
        }
    }

    private static InputStream open(Compression format, InputStream in) throws IOException {
        return switch (format) {
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case XZ -> new SingleXZInputStream(in);
            case ZSTD -> new ZstdInputStream(in);
            case BZIP2 -> new BZip2CompressorInputStream(in);
            case LZMA -> new LZMAInputStream(in);
            case LZ4 -> throw new IllegalStateException("lz4 is decoded block by block");
        };
    }

    /** The lz4 "legacy" frame the kernel uses: magic, then blocks each preceded by its compressed size. */
    private static int lz4Legacy(byte[] data, int start, int length, byte[] out) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int p = start + 4;
        int end = start + length;
        int produced = 0;
        Lz4Decompressor lz4 = new Lz4Decompressor();
        while (p + 4 <= end) {
            int blockSize = b.getInt(p);
            if (blockSize == 0x184c2102) {
                p += 4;
                continue;
            }
            p += 4;
            if (blockSize <= 0 || p + blockSize > end) {
                throw new BootException(
                        "corrupt LZ4 kernel payload: block of " + blockSize + " bytes at " + (p - 4 - start));
            }
            produced += lz4.decompress(data, p, blockSize, out, produced, out.length - produced);
            p += blockSize;
        }
        return produced;
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
