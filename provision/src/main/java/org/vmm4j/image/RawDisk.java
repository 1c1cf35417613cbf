package org.vmm4j.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Raw disk images: a sparse file of the virtual size, so nothing is allocated until the guest writes. */
public final class RawDisk {
    private RawDisk() {}

    /**
     * Creates a sparse raw image of {@code size} bytes.
     *
     * @throws IllegalArgumentException when the size is not positive or not a multiple of 512 bytes
     * @throws ImageException when the file exists (and mode is {@link CreateMode#FAIL_IF_EXISTS}) or cannot be written
     */
    public static Path create(Path path, long size, CreateMode mode) {
        DiskSize.requireValid(size);
        // One zero byte at the end sets the length; everything before it stays a hole.
        return NewImageFile.create(
                path, mode, "raw image", ch -> NewImageFile.writeFully(ch, ByteBuffer.allocate(1), size - 1));
    }

    /**
     * A sparse raw copy of a raw or qcow2 image (compressed clusters included), grown to {@code size}
     * bytes ({@code 0}: the image's own size): what bhyve needs from a cloud image. Runs of zeros stay
     * holes. A qcow2 overlay is refused: convert its backing image.
     *
     * @throws IllegalArgumentException when {@code size} is smaller than the image
     * @throws ImageException when the target exists (and mode is {@link CreateMode#FAIL_IF_EXISTS}) or
     *         the image cannot be read
     */
    public static Path fromImage(Path image, Path path, long size, CreateMode mode) {
        DiskFormat format = DiskFormat.detect(image);
        long imageSize;
        try {
            imageSize = format == DiskFormat.QCOW2 ? Qcow2Image.virtualSizeOf(image) : Files.size(image);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + image, e);
        }
        if (size != 0 && size < imageSize) {
            throw new IllegalArgumentException(
                    "disk size " + size + " bytes is smaller than the image's " + imageSize + " bytes");
        }
        long target = DiskSize.requireValid(roundUpToSector(size == 0 ? imageSize : size));
        return NewImageFile.create(path, mode, "raw image", ch -> {
            if (format == DiskFormat.QCOW2) {
                copyQcow2(image, imageSize, ch);
            } else {
                copyRaw(image, ch);
            }
            if (ch.size() < target) {
                NewImageFile.writeFully(ch, ByteBuffer.allocate(1), target - 1);
            }
        });
    }

    private static void copyQcow2(Path image, long imageSize, FileChannel out) throws IOException {
        try (Qcow2Image qcow2 = Qcow2Image.open(image)) {
            if (qcow2.header().backingFile().isPresent()) {
                throw new ImageException(image + " is an overlay on "
                        + qcow2.header().backingFile().get() + ": make the raw disk from the backing image");
            }
            int clusterSize = qcow2.header().clusterSize();
            byte[] cluster = new byte[clusterSize];
            for (long offset = 0; offset < imageSize; offset += clusterSize) {
                if (!qcow2.isAllocated(offset)) {
                    continue;
                }
                int length = (int) Math.min(clusterSize, imageSize - offset);
                byte[] data = length == clusterSize ? cluster : new byte[length];
                qcow2.read(offset, data);
                writeUnlessZero(out, data, length, offset);
            }
        }
    }

    private static void copyRaw(Path image, FileChannel out) throws IOException {
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long offset = 0;
            while (true) {
                chunk.clear();
                int n = in.read(chunk, offset);
                if (n <= 0) {
                    break;
                }
                writeUnlessZero(out, chunk.array(), n, offset);
                offset += n;
            }
        }
    }

    private static void writeUnlessZero(FileChannel out, byte[] data, int length, long offset) throws IOException {
        for (int i = 0; i < length; i++) {
            if (data[i] != 0) {
                NewImageFile.writeFully(out, ByteBuffer.wrap(data, 0, length), offset);
                return;
            }
        }
    }

    private static long roundUpToSector(long size) {
        return (size + 511) / 512 * 512;
    }
}
