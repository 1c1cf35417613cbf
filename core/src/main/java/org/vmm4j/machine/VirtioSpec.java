package org.vmm4j.machine;

import java.nio.file.Path;
import java.util.Objects;
import org.vmm4j.virtio.VirtioBlk;
import org.vmm4j.virtio.VirtioDevice;
import org.vmm4j.virtio.VirtioRng;

/**
 * What a snapshot records of a virtio device so a restore can open it again: its kind and, for a disk,
 * the image path and whether it is read-only. Only devices a snapshot can carry are described (see
 * {@link VirtioDevice#snapshotRefusal()}).
 *
 * @param kind     {@code "blk"} or {@code "rng"}
 * @param path     the disk image, or empty
 * @param readOnly whether the disk is read-only
 */
record VirtioSpec(String kind, String path, boolean readOnly) {
    static final String BLK = "blk";
    static final String RNG = "rng";

    VirtioSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        if (!kind.equals(BLK) && !kind.equals(RNG)) {
            throw new IllegalArgumentException("unknown virtio device kind '" + kind + "'");
        }
    }

    static VirtioSpec disk(Path path, boolean readOnly) {
        return new VirtioSpec(BLK, path.toAbsolutePath().toString(), readOnly);
    }

    static VirtioSpec rng() {
        return new VirtioSpec(RNG, "", false);
    }

    /** Opens the device this describes. */
    VirtioDevice open() {
        return kind.equals(BLK) ? VirtioBlk.open(Path.of(path), readOnly) : new VirtioRng();
    }

    @Override
    public String toString() {
        return kind.equals(BLK) ? "disk " + path + (readOnly ? " (read-only)" : "") : "entropy device";
    }
}
