package org.vmm4j.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Creating an image file the same way for every format: an existing file is replaced only under
 * {@link CreateMode#OVERWRITE}, the existence check and creation are one atomic step, and a file
 * this call created is removed again if writing it fails, so no half-written image looks usable.
 */
final class NewImageFile {
    /** Writes the content of a freshly created, empty file. */
    @FunctionalInterface
    interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    private NewImageFile() {
    }

    static Path create(Path path, CreateMode mode, String what, Content content) {
        FileChannel channel;
        try {
            if (mode == CreateMode.OVERWRITE) {
                Files.deleteIfExists(path);
            }
            channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new ImageException("refusing to overwrite existing file " + path + " (use CreateMode.OVERWRITE)", e);
        } catch (IOException e) {
            throw new ImageException("cannot create " + what + " " + path + ": " + e.getMessage(), e);
        }
        boolean complete = false;
        try (channel) {
            content.writeTo(channel);
            complete = true;
            return path;
        } catch (IOException e) {
            throw new ImageException("cannot write " + what + " " + path + ": " + e.getMessage(), e);
        } finally {
            if (!complete) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // The write error above is the one worth reporting.
                }
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
