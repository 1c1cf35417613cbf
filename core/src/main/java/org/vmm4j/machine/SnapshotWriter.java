package org.vmm4j.machine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.vmm4j.GuestMemory;

/**
 * Publishes a snapshot directory whole or not at all: both files are written and forced to disk in a new
 * directory next to the target, which is then renamed to the target (a snapshot already there is moved
 * aside first and deleted after).
 */
final class SnapshotWriter {
    private SnapshotWriter() {}

    /** What was published, and the state file's checksum (what an incremental snapshot names its parent by). */
    @SuppressWarnings("ArrayRecordComponent") // package-private: the bytes are never handed out to users
    record Published(SnapshotResult result, byte[] digest) {}

    /**
     * Writes the snapshot {@code contents} of a machine with RAM {@code ram} into {@code dir}: all of RAM's
     * non-zero pages, or with {@code pages} (one bit per page of the memory file) only the marked ones.
     */
    static Published publish(Path dir, SnapshotFile.Contents contents, List<GuestMemory> ram, long[] pages) {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) {
            throw new SnapshotException("a snapshot cannot be the root directory");
        }
        Path partial = null;
        try {
            Files.createDirectories(parent);
            checkReplaceable(target);
            partial = Files.createTempDirectory(parent, "." + target.getFileName() + ".partial-");
            Path memoryFile = partial.resolve(SnapshotFile.MEMORY_FILE);
            SnapshotMemory.Written memory = pages == null
                    ? SnapshotMemory.write(ram, memoryFile)
                    : SnapshotMemory.writePages(ram, pages, memoryFile);
            byte[] state = SnapshotFile.encode(contents);
            try (FileChannel ch = FileChannel.open(
                    partial.resolve(SnapshotFile.STATE_FILE),
                    StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(state);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Path old = null;
            if (Files.exists(target)) {
                old = parent.resolve("." + target.getFileName() + ".old-" + System.nanoTime());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            partial = null;
            if (old != null) {
                deleteSnapshot(old);
            }
            return new Published(
                    new SnapshotResult(
                            target, state.length, memory.length(), memory.dataBytes(), Duration.ZERO, Duration.ZERO),
                    Arrays.copyOfRange(state, state.length - SnapshotFile.DIGEST_BYTES, state.length));
        } catch (IOException e) {
            throw new SnapshotException("cannot write the snapshot " + target + ": " + e, e);
        } finally {
            if (partial != null) {
                try {
                    deleteSnapshot(partial);
                } catch (IOException ignored) {
                    // the failure being reported matters more than the leftover
                }
            }
        }
    }

    /** A target that exists must be a snapshot (or empty): a snapshot never replaces other files. */
    private static void checkReplaceable(Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new SnapshotException(target + " exists and is not a directory");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (!name.equals(SnapshotFile.STATE_FILE) && !name.equals(SnapshotFile.MEMORY_FILE)) {
                    throw new SnapshotException(
                            target + " holds " + name + ", which is not part of a snapshot: not replacing it");
                }
            }
        }
    }

    private static void deleteSnapshot(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(SnapshotFile.STATE_FILE));
        Files.deleteIfExists(dir.resolve(SnapshotFile.MEMORY_FILE));
        Files.deleteIfExists(dir);
    }
}
