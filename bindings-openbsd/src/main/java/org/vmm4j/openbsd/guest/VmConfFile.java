package org.vmm4j.openbsd.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code /etc/vm.conf} on disk: read, and replaced atomically (a temporary file in the same
 * directory, synced, then renamed over the old one), so vmd never reads a half-written file.
 */
public final class VmConfFile {
    public static final Path DEFAULT = Path.of("/etc/vm.conf");

    private final Path path;

    public VmConfFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /** The configuration, or an empty one when the file does not exist. */
    public VmConf read() {
        try {
            return Files.exists(path) ? VmConfParser.parse(Files.readString(path, StandardCharsets.UTF_8))
                    : VmConf.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** Replaces the file with {@code conf} (mode 0644 for a new file, as vm.conf is installed). */
    public void write(VmConf conf) {
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, ".vm.conf.", ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, Files.exists(path) ? Files.getPosixFilePermissions(path)
                        : PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep the default mode
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(conf.render().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
