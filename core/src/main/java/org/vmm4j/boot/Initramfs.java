package org.vmm4j.boot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

/**
 * Builds an initramfs: a cpio "newc" archive (what the kernel's initramfs unpacker reads), as it is or
 * gzip-compressed ({@link Compression}). Entries come from a host directory or are added in memory:
 * files, directories, symbolic links and device nodes. Missing parent directories are added (mode
 * 0755). Owners are root and timestamps are 0, so the same entries always give the same bytes.
 */
public final class Initramfs {

    /**
     * How {@link #build()} packs the archive. The default is {@link #NONE}: an in-process VMM copies the
     * initramfs into guest memory, so its size costs next to nothing, while inflating it costs the guest
     * kernel real time before init (about 100 s for a busybox initramfs where guest code is emulated), and
     * every kernel with {@code CONFIG_BLK_DEV_INITRD} reads an uncompressed cpio, whatever decompressors
     * it was built with.
     */
    public enum Compression {
        /** The cpio archive as it is; it starts with the newc magic {@code 070701}. */
        NONE,
        /** gzip ({@code CONFIG_RD_GZIP} in the guest kernel): about half the size of a busybox initramfs. */
        GZIP
    }

    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    private static final int S_IFMT = 0170000;

    @SuppressWarnings("ArrayRecordComponent") // file content, never compared or hashed
    private record Entry(String path, int mode, byte[] content, int rdevMajor, int rdevMinor) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private Compression compression = Compression.NONE;

    private Initramfs() {}

    public static Initramfs builder() {
        return new Initramfs();
    }

    /**
     * An uncompressed initramfs with the contents of {@code directory} (regular files, directories,
     * symlinks, device nodes).
     */
    public static byte[] fromDirectory(Path directory) {
        return fromDirectory(directory, Compression.NONE);
    }

    /** An initramfs with the contents of {@code directory}, packed as {@code compression} says. */
    public static byte[] fromDirectory(Path directory, Compression compression) {
        return builder().compression(compression).addTree(directory, "").build();
    }

    /** How {@link #build()} packs the archive (default {@link Compression#NONE}). */
    public Initramfs compression(Compression compression) {
        this.compression = Objects.requireNonNull(compression, "compression");
        return this;
    }

    /** Adds a directory ({@code permissions} such as 0755). */
    public Initramfs directory(String path, int permissions) {
        return add(path, S_IFDIR | (permissions & 07777), new byte[0], 0, 0);
    }

    /** Adds a regular file ({@code permissions} such as 0755 for an executable). */
    public Initramfs file(String path, byte[] content, int permissions) {
        return add(path, S_IFREG | (permissions & 07777), content.clone(), 0, 0);
    }

    /** Adds a regular file with text content. */
    public Initramfs file(String path, String content, int permissions) {
        return file(path, content.getBytes(StandardCharsets.UTF_8), permissions);
    }

