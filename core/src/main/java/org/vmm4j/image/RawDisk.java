package org.vmm4j.image;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Raw disk images: a sparse file of the virtual size, so nothing is allocated until the guest writes. */
public final class RawDisk {
    private RawDisk() {
    }

    /**
     * Creates a sparse raw image of {@code size} bytes.
     *
     * @throws IllegalArgumentException when the size is not positive or not a multiple of 512 bytes
     * @throws ImageException when the file exists (and mode is {@link CreateMode#FAIL_IF_EXISTS}) or cannot be written
     */
    public static Path create(Path path, long size, CreateMode mode) {
        DiskSize.requireValid(size);
        // One zero byte at the end sets the length; everything before it stays a hole.
        return NewImageFile.create(path, mode, "raw image",
                ch -> NewImageFile.writeFully(ch, ByteBuffer.allocate(1), size - 1));
    }
}
