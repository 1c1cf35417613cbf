package org.vmm4j.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.internal.AtomicFiles;

/**
 * A directory of extracted {@code vmlinux} images, each named by the SHA-256 of the bzImage it came
 * from, so a kernel is decompressed once. Entries are written to a temporary file and moved into
 * place, so concurrent users never see a partial file.
 */
public final class VmlinuxCache {

    private static final Logger LOG = LoggerFactory.getLogger(VmlinuxCache.class);

    private final Path directory;

    public VmlinuxCache(Path directory) {
        this.directory = directory;
    }

    /** The default cache: {@code $XDG_CACHE_HOME/vmm4j/vmlinux} or {@code ~/.cache/vmm4j/vmlinux}. */
    public static VmlinuxCache defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new VmlinuxCache(base.resolve("vmm4j").resolve("vmlinux"));
    }

    public Path directory() {
        return directory;
    }

    /** Where the vmlinux extracted from {@code bzImage} is (or would be) stored. */
    public Path pathFor(byte[] bzImage) {
        return directory.resolve(sha256(bzImage) + ".vmlinux");
    }

    /**
     * The vmlinux inside {@code bzImage}: read from the cache, or extracted and stored. A cache
     * that cannot be read or written costs time, not the boot: the image is then extracted (and
     * the failure logged).
     *
     * @throws BootException as {@link VmlinuxExtractor#extract} does
     */
    public byte[] vmlinux(byte[] bzImage) {
        Path file = pathFor(bzImage);
        try {
            if (Files.isRegularFile(file)) {
                byte[] cached = Files.readAllBytes(file);
                if (ElfKernel.looksLikeElf(cached)) {
                    return cached;
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read cached vmlinux {}: {}", file, e.toString());
        }
        byte[] elf = VmlinuxExtractor.extract(bzImage);
        try {
            store(file, elf);
        } catch (IOException e) {
            LOG.warn("cannot cache vmlinux in {}: {}", directory, e.toString());
        }
        return elf;
    }

    private void store(Path file, byte[] elf) throws IOException {
        Files.createDirectories(directory);
        AtomicFiles.write(file, elf);
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }
}
