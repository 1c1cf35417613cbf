package org.vmm4j.openbsd.guest;

import java.nio.file.Path;
import org.vmm4j.image.CreateMode;
import org.vmm4j.image.Qcow2Options;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.image.RawDisk;

/**
 * {@code vmctl create}: disk images for vmd, made locally (vmctl sends vmd nothing for this), with
 * core's pure-Java writers: sparse raw files and qcow2 v3 images, optionally as a copy-on-write
 * overlay on a base image ({@code vmctl create -b base}).
 */
public final class DiskImages {
    /** vmd rounds disk sizes to megabytes (vmctl {@code -s} takes a size in bytes with a unit). */
    public static final long UNIT = 1L << 20;

    private DiskImages() {}

    /**
     * Creates a sparse raw image of {@code sizeBytes} (rounded up to a megabyte), refusing to
     * overwrite an existing file, as {@code vmctl create -s size disk.img} does.
     */
    public static void createRaw(Path path, long sizeBytes) {
        RawDisk.create(path, roundUp(sizeBytes), CreateMode.FAIL_IF_EXISTS);
    }

    /**
     * {@code vmctl create -s size disk.qcow2}, or with {@code base} non-null {@code -b base}: an
     * overlay whose size is the base's when {@code sizeBytes} is 0. Never overwrites.
     */
    public static void createQcow2(Path path, long sizeBytes, Path base) {
        if (base != null) {
            Qcow2Writer.createOverlay(path, base, sizeBytes == 0 ? 0 : roundUp(sizeBytes), CreateMode.FAIL_IF_EXISTS);
        } else {
            Qcow2Writer.create(path, Qcow2Options.builder(roundUp(sizeBytes)).build());
        }
    }

    private static long roundUp(long sizeBytes) {
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("disk size must be positive: " + sizeBytes);
        }
        return (sizeBytes + UNIT - 1) / UNIT * UNIT;
    }
}
