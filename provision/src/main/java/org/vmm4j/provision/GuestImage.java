package org.vmm4j.provision;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One catalog entry: a cloud image or install ISO for one hypervisor kind, where to get it, how to
 * verify it, how it boots, and what to run in the guest to install its agent.
 *
 * @param id           catalog id, unique per hypervisor (e.g. {@code ubuntu-24.04})
 * @param hypervisor   {@code kvm}, {@code bhyve} or {@code openbsd-vmm}
 * @param format       {@code qcow2}, {@code raw} or {@code iso}
 * @param compression  {@code xz} when the download must be decompressed before use
 * @param checksum     empty only for {@link Kind#MANUAL} entries
 * @param agentInstall shell command lines run in the guest over SSH, in order; empty when none applies
 */
public record GuestImage(
        String id,
        String hypervisor,
        String distribution,
        String version,
        String name,
        Kind kind,
        URI url,
        Optional<ChecksumSource> checksum,
        String format,
        Optional<String> compression,
        BootMode boot,
        boolean cloudInit,
        List<String> agentInstall,
        Optional<String> notes) {

    /** What the download is. */
    public enum Kind {
        /** A ready-to-boot disk image, usually configured by cloud-init. */
        CLOUD_IMAGE,
        /** An installer ISO: boot it with an empty disk. */
        INSTALL_ISO,
        /** Cannot be downloaded automatically (licence click-through); {@code url} is the page to visit. */
        MANUAL
    }

    /** Firmware the guest expects. */
    public enum BootMode {
        UEFI,
        BIOS
    }

    public GuestImage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(checksum, "checksum");
        if (kind != Kind.MANUAL && checksum.isEmpty()) {
            throw new IllegalArgumentException(
                    "image " + hypervisor + "/" + id + " is downloadable but has no checksum");
        }
        agentInstall = List.copyOf(agentInstall);
    }

    /** The last path segment of the URL: the name checksum files list the image under. */
    public String fileName() {
        String path = url.getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
