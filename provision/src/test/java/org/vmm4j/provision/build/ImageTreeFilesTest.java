package org.vmm4j.provision.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The two host files the builder parses: a tree's dpkg status and this process's mountinfo. */
class ImageTreeFilesTest {
    @Test
    void dpkgStatusCountsOnlyInstalledPackagesWithTheirVersions() {
        String status =
                "Package: dbus\nStatus: install ok installed\nPriority: optional\nVersion: 1.14.10-1~deb12u1\n\n"
                        + "Package: vim\nStatus: deinstall ok config-files\nVersion: 2:9.0\n\n"
                        + "Package: cloud-init\nVersion: 22.4.2-1+deb12u1\nStatus: install ok installed\n";
        assertEquals(Map.of("dbus", "1.14.10-1~deb12u1", "cloud-init", "22.4.2-1+deb12u1"), DpkgStatus.parse(status));
    }

    @Test
    void mountPointsAreTheFifthFieldWithOctalEscapesDecoded() {
        String mountinfo = "22 1 252:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
                + "98 22 0:5 / /tmp/my\\040cache/.build-1/tree/proc rw - proc proc rw\n";
        assertEquals(List.of(Path.of("/"), Path.of("/tmp/my cache/.build-1/tree/proc")), Mounts.parse(mountinfo));
    }
}
