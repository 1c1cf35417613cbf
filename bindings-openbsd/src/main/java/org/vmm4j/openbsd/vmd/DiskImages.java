package org.vmm4j.openbsd.vmd;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code vmctl create}: disk images for vmd, made locally (vmctl sends vmd nothing for this).
 * Raw images are sparse files. qcow2 images are not written here: vmm4j's pure-Java qcow2 writer
 * belongs in core ({@code org.vmm4j.image}) and is not available to this module yet.
 */
public final class DiskImages {
    /** vmd rounds disk sizes to megabytes (vmctl {@code -s} takes a size in bytes with a unit). */
    public static final long UNIT = 1L << 20;

    private DiskImages() {
    }

    /**
     * Creates a sparse raw image of {@code sizeBytes} (rounded up to a megabyte), refusing to
     * overwrite an existing file, as {@code vmctl create -s size disk.img} does.
     */
    public static void createRaw(Path path, long sizeBytes) {
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("disk size must be positive: " + sizeBytes);
        }
        long size = (sizeBytes + UNIT - 1) / UNIT * UNIT;
        try {
            Files.createFile(path);
            try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
                file.setLength(size);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException("disk image " + path + " already exists", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create disk image " + path, e);
        }
    }

    /**
     * {@code vmctl create -s size disk.qcow2} / {@code -b base}.
     *
     * @throws UnsupportedOperationException always, until core's qcow2 writer is available
     */
    public static void createQcow2(Path path, long sizeBytes, Path base) {
        // TODO: delegate to core's pure-Java qcow2 writer (org.vmm4j.image) once it lands.
        throw new UnsupportedOperationException("qcow2 images need vmm4j's qcow2 writer (not yet in core); "
                + "create a raw image, or run vmctl create -s " + sizeBytes + " " + path);
    }
}
