package org.vmm4j.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Writes empty qcow2 version 3 images in pure Java: the header (with a backing-format extension and
 * backing file name for overlays), a refcount table and blocks counting every metadata cluster, and a
 * zeroed L1 table. Nothing else is allocated: every guest cluster reads as zero, or from the backing
 * file for an overlay.
 */
public final class Qcow2Writer {
    private Qcow2Writer() {}

    /**
     * Creates the image described by {@code options} at {@code path}.
     *
     * @throws IllegalArgumentException when the size is not representable with the chosen cluster size
     * @throws ImageException when the file exists (unless overwriting was asked for) or cannot be written,
     *         or when the backing chain reaches {@code path} itself (checked before anything is written)
     */
    public static Path create(Path path, Qcow2Options options) {
        if (options.backingFile().isPresent()) {
            Path backing = Path.of(options.backingFile().get());
            Path parent = path.toAbsolutePath().getParent();
            refuseLoop(path, parent == null ? backing : parent.resolve(backing));
        }
        Qcow2Layout layout = Qcow2Layout.of(options.virtualSize(), options.clusterSize());
        ByteBuffer header = header(layout, options);
        return NewImageFile.create(path, options.createMode(), "qcow2 image", ch -> {
            NewImageFile.writeFully(ch, header, 0);
            writeRefcounts(ch, layout);
            // The L1 table stays zero (no L2 tables yet): extending the file leaves it sparse.
            if (ch.size() < layout.fileSize()) {
                NewImageFile.writeFully(ch, ByteBuffer.allocate(1), layout.fileSize() - 1);
            }
        });
    }

    /**
     * Creates a copy-on-write overlay on an existing image: its format is detected and, when
     * {@code virtualSize} is 0, the overlay takes the backing image's size. The backing path is stored
     * as given (absolute paths keep working when the overlay is moved).
     *
     * @throws ImageException when the backing image is missing, or when it is {@code path} itself or
     *         its backing chain reaches {@code path} or loops (same path, same file after resolving
     *         symbolic links, or the same inode): refused before anything is deleted or written
     */
    public static Path createOverlay(Path path, Path backing, long virtualSize, CreateMode mode) {
        refuseLoop(path, backing);
        if (!Files.isRegularFile(backing)) {
            throw new ImageException("backing image " + backing + " does not exist or is not a regular file");
        }
        DiskFormat format = DiskFormat.detect(backing);
        long size = virtualSize;
        if (size == 0) {
            size = format == DiskFormat.QCOW2 ? Qcow2Image.virtualSizeOf(backing) : sizeOf(backing);
        }
        Qcow2Options options = Qcow2Options.builder(size)
                .backingFile(backing.toString(), format)
                .createMode(mode)
                .build();
        return create(path, options);
    }

    /**
     * Writes the raw disk image {@code raw} as a qcow2 image of the same virtual size at {@code path}:
     * clusters that hold only zeros are left unallocated (they read as zero), every other cluster is
     * stored uncompressed. One pass over the raw file; the refcount structures go after the data.
     *
     * @throws IllegalArgumentException when the raw file's size is not a whole number of 512-byte sectors
     * @throws ImageException when {@code raw} cannot be read, or {@code path} exists (unless overwriting
     *         was asked for) or cannot be written; a failed write leaves no file at {@code path}
     */
    public static Path fromRaw(Path raw, Path path, CreateMode mode) {
        return Qcow2FromRaw.write(raw, path, mode);
    }

    /**
     * Walks the backing chain from {@code backing} (relative backing names resolve against the directory
     * of the image naming them, as in qemu) and refuses it when it reaches {@code image} or any file twice.
     * The walk ends at a file that is missing or not qcow2.
     */
    private static void refuseLoop(Path image, Path backing) {
        List<Path> chain = new ArrayList<>();
        Path current = backing;
        while (true) {
            if (sameFile(current, image)) {
                throw new ImageException("refusing to create " + image + ": its backing chain "
                        + describe(chain, current) + " reaches the image being written (a backing loop)");
            }
            for (Path seen : chain) {
                if (sameFile(current, seen)) {
                    throw new ImageException("refusing to create " + image + ": its backing chain "
                            + describe(chain, current) + " loops back to " + seen);
                }
            }
            chain.add(current);
            if (!Files.isRegularFile(current) || DiskFormat.detect(current) != DiskFormat.QCOW2) {
                return;
            }
            Optional<String> next;
            try (Qcow2Image qcow2 = Qcow2Image.openHeader(current)) {
                next = qcow2.header().backingFile();
            }
            if (next.isEmpty()) {
                return;
            }
            Path name = Path.of(next.get());
            Path dir = current.toAbsolutePath().getParent();
            current = dir == null ? name : dir.resolve(name);
        }
    }

