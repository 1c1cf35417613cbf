package org.vmm4j.linux.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Linux distribution families that differ in how virtualization is installed: package manager,
 * package names and init system.
 */
public enum LinuxFamily {
    /** Debian, Ubuntu and derivatives: apt, systemd. */
    DEBIAN,
    /** Fedora, RHEL, AlmaLinux, Rocky, CentOS Stream: dnf, systemd. */
    FEDORA,
    /** Alpine: apk, OpenRC. */
    ALPINE,
    /** openSUSE and SLES: zypper, systemd. */
    SUSE;

    /**
     * Identifies the family from the text of {@code /etc/os-release} ({@code ID}, then {@code ID_LIKE}).
     */
    public static Optional<LinuxFamily> fromOsRelease(String osRelease) {
        List<String> ids = new ArrayList<>();
        String idLike = "";
        for (String line : osRelease.split("\n")) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1)
                    .strip()
                    .replace("\"", "")
                    .replace("'", "")
                    .toLowerCase(Locale.ROOT);
            if (key.equals("ID")) {
                ids.add(0, value);
            } else if (key.equals("ID_LIKE")) {
                idLike = value;
            }
        }
        for (String like : idLike.split("\\s+")) {
            if (!like.isEmpty()) {
                ids.add(like);
            }
        }
        for (String id : ids) {
            Optional<LinuxFamily> family = byId(id);
            if (family.isPresent()) {
                return family;
            }
        }
        return Optional.empty();
    }

    private static Optional<LinuxFamily> byId(String id) {
        return switch (id) {
            case "debian", "ubuntu", "linuxmint", "pop", "raspbian" -> Optional.of(DEBIAN);
            case "fedora", "rhel", "centos", "almalinux", "rocky", "ol" -> Optional.of(FEDORA);
            case "alpine" -> Optional.of(ALPINE);
            case "opensuse", "opensuse-leap", "opensuse-tumbleweed", "sles", "suse" -> Optional.of(SUSE);
            default -> Optional.empty();
        };
    }
}
