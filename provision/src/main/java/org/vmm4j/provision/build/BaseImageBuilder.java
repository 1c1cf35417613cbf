package org.vmm4j.provision.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.host.Progress;
import org.vmm4j.host.ProgressListener;
import org.vmm4j.image.CreateMode;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.provision.ProvisionMessages;
import org.vmm4j.text.Message;

/**
 * Builds a bootable base image from packages, for hosts that cannot download a cloud image, and keeps it
 * in a cache keyed by {@link BaseImageRecipe#cacheKey()}: a second build of the same recipe is a cache hit
 * that runs nothing. The recipe, top to bottom:
 *
 * <ol>
 *   <li>{@code mmdebstrap --mode=root --variant=minbase --include=…} installs the packages into a
 *       directory tree (measured: 77 s on an idle 2-core host for Debian 12, 790 MB);
 *   <li>the tree is checked (its os-release names the suite, every recipe package is installed according
 *       to its dpkg database, {@code /boot} has a kernel and its initrd) and made into an image: an fstab
 *       for the root file system, no SSH host keys (cloud-init makes each guest its own at first boot, so
 *       no two guests share a private key), no copy of the build host's resolv.conf or host name;
 *   <li>the kernel and initrd are copied out of {@code /boot};
 *   <li>{@code mke2fs -t ext4 -d TREE} makes the root file system from the tree, as an unprivileged
 *       file (4 s for 2 GiB);
 *   <li>{@link Qcow2Writer#fromRaw} writes it as qcow2 (no qemu-img at run time);
 *   <li>the build directory is renamed into the cache in one step.
 * </ol>
 *
 * <p><b>Direct kernel boot, not a boot loader.</b> The disk is a bare ext4 file system (no partition
 * table, no GRUB), and the guest boots the image's own kernel and initrd, exported next to the disk, with
 * {@link #KERNEL_COMMAND_LINE} ({@link BuiltImage#bootSpec()}, libvirt's {@code <os><kernel>}). Installing
 * GRUB needs a partitioned loop device or a GRUB image assembled by hand, both root-only host state with
 * their own failure modes, and buys nothing the workflow needs: libvirt, QEMU and bhyve's firmware-less
 * loaders all boot a kernel directly, and the build stays a pure function of the package list. The cost is
 * that a kernel upgrade inside the guest takes effect only when the image is rebuilt; cloud-init still
 * grows the file system when the guest's disk is larger (a whole-disk file system needs no growpart).
 *
 * <p><b>Root.</b> mmdebstrap's root mode runs the packages' maintainer scripts in a chroot, and mke2fs
 * copies the tree's owners into the file system, so the build runs as root and refuses otherwise with a
 * message saying so. (Unshare mode would extract the tree under subordinate ids, which mke2fs 1.47.0 would
 * copy into the image as they are.) Nothing else needs root: the cache, mke2fs's output and the qcow2
 * writer work on plain files.
 *
 * <p>Everything of a failed build (the tree, the raw file system, partial files) is deleted, and the cache
 * is unchanged; a tree under which something is still mounted is never deleted (the error says where).
 */
