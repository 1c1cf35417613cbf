package org.vmm4j.freebsd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.PlanStep;

class BhyveDiskTest {
    private static PlanStep.Run firstRun(HostPlan plan) {
        return (PlanStep.Run) plan.steps().get(0);
    }

    @Test
    void sparseZvolPlanCreatesVolumeWithSizeInBytesAndChecksForItFirst() {
        BhyveDisk disk = BhyveDisk.zvol("tank/vm/web1/disk0", 20L << 30, true);
        PlanStep.Run step = firstRun(disk.createPlan());

        assertEquals(
                List.of(
                        "zfs",
                        "create",
                        "-p",
                        "-s",
                        "-V",
                        "21474836480",
                        "-o",
                        "volblocksize=16384",
                        "-o",
                        "volmode=dev",
                        "tank/vm/web1/disk0"),
                step.command());
        assertTrue(step.needsRoot());
        assertEquals(List.of("zfs", "list", "-H", "-o", "name", "-t", "volume", "tank/vm/web1/disk0"), step.check());
        assertEquals("/dev/zvol/tank/vm/web1/disk0", disk.path());
        assertEquals("4,virtio-blk,/dev/zvol/tank/vm/web1/disk0", disk.slotArgument(4, "virtio-blk"));
        assertEquals(
                List.of("zfs", "destroy", "tank/vm/web1/disk0"),
                firstRun(disk.destroyPlan()).command());
    }

    @Test
    void thickZvolPlanOmitsTheSparseFlag() {
        PlanStep.Run step =
                firstRun(BhyveDisk.zvol("zroot/vms/db", 1L << 30, false, 8192).createPlan());
        assertEquals(
                List.of(
                        "zfs",
                        "create",
                        "-p",
                        "-V",
                        "1073741824",
                        "-o",
                        "volblocksize=8192",
                        "-o",
                        "volmode=dev",
                        "zroot/vms/db"),
                step.command());
    }

    @Test
    void fileDiskPlanTruncatesToTheSizeUnlessTheFileExists() {
        BhyveDisk disk = BhyveDisk.file("/vm/web1/disk0.img", 10L << 30);
        PlanStep.Run step = firstRun(disk.createPlan());
        assertEquals(List.of("truncate", "-s", "10737418240", "/vm/web1/disk0.img"), step.command());
        assertEquals(List.of("test", "-f", "/vm/web1/disk0.img"), step.check());
        assertEquals("3,nvme,/vm/web1/disk0.img", disk.slotArgument(3, "nvme"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "tank",
                "tank/",
                "/tank/vm",
                "tank//vm",
                "tank/vm;rm -rf /",
                "tank/vm@snap",
                "tank/../etc",
                "mirror/vm",
                "1tank/vm",
                "tank/vm disk",
                "-o/vm",
                "c0t0/vm"
            })
    void rejectsDatasetNamesZfsWouldRefuseOrMisread(String name) {
        var e = assertThrows(IllegalArgumentException.class, () -> BhyveDisk.zvol(name, 1L << 30, true));
        assertTrue(e.getMessage().contains("ZFS"), e.getMessage());
    }

    @Test
    void rejectsSizesThatAreNotWholeVolumeBlocksAndRelativeFilePaths() {
        assertThrows(IllegalArgumentException.class, () -> BhyveDisk.zvol("tank/vm", 1000 * 1024, true, 16384));
        assertThrows(IllegalArgumentException.class, () -> BhyveDisk.zvol("tank/vm", 0, true));
        assertThrows(IllegalArgumentException.class, () -> BhyveDisk.file("vm/disk.img", 1L << 30));
        assertThrows(IllegalArgumentException.class, () -> BhyveDisk.file("/vm/../etc/passwd", 1L << 30));
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveDisk.file("/vm/a.img", 1L << 30).slotArgument(40, "nvme"));
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveDisk.file("/vm/a.img", 1L << 30).slotArgument(4, "virtio-blk,x"));
    }
}
