package org.vmm4j.freebsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.NicSpec;

/** bhyve configuration files and argument lists against golden files written from bhyve_config(5). */
class BhyveConfigTest {
    private static final BhyveHostLayout LAYOUT = BhyveHostLayout.standard(Path.of("/var/db/vmm4j"));

    static String golden(String name) throws IOException {
        try (InputStream in = BhyveConfigTest.class.getResourceAsStream("/org/vmm4j/freebsd/guest/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static GuestSpec web1() {
        return GuestSpec.builder("web1")
                .memoryMiB(2048)
                .topology(1, 2, 2)
                .disk(new DiskSpec(
                        "zroot/vm/web1-disk0",
                        DiskSpec.SourceType.VOLUME,
                        DiskSpec.Format.RAW,
                        DiskSpec.Bus.VIRTIO,
                        false,
                        false))
                .disk(new DiskSpec(
                        "/vm/web1/data.img",
                        DiskSpec.SourceType.FILE,
                        DiskSpec.Format.RAW,
                        DiskSpec.Bus.NVME,
                        false,
                        false))
                .disk(DiskSpec.cdrom("/vm/web1/seed.iso"))
                .nic(new NicSpec(NicSpec.Type.BRIDGE, "bridge0", "virtio", "58:9C:FC:00:00:01"))
                .vnc(true)
                .boot(BootSpec.uefi(BootSpec.Device.DISK))
                .build();
    }

    @Test
    void uefiGuestWithZvolNvmeSeedIsoTapVncPinningAndWiredMemoryMatchesGolden() throws IOException {
        BhyveGuestOptions options = new BhyveGuestOptions(true, Map.of(1, "3-4", 0, "2"), "0.0.0.0:5901", true);
        String config = BhyveConfig.render(
                web1(), UUID.fromString("6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"), options, LAYOUT, List.of("tap7"));
        assertEquals(golden("web1-uefi.bhyve.conf"), config);
    }

    @Test
    void freebsdGuestBootedByBhyveloadHasNoBootromAndMatchesGolden() throws IOException {
        GuestSpec spec = GuestSpec.builder("fbsd")
                .memoryMiB(512)
                .disk(DiskSpec.file("/vm/fbsd/disk0.img", DiskSpec.Format.RAW))
                .boot(BootSpec.kernel("/boot/kernel/kernel", null, null))
                .build();
        String config = BhyveConfig.render(spec, new UUID(0, 1), BhyveGuestOptions.defaults(), LAYOUT, List.of());
        assertEquals(golden("fbsd-bhyveload.bhyve.conf"), config);
        assertEquals(
                List.of(
                        "/usr/sbin/bhyveload",
                        "-m",
                        "512M",
                        "-d",
                        "/vm/fbsd/disk0.img",
                        "-c",
                        "/dev/nmdm-fbsd.1A",
                        "fbsd"),
                BhyveConfig.bhyveloadCommand(LAYOUT, spec));
    }

    @Test
    void biosBootUsesTheCsmFirmwareWithoutAVariableStore() {
        GuestSpec spec = GuestSpec.builder("legacy")
                .disk(DiskSpec.file("/vm/l.img", DiskSpec.Format.RAW))
                .build();
        String config = BhyveConfig.render(spec, new UUID(0, 2), BhyveGuestOptions.defaults(), LAYOUT, List.of());
        assertTrue(config.contains("\nlpc.bootrom=/usr/local/share/uefi-firmware/BHYVE_UEFI_CSM.fd\n"), config);
        assertTrue(!config.contains("lpc.bootvars"), config);
    }

    @Test
    void cdromFirstBootOrderPutsTheCdInTheFirstDiskSlot() {
        GuestSpec spec = GuestSpec.builder("inst")
                .disk(DiskSpec.file("/vm/i.img", DiskSpec.Format.RAW))
                .disk(DiskSpec.cdrom("/iso/install.iso"))
                .boot(BootSpec.uefi(BootSpec.Device.CDROM))
                .build();
        String config = BhyveConfig.render(spec, new UUID(0, 3), BhyveGuestOptions.defaults(), LAYOUT, List.of());
        assertTrue(config.contains("pci.0.2.0.device=ahci\npci.0.2.0.port.0.type=cd\n"), config);
        assertTrue(config.contains("pci.0.3.0.device=virtio-blk\n"), config);
    }

    @Test
    void startsBhyveFromTheConfigFileWithAnArgumentList() {
        assertEquals(
                List.of("/usr/sbin/bhyve", "-k", "/var/db/vmm4j/web1.bhyve.conf"),
                BhyveConfig.bhyveCommand(LAYOUT, "web1"));
    }

    @Test
    void rejectsWhatBhyveCannotRun() {
        GuestSpec qcow = GuestSpec.builder("q")
                .disk(DiskSpec.file("/vm/q.qcow2", DiskSpec.Format.QCOW2))
                .build();
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveConfig.render(qcow, new UUID(0, 4), BhyveGuestOptions.defaults(), LAYOUT, List.of()));
        GuestSpec scsi = GuestSpec.builder("s")
                .disk(new DiskSpec(
                        "/vm/s.img", DiskSpec.SourceType.FILE, DiskSpec.Format.RAW, DiskSpec.Bus.SCSI, false, false))
                .build();
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveConfig.render(scsi, new UUID(0, 5), BhyveGuestOptions.defaults(), LAYOUT, List.of()));
        GuestSpec relative = GuestSpec.builder("r")
                .disk(DiskSpec.file("disk.img", DiskSpec.Format.RAW))
                .build();
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveConfig.render(relative, new UUID(0, 6), BhyveGuestOptions.defaults(), LAYOUT, List.of()));
        GuestSpec withNic =
                GuestSpec.builder("n").nic(NicSpec.bridge("bridge0")).build();
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveConfig.render(
                        withNic, new UUID(0, 7), BhyveGuestOptions.defaults(), LAYOUT, List.of("tap0;rm")));
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveConfig.render(
                        withNic,
                        new UUID(0, 8),
                        new BhyveGuestOptions(false, Map.of(3, "1"), null, false),
                        LAYOUT,
                        List.of("tap0")));
    }

    @Test
    void nicWithoutMacHasTheMacBhyveDerivesFromItsSlotAndTheVmName() {
        // Two disks in slots 2 and 3, so the NICs are in 4 and 5; bhyve's net_genmac hashes "SLOT-0-NAME":
        // md5("4-0-web1") begins aa c3 25. The second NIC keeps its configured MAC, in lower case.
        GuestSpec spec = GuestSpec.builder("web1")
                .disk(DiskSpec.file("/vm/a.img", DiskSpec.Format.RAW))
                .disk(DiskSpec.file("/vm/b.img", DiskSpec.Format.RAW))
                .nic(NicSpec.bridge("bridge0"))
                .nic(new NicSpec(NicSpec.Type.TAP, "tap3", "e1000", "58:9C:FC:0A:0B:0C"))
                .build();
        assertEquals(List.of("00:a0:98:aa:c3:25", "58:9c:fc:0a:0b:0c"), BhyveConfig.nicMacs(spec));
        String config =
                BhyveConfig.render(spec, new UUID(0, 9), BhyveGuestOptions.defaults(), LAYOUT, List.of("tap7", "tap3"));
        assertTrue(config.contains("pci.0.4.0.device=virtio-net\npci.0.4.0.backend=tap7\n"), config);
        assertTrue(config.contains("pci.0.5.0.mac=58:9c:fc:0a:0b:0c\n"), config);
        assertEquals(
                List.of("00:a0:98:f3:5f:41"),
                BhyveConfig.nicMacs(
                        GuestSpec.builder("net1").nic(NicSpec.bridge("bridge0")).build()),
                "md5(\"2-0-net1\") begins f3 5f 41");
    }

    @Test
    void namedNetworksAndUserNetworkingAreRejectedBecauseBhyveAttachesToBridgesAndTaps() {
        GuestSpec network =
                GuestSpec.builder("n").nic(NicSpec.network("default")).build();
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> BhyveConfig.render(
                        network, new UUID(0, 10), BhyveGuestOptions.defaults(), LAYOUT, List.of("tap0")));
        assertTrue(e.getMessage().contains("bridge"), e.getMessage());
        GuestSpec user = GuestSpec.builder("u")
                .nic(new NicSpec(NicSpec.Type.USER, null, "virtio", null))
                .build();
        assertThrows(
                IllegalArgumentException.class,
                () -> BhyveConfig.render(user, new UUID(0, 11), BhyveGuestOptions.defaults(), LAYOUT, List.of("tap0")));
    }

    @Test
    void rejectsPinningThatIsNotACpuList() {
        assertThrows(
                IllegalArgumentException.class, () -> new BhyveGuestOptions(false, Map.of(0, "2;reboot"), null, false));
    }
}
