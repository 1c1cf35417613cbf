package org.vmm4j.guest;

import java.util.Objects;
import org.vmm4j.host.SafeNames;

/**
 * A storage volume to create in a pool.
 *
 * @param name          the volume's name (file name in a directory pool)
 * @param format        raw or qcow2
 * @param capacityBytes the size the guest sees
 * @param backingPath   for qcow2: the path of a backing image the volume starts as a copy-on-write
 *                      overlay of, or {@code null}
 */
public record VolumeSpec(String name, DiskSpec.Format format, long capacityBytes, String backingPath) {

    public VolumeSpec {
        SafeNames.require("volume name", name, 255);
        Objects.requireNonNull(format, "format");
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacityBytes);
        }
        if (backingPath != null && format != DiskSpec.Format.QCOW2) {
            throw new IllegalArgumentException("only a qcow2 volume can have a backing volume");
        }
    }

    public static VolumeSpec raw(String name, long capacityBytes) {
        return new VolumeSpec(name, DiskSpec.Format.RAW, capacityBytes, null);
    }

    public static VolumeSpec qcow2(String name, long capacityBytes) {
        return new VolumeSpec(name, DiskSpec.Format.QCOW2, capacityBytes, null);
    }

    public static VolumeSpec overlay(String name, long capacityBytes, String backingPath) {
        return new VolumeSpec(name, DiskSpec.Format.QCOW2, capacityBytes, backingPath);
    }
}