public final class BaseImageBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(BaseImageBuilder.class);

    /** The command line of {@link BuiltImage#bootSpec()}: the disk is the first virtio disk, the console the first serial port. */
    public static final String KERNEL_COMMAND_LINE = "root=/dev/vda rw console=ttyS0";
    /** The ext4 label of the root file system, which the image's fstab mounts by. */
    public static final String ROOT_LABEL = "vmm4j-root";

    static final String MMDEBSTRAP = "mmdebstrap";
    static final String MKE2FS = "mke2fs";
    private static final Map<String, String> APT_PACKAGES = Map.of(MMDEBSTRAP, "mmdebstrap", MKE2FS, "e2fsprogs");

    private static final int STEPS = 6;
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(60);
    private static final Duration MKE2FS_TIMEOUT = Duration.ofMinutes(10);

    /** mmdebstrap's "I:" lines in the order it prints them, with how far the install step is then. */
    private static final List<Map.Entry<String, Double>> INSTALL_PHASES = List.of(
            Map.entry("running apt-get update", 0.05),
            Map.entry("downloading packages", 0.15),
            Map.entry("extracting archives", 0.35),
            Map.entry("installing essential packages", 0.45),
            Map.entry("installing remaining packages", 0.6),
            Map.entry("cleaning package lists", 0.95));

    private final Path cache;
    private final List<Path> searchPath;
    private final BooleanSupplier runningAsRoot;

    /** A builder keeping its images in {@code cacheDirectory} (created when needed). */
    public BaseImageBuilder(Path cacheDirectory) {
        this(cacheDirectory, HostProgram.defaultSearchPath(), BaseImageBuilder::effectiveUidIsRoot);
    }

    /** With the directories programs are looked up in, and the root check, given (tests). */
    BaseImageBuilder(Path cacheDirectory, List<Path> searchPath, BooleanSupplier runningAsRoot) {
        this.cache = Objects.requireNonNull(cacheDirectory, "cacheDirectory");
        this.searchPath = List.copyOf(searchPath);
        this.runningAsRoot = Objects.requireNonNull(runningAsRoot, "runningAsRoot");
    }

    /** The default cache: {@code $XDG_CACHE_HOME/vmm4j/base-images}, or {@code ~/.cache/vmm4j/base-images}. */
    public static Path defaultCacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("vmm4j").resolve("base-images");
    }

    /** The cache directory. */
    public Path cacheDirectory() {
        return cache;
    }

    /** Where the image of {@code recipe} is, or will be, published. */
    public Path directoryOf(BaseImageRecipe recipe) {
        return cache.resolve(recipe.cacheKey());
    }

    /**
     * The cached image of {@code recipe}, if a complete one is there.
     *
     * @throws ImageBuildException when the cache cannot be read
     */
    public Optional<BuiltImage> cached(BaseImageRecipe recipe) {
        try {
            return Optional.ofNullable(BuiltImage.read(directoryOf(recipe))).map(BuiltImage::asCached);
        } catch (IOException e) {
            throw new ImageBuildException("cannot read the cached image " + directoryOf(recipe) + ": " + e, e);
        }
    }

    private static Message text(String key, Object... arguments) {
        return ProvisionMessages.CATALOG.message(key, arguments);
    }

    /**
     * The image of {@code recipe}: from the cache when it is there (nothing runs), else built and published.
     *
     * @param listener receives the steps of a build (six), or one step when the image is cached
     * @throws ImageBuildException when a program is missing, the process is not root, a program fails, or
     *         the built tree lacks something; nothing of the build is left behind
     */
    public BuiltImage build(BaseImageRecipe recipe, ProgressListener listener) {
        Optional<BuiltImage> hit = cached(recipe);
        if (hit.isPresent()) {
            listener.onProgress(new Progress(
                    text("build.step.cached"),
                    1,
                    1,
                    1.0,
                    Message.literal(hit.get().directory().toString())));
            return hit.get();
        }
        long start = System.nanoTime();
        Message checkHost = text("build.step.check-host");
        listener.onProgress(new Progress(checkHost, 1, STEPS, -1, Message.literal("mmdebstrap, mke2fs, root")));
        HostProgram mmdebstrap = program(MMDEBSTRAP);
        HostProgram mke2fs = program(MKE2FS);
        if (!runningAsRoot.getAsBoolean()) {
            throw new ImageBuildException("building a base image needs root: mmdebstrap --mode=root runs the"
                    + " packages' maintainer scripts in a chroot, and mke2fs -d copies the tree's owners (root)"
                    + " into the file system; run it as root (sudo), or use a downloaded catalog image");
        }
        listener.onProgress(new Progress(checkHost, 1, STEPS, 1.0, text("build.ok")));
        Path work = createWorkDirectory(recipe);
        try {
            Path tree = work.resolve("tree");
            Path out = Files.createDirectory(work.resolve("image"));
            Path raw = work.resolve("root.ext4");

            installPackages(mmdebstrap, recipe, tree, listener);

            Message prepare = text("build.step.prepare-tree");
            listener.onProgress(new Progress(prepare, 3, STEPS, -1, text("build.check-tree")));
            Map<String, String> installed = ImageTree.check(tree, recipe);
            ImageTree.customize(tree);
            ImageTree.copyKernel(tree, out.resolve(BuiltImage.KERNEL_FILE), out.resolve(BuiltImage.INITRD_FILE));
            listener.onProgress(new Progress(prepare, 3, STEPS, 1.0, text("build.packages", installed.size())));

            Message makeFs = text("build.step.make-fs");
            listener.onProgress(new Progress(makeFs, 4, STEPS, -1, Message.literal("mke2fs -t ext4")));
            mke2fs.run(mke2fsArguments(recipe, tree, raw), MKE2FS_TIMEOUT, line -> {});
            deleteTree(tree);
            listener.onProgress(new Progress(makeFs, 4, STEPS, 1.0, text("progress.mib", recipe.rootSize() >> 20)));

            Message writeQcow2 = text("build.step.write-qcow2");
            listener.onProgress(new Progress(writeQcow2, 5, STEPS, -1, Message.literal(BuiltImage.DISK_FILE)));
            Path disk = Qcow2Writer.fromRaw(raw, out.resolve(BuiltImage.DISK_FILE), CreateMode.FAIL_IF_EXISTS);
            Files.delete(raw);
            listener.onProgress(new Progress(writeQcow2, 5, STEPS, 1.0, text("progress.mib", Files.size(disk) >> 20)));

            Message publish = text("build.step.publish");
            listener.onProgress(new Progress(
                    publish, 6, STEPS, -1, Message.literal(directoryOf(recipe).toString())));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            BuiltImage.writeManifest(out, recipe, KERNEL_COMMAND_LINE, installed, took);
            BuiltImage published = publish(out, recipe);
            listener.onProgress(new Progress(
                    publish,
                    6,
                    STEPS,
                    1.0,
                    Message.literal(published.directory().toString())));
            return published;
        } catch (IOException e) {
            ImageBuildException failure =
                    new ImageBuildException("building " + recipe.name() + " in " + work + " failed: " + e, e);
            deleteAfterFailure(work, failure);
            throw failure;
        } catch (RuntimeException | Error e) {
            deleteAfterFailure(work, e);
            throw e;
        } finally {
            if (Files.exists(work)) {
                deleteQuietly(work);
            }
        }
    }

    /**
     * mmdebstrap's arguments: root mode, the minbase variant, the recipe's architecture and packages, a
     * directory as output, then suite, target and mirror. This is the contract with mmdebstrap.
     */
    static List<String> mmdebstrapArguments(BaseImageRecipe recipe, Path tree) {
        return List.of(
                "--mode=root",
                "--format=directory",
                "--variant=minbase",
                "--architectures=" + recipe.architecture(),
                "--include=" + String.join(",", recipe.packages()),
                recipe.suite(),
                tree.toString(),
                recipe.mirror().toString());
    }

    /**
     * mke2fs's arguments: quietly ({@code -q}) into a new regular file ({@code -F}), ext4 labelled
     * {@link #ROOT_LABEL}, populated from the tree ({@code -d}), of the recipe's size in KiB.
     */
    static List<String> mke2fsArguments(BaseImageRecipe recipe, Path tree, Path raw) {
        return List.of(
                "-q",
                "-F",
                "-t",
                "ext4",
                "-L",
                ROOT_LABEL,
                "-d",
                tree.toString(),
                raw.toString(),
                (recipe.rootSize() / 1024) + "k");
    }

    private HostProgram program(String name) {
        return HostProgram.find(name, APT_PACKAGES.get(name), searchPath);
    }

    private static void installPackages(
            HostProgram mmdebstrap, BaseImageRecipe recipe, Path tree, ProgressListener listener) {
        Message step = text("build.step.install-packages");
        listener.onProgress(new Progress(
                step, 2, STEPS, 0.0, text("build.packages", recipe.packages().size())));
        double[] fraction = {0.0};
        mmdebstrap.run(mmdebstrapArguments(recipe, tree), INSTALL_TIMEOUT, line -> {
            for (Map.Entry<String, Double> phase : INSTALL_PHASES) {
                if (line.contains(phase.getKey())) {
                    fraction[0] = Math.max(fraction[0], phase.getValue());
                }
            }
            if (line.startsWith("I: ") || line.startsWith("W: ") || line.startsWith("E: ")) {
                listener.onProgress(new Progress(step, 2, STEPS, fraction[0], Message.literal(line.substring(3))));
            }
        });
        listener.onProgress(new Progress(step, 2, STEPS, 1.0, text("build.done")));
    }

    private Path createWorkDirectory(BaseImageRecipe recipe) {
        try {
            Files.createDirectories(cache);
            return Files.createTempDirectory(
                    cache, ".build-" + recipe.cacheKey().substring(0, 12) + "-");
        } catch (IOException e) {
            throw new ImageBuildException("cannot create a build directory in " + cache + ": " + e, e);
        }
    }

    /**
     * Renames the finished image directory to its place in the cache. A complete image already there (a
     * concurrent build of the same recipe) wins and ours is discarded; a damaged entry is replaced.
     */
    private BuiltImage publish(Path out, BaseImageRecipe recipe) throws IOException {
        Path target = directoryOf(recipe);
        BuiltImage existing = BuiltImage.read(target);
        if (existing != null) {
            return existing.asCached();
        }
        if (Files.exists(target)) {
            deleteTree(target);
        }
        try {
            Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            BuiltImage raced = BuiltImage.read(target);
            if (raced != null) {
                return raced.asCached();
            }
            throw e;
        } catch (AtomicMoveNotSupportedException e) {
            throw new ImageBuildException("cannot publish " + out + " as " + target + " in one step: " + e, e);
        }
        BuiltImage published = BuiltImage.read(target);
        if (published == null) {
            throw new ImageBuildException("the image published in " + target + " is incomplete");
        }
        return published;
    }

    private static void deleteAfterFailure(Path work, Throwable failure) {
        try {
            deleteTree(work);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static void deleteQuietly(Path work) {
        try {
            deleteTree(work);
        } catch (IOException | RuntimeException e) {
            // the build's own outcome is what the caller needs; a leftover build directory is named in the log
            LOG.warn("cannot delete the build directory {}", work, e);
        }
    }

    /**
     * Deletes {@code dir} and everything in it without following symbolic links, after checking that
     * nothing is mounted under it (mmdebstrap mounts /proc, /sys and /dev in the tree while it runs, and
     * deleting through such a mount would delete the host's files).
     */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Path real = dir.toRealPath();
        for (Path mount : Mounts.mountPoints()) {
            if (mount.startsWith(real)) {
                throw new ImageBuildException(mount + " is still mounted inside " + real
                        + ": not deleting it; unmount it (umount -R " + mount + ") and delete " + real);
            }
        }
        Files.walkFileTree(real, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Whether the effective user id in {@code /proc/self/status} is 0 ({@code user.name} where there is no /proc). */
    static boolean effectiveUidIsRoot() {
        Path status = Path.of("/proc/self/status");
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).trim().split("\\s+");
                    return ids.length > 1 && ids[1].equals("0");
                }
            }
        } catch (IOException e) {
            return "root".equals(System.getProperty("user.name"));
        }
        return "root".equals(System.getProperty("user.name"));
    }
}
