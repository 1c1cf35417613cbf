package org.vmm4j.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replacing a file so that readers see its old content or its new content, never a mix, and a crash
 * leaves one of the two: the new content goes to a temporary file in the target's directory, which is
 * forced to disk, renamed over the target in one step, and then the directory is forced so that the
 * rename itself is on disk. When writing fails the target is untouched and the temporary file is gone.
 *
 * <p>A replaced file keeps the target's POSIX permissions. A new one gets those of any newly created
 * file (the process umask applies), unless the caller names them.
 */
public final class AtomicFiles {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);
    /** Keeps the temporary file's name within NAME_MAX (255) whatever the target's name. */
    private static final int MAX_NAME_IN_TEMP = 100;

    private static final int NAME_ATTEMPTS = 100;

    /** Writes the new content into an empty file; positional writes are fine. */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    /** Replaces {@code target} (or creates it) with {@code content}. */
    public static void write(Path target, byte[] content) throws IOException {
        replace(target, channel -> {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }

    /** Replaces {@code target} (or creates it) with {@code content} in UTF-8. */
    public static void write(Path target, String content) throws IOException {
        write(target, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces {@code target} (or creates it) with what {@code content} writes. */
    public static void replace(Path target, Content content) throws IOException {
        replace(target, null, content);
    }

    /**
     * Replaces {@code target} (or creates it) with what {@code content} writes.
     *
     * @param newFileMode the permissions {@code target} gets when it does not exist yet; {@code null} for
     *                    those of any new file. Ignored on file systems without POSIX permissions.
     * @throws IOException what {@code content} threw, or why the file could not be written or renamed;
     *                     the target is then as it was
     */
    public static void replace(Path target, Set<PosixFilePermission> newFileMode, Content content) throws IOException {
        Path directory = directoryOf(target);
        String name = target.getFileName().toString();
        Path temp = null;
        FileChannel channel = null;
        for (int attempt = 1; channel == null; attempt++) {
            temp = directory.resolve("." + name.substring(0, Math.min(name.length(), MAX_NAME_IN_TEMP)) + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                // CREATE_NEW is O_CREAT|O_EXCL: never follows a symbolic link someone put in the way
                channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                if (attempt == NAME_ATTEMPTS) {
                    throw e;
                }
            }
        }
        try {
            try (FileChannel written = channel) {
                PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
                Set<PosixFilePermission> mode = view == null ? null : permissionsOf(target, newFileMode);
                if (mode != null) {
                    view.setPermissions(mode);
                }
                content.writeTo(written);
                written.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable t) {
            deleteAfterFailure(temp, t);
            throw t;
        }
        forceDirectory(directory);
    }

    /**
     * Moves the complete file {@code source} over {@code target} in one step: forces {@code source} to
     * disk, renames it (both must be on one file system), and forces the target's directory. For files
     * written in place before they are known to be complete, such as a resumable download.
     */
    public static void move(Path source, Path target) throws IOException {
        try (FileChannel channel = FileChannel.open(source, StandardOpenOption.READ)) {
            channel.force(true);
        }
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(directoryOf(target));
    }

    private static Path directoryOf(Path target) {
        Path directory = target.toAbsolutePath().getParent();
        if (directory == null) {
            throw new IllegalArgumentException("not a file in a directory: " + target);
        }
        return directory;
    }

    /** The permissions of {@code target}, or {@code otherwise} when it does not exist. */
    private static Set<PosixFilePermission> permissionsOf(Path target, Set<PosixFilePermission> otherwise)
            throws IOException {
        try {
            return Files.readAttributes(target, PosixFileAttributes.class).permissions();
        } catch (NoSuchFileException e) {
            return otherwise;
        }
    }

    /**
     * Makes the rename durable. Linux and the BSDs record a rename on disk when its directory is
     * fsync'ed; some file systems refuse that (several FUSE and network file systems answer EINVAL),
     * which is why a failure here is logged and not thrown: the file's content is on disk already and
     * the rename has happened, only its survival of a power loss is then up to the file system.
     */
    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            LOG.debug("cannot fsync directory {}: {}", directory, e.toString());
        }
    }

    private static void deleteAfterFailure(Path temp, Throwable failure) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
