package org.vmm4j.freebsd.host;

import java.util.List;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.PlanStep;
import org.vmm4j.host.SafeNames;
import org.vmm4j.text.Message;

/**
 * Storage for a bhyve guest, as plans the FreeBSD backend executes: a ZFS volume or a sparse file.
 * Nothing here runs a command; {@link #createPlan()} and {@link #destroyPlan()} only describe them.
 */
public sealed interface BhyveDisk {
    /** What bhyve's {@code -s N,virtio-blk,PATH} (or nvme/ahci-hd) names: the device node or file. */
    String path();

    /** The size in bytes: positive and a whole number of 512-byte sectors. */
    long size();

    HostPlan createPlan();

    HostPlan destroyPlan();

    /** bhyve's slot argument for this disk, e.g. {@code 4,virtio-blk,/dev/zvol/tank/vm/web1}. */
    default String slotArgument(int slot, String emulation) {
        if (slot < 0 || slot > 31) {
            throw new IllegalArgumentException("PCI slot must be 0..31, got " + slot);
        }
        if (!List.of("virtio-blk", "nvme", "ahci-hd").contains(emulation)) {
            throw new IllegalArgumentException(
                    "disk emulation must be virtio-blk, nvme or ahci-hd, got '" + emulation + "'");
        }
        return slot + "," + emulation + "," + path();
    }

    /**
     * A ZFS volume {@code dataset} of {@code size} bytes; sparse volumes reserve no space up front.
     * {@code volmode=dev} keeps GEOM from tasting the guest's partitions on the host.
     */
    static BhyveDisk zvol(String dataset, long size, boolean sparse, int volblocksize) {
        return new Zvol(dataset, size, sparse, volblocksize);
    }

    /** A ZFS volume with the FreeBSD 14 default block size (16 KiB). */
    static BhyveDisk zvol(String dataset, long size, boolean sparse) {
        return new Zvol(dataset, size, sparse, Zvol.DEFAULT_VOLBLOCKSIZE);
    }

    /** A sparse file at the absolute {@code path}. */
    static BhyveDisk file(String path, long size) {
        return new File(path, size);
    }

    /** Guests address disks in 512-byte sectors; a size that is not a whole number of them cannot be presented. */
    private static void requireSize(long size) {
        if (size <= 0 || size % 512 != 0) {
            throw new IllegalArgumentException("disk size must be a positive multiple of 512 bytes, got " + size);
        }
    }

    /** ZFS volume disk. */
    record Zvol(String dataset, long size, boolean sparse, int volblocksize) implements BhyveDisk {
        static final int DEFAULT_VOLBLOCKSIZE = 16 * 1024;

        public Zvol {
            ZfsNames.requireDataset(dataset);
            if (volblocksize < 512 || volblocksize > 128 * 1024 || Integer.bitCount(volblocksize) != 1) {
                throw new IllegalArgumentException(
                        "volblocksize must be a power of two from 512 to 128K, got " + volblocksize);
            }
            requireSize(size);
            if (size % volblocksize != 0) {
                throw new IllegalArgumentException(
                        "zvol size " + size + " must be a multiple of volblocksize " + volblocksize);
            }
        }

        @Override
        public String path() {
            return "/dev/zvol/" + dataset;
        }

        @Override
        public HostPlan createPlan() {
            List<String> argv = sparse
                    ? List.of(
                            "zfs",
                            "create",
                            "-p",
                            "-s",
                            "-V",
                            Long.toString(size),
                            "-o",
                            "volblocksize=" + volblocksize,
                            "-o",
                            "volmode=dev",
                            dataset)
                    : List.of(
                            "zfs",
                            "create",
                            "-p",
                            "-V",
                            Long.toString(size),
                            "-o",
                            "volblocksize=" + volblocksize,
                            "-o",
                            "volmode=dev",
                            dataset);
            return new HostPlan(
                    text("disk.zvol.title", dataset),
                    List.of(new PlanStep.Run(
                            text(
                                    sparse ? "disk.zvol.create-sparse" : "disk.zvol.create",
                                    dataset,
                                    String.valueOf(size)),
                            argv,
                            List.of("zfs", "list", "-H", "-o", "name", "-t", "volume", dataset),
                            true)));
        }

        @Override
        public HostPlan destroyPlan() {
            return new HostPlan(
                    text("disk.zvol.destroy", dataset),
                    List.of(new PlanStep.Run(
                            text("disk.zvol.destroy", dataset), List.of("zfs", "destroy", dataset), List.of(), true)));
        }
    }

    /** File-backed disk. */
    record File(String path, long size) implements BhyveDisk {
        public File {
            SafeNames.requireAbsolutePath("disk file", path);
            requireSize(size);
        }

        @Override
        public HostPlan createPlan() {
            return new HostPlan(
                    text("disk.file.title", path),
                    List.of(new PlanStep.Run(
                            text("disk.file.create", path, String.valueOf(size)),
                            List.of("truncate", "-s", Long.toString(size), path),
                            List.of("test", "-f", path),
                            true)));
        }

        @Override
        public HostPlan destroyPlan() {
            return new HostPlan(
                    text("disk.file.delete", path),
                    List.of(new PlanStep.Run(
                            text("disk.file.delete", path), List.of("rm", "-f", path), List.of(), true)));
        }
    }

    private static Message text(String key, Object... arguments) {
        return FreeBsdHostMessages.CATALOG.message(key, arguments);
    }
}
