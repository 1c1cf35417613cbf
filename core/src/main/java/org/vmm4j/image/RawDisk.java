package org.vmm4j.image;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
        try {
            if (mode == CreateMode.OVERWRITE) {
                Files.deleteIfExists(path);
            }
            // CREATE_NEW makes the existence check and the creation one atomic step.
            Files.newByteChannel(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                file.setLength(size);
            }
            return path;
        } catch (FileAlreadyExistsException e) {
            throw new ImageException("refusing to overwrite existing file " + path + " (use CreateMode.OVERWRITE)", e);
        } catch (IOException e) {
            throw new ImageException("cannot create raw image " + path + ": " + e.getMessage(), e);
        }
    }
}
