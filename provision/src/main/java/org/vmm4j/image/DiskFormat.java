package org.vmm4j.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** On-disk format of a guest disk image, spelled the way qemu and libvirt spell it. */
public enum DiskFormat {
    RAW("raw"),
    QCOW2("qcow2");

    private final String qemuName;

    DiskFormat(String qemuName) {
        this.qemuName = qemuName;
    }

    /** The name qemu-img, libvirt and the qcow2 backing-format extension use: {@code raw} or {@code qcow2}. */
    public String qemuName() {
        return qemuName;
    }

    /**
     * Detects the format of an existing image from its first bytes: qcow2 has a magic number, anything
     * else is treated as raw (raw has no header, which is exactly why qemu wants the format stated).
     */
    public static DiskFormat detect(Path image) {
        try (InputStream in = Files.newInputStream(image)) {
            byte[] magic = in.readNBytes(4);
            int value = magic.length == 4
                    ? ((magic[0] & 0xff) << 24)
                            | ((magic[1] & 0xff) << 16)
                            | ((magic[2] & 0xff) << 8)
                            | (magic[3] & 0xff)
                    : 0;
            return value == Qcow2Header.MAGIC ? QCOW2 : RAW;
        } catch (IOException e) {
            throw new ImageException("cannot read " + image + " to detect its format: " + e.getMessage(), e);
        }
    }
}
