package org.vmm4j.provision.build;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import org.vmm4j.guest.BootSpec;

/**
 * A built base image in its cache directory: the qcow2 disk (one ext4 file system, no partition table),
 * the kernel and initrd taken from the image's own {@code /boot}, and the command line to boot them with.
 * The image is booted directly ({@link #bootSpec()}): the disk holds no boot loader.
 *
 * @param directory         the image's cache directory
 * @param disk              the qcow2 image
 * @param kernel            the image's kernel ({@code vmlinuz})
 * @param initrd            the image's initramfs, which finds the root file system on a virtio disk
 * @param kernelCommandLine what to boot the kernel with ({@code root=/dev/vda rw console=ttyS0})
 * @param cacheKey          the recipe's {@link BaseImageRecipe#cacheKey()}
 * @param recipeName        the recipe's name ({@code debian-12})
 * @param packages          the packages installed in the image, with their versions
 * @param buildTime         how long the build took when it ran
 * @param cached            whether this call found the image in the cache (nothing ran)
 */
public record BuiltImage(
        Path directory,
        Path disk,
        Path kernel,
        Path initrd,
        String kernelCommandLine,
        String cacheKey,
        String recipeName,
        Map<String, String> packages,
        Duration buildTime,
        boolean cached) {

    /** The file naming everything else; written last, so a directory that has it is complete. */
    static final String MANIFEST = "image.properties";
    /** The installed packages, {@code name version} a line. */
    static final String PACKAGES = "packages.txt";

    static final String DISK_FILE = "disk.qcow2";
    static final String KERNEL_FILE = "vmlinuz";
    static final String INITRD_FILE = "initrd.img";

    public BuiltImage {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(kernelCommandLine, "kernelCommandLine");
        packages = Map.copyOf(packages);
    }

    /** How a managed guest boots this image: its own kernel and initrd, loaded directly. */
    public BootSpec bootSpec() {
        return BootSpec.kernel(kernel.toString(), initrd.toString(), kernelCommandLine);
    }

    /** The same image, marked as found in the cache. */
    BuiltImage asCached() {
        return new BuiltImage(
                directory, disk, kernel, initrd, kernelCommandLine, cacheKey, recipeName, packages, buildTime, true);
    }

    /** Writes the manifest and the package list into {@code dir} (a build directory, before it is published). */
    static void writeManifest(
            Path dir, BaseImageRecipe recipe, String cmdline, Map<String, String> packages, Duration buildTime)
            throws IOException {
        StringBuilder list = new StringBuilder();
        new TreeMap<>(packages)
                .forEach((name, version) ->
                        list.append(name).append(' ').append(version).append('\n'));
        Files.writeString(dir.resolve(PACKAGES), list, StandardCharsets.UTF_8);
        Properties p = new Properties();
        p.setProperty("recipe", recipe.name());
        p.setProperty("cache-key", recipe.cacheKey());
        p.setProperty("disk", DISK_FILE);
        p.setProperty("kernel", KERNEL_FILE);
        p.setProperty("initrd", INITRD_FILE);
        p.setProperty("cmdline", cmdline);
        p.setProperty("build-millis", Long.toString(buildTime.toMillis()));
        StringWriter text = new StringWriter();
        p.store(text, recipe.cacheKeyText().replace('\n', ' ').strip());
        Files.writeString(dir.resolve(MANIFEST), text.toString(), StandardCharsets.UTF_8);
    }

    /**
     * The image published in {@code dir}, or {@code null} when {@code dir} has no manifest or misses one of
     * the files it names (an incomplete or damaged entry).
     */
    static BuiltImage read(Path dir) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        Path disk = dir.resolve(p.getProperty("disk", DISK_FILE));
        Path kernel = dir.resolve(p.getProperty("kernel", KERNEL_FILE));
        Path initrd = dir.resolve(p.getProperty("initrd", INITRD_FILE));
        String cmdline = p.getProperty("cmdline");
        if (cmdline == null
                || !Files.isRegularFile(disk)
                || !Files.isRegularFile(kernel)
                || !Files.isRegularFile(initrd)
                || !Files.isRegularFile(dir.resolve(PACKAGES))) {
            return null;
        }
        Map<String, String> packages = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve(PACKAGES), StandardCharsets.UTF_8)) {
            int space = line.indexOf(' ');
            if (space > 0) {
                packages.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        long millis;
        try {
            millis = Long.parseLong(p.getProperty("build-millis", "0"));
        } catch (NumberFormatException e) {
            millis = 0;
        }
        return new BuiltImage(
                dir,
                disk,
                kernel,
                initrd,
                cmdline,
                p.getProperty("cache-key", dir.getFileName().toString()),
                p.getProperty("recipe", ""),
                packages,
                Duration.ofMillis(millis),
                false);
    }
}
