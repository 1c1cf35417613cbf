package org.vmm4j.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmm4j.internal.AtomicFiles;

/**
 * Creating an image file the same way for every format: an existing file is replaced only under
 * {@link CreateMode#OVERWRITE}, and then in one step ({@link AtomicFiles}), so a failed or interrupted
 * write leaves the old file as it was and no half-written image ever looks usable. Under
 * {@link CreateMode#FAIL_IF_EXISTS} the name is claimed first with an atomic create, so two writers
 * cannot both create it; the image then replaces that empty placeholder, which is removed again if
 * writing fails.
 */
final class NewImageFile {
    private NewImageFile() {}

    static Path create(Path path, CreateMode mode, String what, AtomicFiles.Content content) {
        boolean claimed = mode != CreateMode.OVERWRITE && claim(path, what);
        boolean[] writing = {false};
        try {
            AtomicFiles.replace(path, channel -> {
                writing[0] = true;
                content.writeTo(channel);
            });
            return path;
        } catch (IOException e) {
            removePlaceholder(claimed, path, e);
            throw new ImageException(
                    "cannot " + (writing[0] ? "write " : "create ") + what + " " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            removePlaceholder(claimed, path, e);
            throw e;
        }
    }

    /** Creates the empty placeholder: the check that nothing is there and the creation are one step. */
    private static boolean claim(Path path, String what) {
        try {
            Files.createFile(path);
            return true;
        } catch (FileAlreadyExistsException e) {
            throw new ImageException("refusing to overwrite existing file " + path + " (use CreateMode.OVERWRITE)", e);
        } catch (IOException e) {
            throw new ImageException("cannot create " + what + " " + path + ": " + e.getMessage(), e);
        }
    }

    private static void removePlaceholder(boolean claimed, Path path, Throwable failure) {
        if (claimed) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Writes all of {@code buf} at {@code position}. */
    static void writeFully(FileChannel channel, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
    }
}
