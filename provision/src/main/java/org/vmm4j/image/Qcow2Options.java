package org.vmm4j.image;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * What to write: the virtual size, the cluster size and, for a copy-on-write overlay, the backing file
 * and its format. Immutable; build with {@link #builder(long)}.
 */
public final class Qcow2Options {
    /** qemu's default, and a good balance of metadata size against allocation granularity. */
    public static final int DEFAULT_CLUSTER_SIZE = 64 * 1024;

    public static final int MIN_CLUSTER_SIZE = 512;
    public static final int MAX_CLUSTER_SIZE = 2 * 1024 * 1024;
    /** qemu refuses longer backing file names. */
    public static final int MAX_BACKING_NAME = 1023;

    private final long virtualSize;
    private final int clusterSize;
    private final String backingFile;
    private final DiskFormat backingFormat;
    private final CreateMode createMode;

    private Qcow2Options(Builder b) {
        this.virtualSize = DiskSize.requireValid(b.virtualSize);
        if (b.clusterSize < MIN_CLUSTER_SIZE
                || b.clusterSize > MAX_CLUSTER_SIZE
                || Integer.bitCount(b.clusterSize) != 1) {
            throw new IllegalArgumentException(
                    "qcow2 cluster size must be a power of two between 512 and 2 MiB, got " + b.clusterSize);
        }
        this.clusterSize = b.clusterSize;
        if ((b.backingFile == null) != (b.backingFormat == null)) {
            throw new IllegalArgumentException("a backing file needs a backing format and vice versa");
        }
        if (b.backingFile != null) {
            int length = b.backingFile.getBytes(StandardCharsets.UTF_8).length;
            if (length == 0 || length > MAX_BACKING_NAME || b.backingFile.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("backing file name must be 1.." + MAX_BACKING_NAME
                        + " bytes without NUL, got " + length + " bytes");
            }
        }
        this.backingFile = b.backingFile;
        this.backingFormat = b.backingFormat;
        this.createMode = b.createMode;
    }

    public static Builder builder(long virtualSize) {
        return new Builder(virtualSize);
    }

    public long virtualSize() {
        return virtualSize;
    }

    public int clusterSize() {
        return clusterSize;
    }

    public Optional<String> backingFile() {
        return Optional.ofNullable(backingFile);
    }

    public Optional<DiskFormat> backingFormat() {
        return Optional.ofNullable(backingFormat);
    }

    public CreateMode createMode() {
        return createMode;
    }

    /** Builder for {@link Qcow2Options}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final long virtualSize;
        private int clusterSize = DEFAULT_CLUSTER_SIZE;
        private String backingFile;
        private DiskFormat backingFormat;
        private CreateMode createMode = CreateMode.FAIL_IF_EXISTS;

        private Builder(long virtualSize) {
            this.virtualSize = virtualSize;
        }

        public Builder clusterSize(int bytes) {
            this.clusterSize = bytes;
            return this;
        }

        /**
         * Makes the image a copy-on-write overlay: reads of unallocated clusters fall through to
         * {@code file} (a path, relative names resolve against the overlay's directory, as in qemu).
         */
        public Builder backingFile(String file, DiskFormat format) {
            this.backingFile = Objects.requireNonNull(file, "file");
            this.backingFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        public Builder createMode(CreateMode mode) {
            this.createMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        public Qcow2Options build() {
            return new Qcow2Options(this);
        }
    }
}
