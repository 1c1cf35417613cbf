package org.vmm4j.openbsd.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.vmm4j.internal.AtomicFiles;

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
            return Files.exists(path)
                    ? VmConfParser.parse(Files.readString(path, StandardCharsets.UTF_8))
                    : VmConf.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** Replaces the file with {@code conf} (mode 0644 for a new file, as vm.conf is installed). */
    public void write(VmConf conf) {
        ByteBuffer content = ByteBuffer.wrap(conf.render().getBytes(StandardCharsets.UTF_8));
        try {
            AtomicFiles.replace(path, PosixFilePermissions.fromString("rw-r--r--"), ch -> {
                while (content.hasRemaining()) {
                    ch.write(content);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }
}
