package org.vmm4j.guest;

import java.util.Objects;

/**
 * A disk or CD-ROM of a guest.
 *
 * @param source   a file path, a block device, a zvol, or {@code pool/volume} for a storage volume
 * @param type     what {@code source} is
 * @param format   image format
 * @param bus      the bus the guest sees it on
 * @param cdrom    attach as a CD-ROM (e.g. a cloud-init seed ISO)
 * @param readOnly the guest may not write it
 */
public record DiskSpec(String source, SourceType type, Format format, Bus bus, boolean cdrom, boolean readOnly) {

    public enum SourceType {
        FILE,
        BLOCK,
        VOLUME
    }

    public enum Format {
        RAW,
        QCOW2
    }

    public enum Bus {
        VIRTIO,
        SATA,
        NVME,
        IDE,
        SCSI
    }

    public DiskSpec {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(bus, "bus");
    }

    /** A virtio disk image file. */
    public static DiskSpec file(String path, Format format) {
        return new DiskSpec(path, SourceType.FILE, format, Bus.VIRTIO, false, false);
    }

    /** A read-only SATA CD-ROM from an ISO file. */
    public static DiskSpec cdrom(String isoPath) {
        return new DiskSpec(isoPath, SourceType.FILE, Format.RAW, Bus.SATA, true, true);
    }
}