    /** Adds a symbolic link to {@code target}. */
    public Initramfs symlink(String path, String target) {
        return add(path, S_IFLNK | 0777, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    /** Adds a character device node, e.g. {@code /dev/console} is 5:1. */
    public Initramfs characterDevice(String path, int major, int minor, int permissions) {
        return add(path, S_IFCHR | (permissions & 07777), new byte[0], major, minor);
    }

    /** Adds a block device node. */
    public Initramfs blockDevice(String path, int major, int minor, int permissions) {
        return add(path, S_IFBLK | (permissions & 07777), new byte[0], major, minor);
    }

    /**
     * Adds everything under {@code directory} below {@code prefix} ("" for the root), without
     * following symbolic links.
     *
     * @throws UncheckedIOException if the tree cannot be read
     * @throws IllegalArgumentException for a file type cpio cannot carry (socket, FIFO)
     */
    public Initramfs addTree(Path directory, String prefix) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("not a directory: " + directory);
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(directory)) {
            paths = walk.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory + ": " + e.getMessage(), e);
        }
        for (Path p : paths) {
            if (p.equals(directory)) {
                continue;
            }
            String relative = directory.relativize(p).toString().replace('\\', '/');
            String name = prefix.isEmpty() ? relative : prefix + "/" + relative;
            try {
                addHostFile(p, name);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
            }
        }
        return this;
    }

    private void addHostFile(Path p, String name) throws IOException {
        int permissions = permissions(p);
        Integer unixMode = unixAttribute(p, "mode");
        int type = unixMode != null ? unixMode & S_IFMT : 0;
        if (Files.isSymbolicLink(p)) {
            symlink(name, Files.readSymbolicLink(p).toString());
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            directory(name, permissions);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            file(name, Files.readAllBytes(p), permissions);
        } else if (type == S_IFCHR || type == S_IFBLK) {
            Long rdev = unixLong(p, "rdev");
            long r = rdev == null ? 0 : rdev;
            // glibc's dev_t encoding: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31
            int major = (int) (((r >>> 8) & 0xfff) | ((r >>> 32) & ~0xfffL));
            int minor = (int) ((r & 0xff) | ((r >>> 12) & ~0xffL));
            add(name, type | permissions, new byte[0], major, minor);
        } else {
            throw new IllegalArgumentException(
                    "cannot put " + p + " in a cpio archive: not a file, directory, " + "symbolic link or device node");
        }
    }

    private static int permissions(Path p) throws IOException {
        Integer unixMode = unixAttribute(p, "mode");
        if (unixMode != null) {
            return unixMode & 07777;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            int mode = 0;
            for (PosixFilePermission perm : perms) {
                @SuppressWarnings("EnumOrdinal") // PosixFilePermission is declared in rwxrwxrwx order
                int bit = perm.ordinal();
                mode |= 0400 >> bit;
            }
            return mode;
        } catch (UnsupportedOperationException e) {
            return Files.isDirectory(p) || Files.isExecutable(p) ? 0755 : 0644;
        }
    }

    private static Integer unixAttribute(Path p, String name) {
        try {
            return (Integer) Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return null;
        }
    }

    private static Long unixLong(Path p, String name) {
        try {
            return (Long) Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return null;
        }
    }

    private Initramfs add(String path, int mode, byte[] content, int major, int minor) {
        String name = normalize(path);
        int slash = name.lastIndexOf('/');
        if (slash > 0 && !entries.containsKey(name.substring(0, slash))) {
            directory(name.substring(0, slash), 0755);
        }
        entries.put(name, new Entry(name, mode, content, major, minor));
        return this;
    }

    private static String normalize(String path) {
        String name = path;
        while (name.startsWith("/")) {
            name = name.substring(1);
        }
        while (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.equals(".")) {
            throw new IllegalArgumentException("initramfs entry needs a name below the root: \"" + path + "\"");
        }
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException(
                        "initramfs path must not contain empty, . or .. parts: \"" + path + "\"");
            }
        }
        return name;
    }

    /** The entry names in archive order. */
    public List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    /** The cpio archive, packed as {@link #compression(Compression)} says (uncompressed by default). */
    public byte[] build() {
        return switch (compression) {
            case NONE -> buildUncompressed();
            case GZIP -> buildGzip();
        };
    }

    private byte[] buildGzip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes, 64 * 1024)) {
            writeCpio(gzip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The uncompressed cpio "newc" archive, whatever {@link #compression(Compression)} says. */
    public byte[] buildUncompressed() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            writeCpio(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes the uncompressed cpio "newc" archive to {@code out} (not closed). */
    public void writeCpio(OutputStream out) throws IOException {
        CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(
                new NonClosing(out), CpioConstants.FORMAT_NEW, CpioConstants.BLOCK_SIZE, StandardCharsets.UTF_8.name());
        long inode = 1;
        for (Entry e : entries.values()) {
            CpioArchiveEntry c = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, e.path());
            c.setMode(e.mode());
            c.setInode(inode++);
            c.setUID(0);
            c.setGID(0);
            c.setTime(0);
            c.setNumberOfLinks((e.mode() & S_IFMT) == S_IFDIR ? 2 : 1);
            c.setSize(e.content().length);
            c.setRemoteDeviceMaj(e.rdevMajor());
            c.setRemoteDeviceMin(e.rdevMinor());
            cpio.putArchiveEntry(c);
            if (e.content().length > 0) {
                cpio.write(e.content());
            }
            cpio.closeArchiveEntry();
        }
        cpio.finish();
        cpio.close();
    }

    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