    private static String describe(List<Path> chain, Path last) {
        StringBuilder b = new StringBuilder();
        for (Path p : chain) {
            b.append(p).append(" -> ");
        }
        return b.append(last).toString();
    }

    /** The same file: the same inode when both exist, else the same path once links and ".." are resolved. */
    private static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            throw new ImageException("cannot compare " + a + " with " + b + ": " + e.getMessage(), e);
        }
        return canonical(a).equals(canonical(b));
    }

    /** The real path of a file, or of its nearest existing ancestor with the rest appended. */
    private static Path canonical(Path p) {
        Path absolute = p.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(absolute));
        } catch (IOException e) {
            return absolute;
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new ImageException("cannot read the size of " + file + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuffer header(Qcow2Layout layout, Qcow2Options options) {
        return header(
                layout, layout.l1TableOffset(), layout.refcountTableOffset(), layout.refcountTableClusters(), options);
    }

    /**
     * The header cluster of an image with {@code layout}'s cluster size, virtual size and L1 size, and its
     * tables at the given offsets: images with data place their refcount structures after it.
     */
    static ByteBuffer header(
            Qcow2Layout layout,
            long l1TableOffset,
            long refcountTableOffset,
            long refcountTableClusters,
            Qcow2Options options) {
        ByteBuffer b = ByteBuffer.allocate(layout.clusterSize());
        b.putInt(0, Qcow2Header.MAGIC);
        b.putInt(4, 3);
        b.putInt(20, layout.clusterBits());
        b.putLong(24, layout.virtualSize());
        b.putInt(32, 0); // no encryption
        b.putInt(36, layout.l1Entries());
        b.putLong(40, l1TableOffset);
        b.putLong(48, refcountTableOffset);
        b.putInt(56, (int) refcountTableClusters);
        b.putInt(60, 0); // no snapshots
        b.putLong(64, 0);
        b.putLong(72, 0); // incompatible features: none (clean, not corrupt, no external data file)
        b.putLong(80, 0);
        b.putLong(88, 0);
        b.putInt(96, Qcow2Layout.REFCOUNT_ORDER);
        b.putInt(100, Qcow2Header.V3_HEADER_LENGTH);
        int pos = Qcow2Header.V3_HEADER_LENGTH;
        if (options.backingFile().isPresent()) {
            byte[] format = options.backingFormat().orElseThrow().qemuName().getBytes(StandardCharsets.US_ASCII);
            b.putInt(pos, Qcow2Header.EXT_BACKING_FORMAT);
            b.putInt(pos + 4, format.length);
            b.put(pos + 8, format);
            pos += 8 + ((format.length + 7) & ~7);
        }
        b.putInt(pos, Qcow2Header.EXT_END);
        b.putInt(pos + 4, 0);
        pos += 8;
        if (options.backingFile().isPresent()) {
            byte[] name = options.backingFile().get().getBytes(StandardCharsets.UTF_8);
            if (pos + name.length > layout.clusterSize()) {
                throw new IllegalArgumentException("backing file name of " + name.length + " bytes does not fit in the "
                        + layout.clusterSize() + "-byte header cluster; use a larger cluster size or a shorter path");
            }
            b.putLong(8, pos);
            b.putInt(16, name.length);
            b.put(pos, name);
        }
        return b;
    }

    private static void writeRefcounts(FileChannel ch, Qcow2Layout layout) throws IOException {
        int clusterSize = layout.clusterSize();
        ByteBuffer table = ByteBuffer.allocate((int) (layout.refcountTableClusters() * clusterSize));
        for (long i = 0; i < layout.refcountBlocks(); i++) {
            table.putLong((int) (i * 8), layout.refcountBlockOffset(i));
        }
        NewImageFile.writeFully(ch, table.rewind(), layout.refcountTableOffset());
        int perBlock = clusterSize / 2;
        long remaining = layout.totalClusters();
        for (long i = 0; i < layout.refcountBlocks(); i++) {
            ByteBuffer block = ByteBuffer.allocate(clusterSize);
            for (int j = 0; j < perBlock && remaining > 0; j++, remaining--) {
                block.putShort(j * 2, (short) 1);
            }
            NewImageFile.writeFully(ch, block.rewind(), layout.refcountBlockOffset(i));
        }
    }
}
