import java.nio.file.Files;
import java.nio.file.Path;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.NicSpec;
import org.vmm4j.linux.guest.DomainXml;

/**
 * Writes DomainXml.toXml for specs that use every feature a spec has, one file per spec, into the
 * directory args[0] (run by make-domain-xml-seeds with core's and bindings-linux's classes).
 */
class OurDomainXml {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        GuestSpec direct = GuestSpec.builder("vmm4j-fuzzseed-direct")
                .memoryMiB(300)
                .topology(1, 2, 2)
                .cpuMode(GuestSpec.CpuMode.HOST_PASSTHROUGH)
                .disk(new DiskSpec("default/k1.qcow2", DiskSpec.SourceType.VOLUME, DiskSpec.Format.QCOW2,
                        DiskSpec.Bus.VIRTIO, false, false))
                .disk(new DiskSpec("/dev/null", DiskSpec.SourceType.BLOCK, DiskSpec.Format.RAW, DiskSpec.Bus.SCSI,
                        false, true))
                .nic(new NicSpec(NicSpec.Type.NETWORK, "default", "virtio", "52:54:00:12:34:56"))
                .serialConsole(true)
                .boot(BootSpec.kernel("/boot/vmlinuz", "/boot/initrd.img", "console=ttyS0 root=/dev/vda a=\"<&>\""))
                .build();
        GuestSpec bios = GuestSpec.builder("vmm4j-fuzzseed-bios")
                .memoryMiB(512)
                .vcpus(2)
                .cpuMode(GuestSpec.CpuMode.HOST_MODEL)
                .disk(new DiskSpec("/var/lib/libvirt/images/a.qcow2", DiskSpec.SourceType.FILE,
                        DiskSpec.Format.QCOW2, DiskSpec.Bus.SATA, false, false))
                .disk(new DiskSpec("/var/lib/libvirt/images/b.img", DiskSpec.SourceType.FILE, DiskSpec.Format.RAW,
                        DiskSpec.Bus.IDE, false, false))
                .disk(DiskSpec.cdrom("/var/lib/libvirt/images/c.iso"))
                .nic(NicSpec.bridge("br0"))
                .nic(new NicSpec(NicSpec.Type.TAP, "tap0", "e1000", null))
                .nic(new NicSpec(NicSpec.Type.USER, null, "rtl8139", null))
                .vnc(true)
                .boot(BootSpec.bios(BootSpec.Device.CDROM, BootSpec.Device.DISK, BootSpec.Device.NETWORK))
                .build();
        GuestSpec uefi = GuestSpec.builder("vmm4j-fuzzseed-uefi")
                .memoryMiB(1024)
                .topology(2, 2, 1)
                .disk(new DiskSpec("/var/lib/libvirt/images/n.qcow2", DiskSpec.SourceType.FILE,
                        DiskSpec.Format.QCOW2, DiskSpec.Bus.NVME, false, false))
                .serialConsole(true)
                .boot(BootSpec.uefi(BootSpec.Device.DISK))
                .build();
        // libvirt before 6.10 has no nvme bus: the same guest on SATA
        GuestSpec uefiSata = GuestSpec.builder("vmm4j-fuzzseed-uefi-sata")
                .memoryMiB(1024)
                .topology(2, 2, 1)
                .disk(new DiskSpec("/var/lib/libvirt/images/n.qcow2", DiskSpec.SourceType.FILE,
                        DiskSpec.Format.QCOW2, DiskSpec.Bus.SATA, false, false))
                .serialConsole(true)
                .boot(BootSpec.uefi(BootSpec.Device.DISK))
                .build();
        for (GuestSpec spec : new GuestSpec[] {direct, bios, uefi, uefiSata}) {
            String name = spec.name().substring("vmm4j-fuzzseed-".length());
            Files.writeString(out.resolve("ours-" + name + ".xml"), DomainXml.toXml(spec, "kvm"));
        }
    }
}
