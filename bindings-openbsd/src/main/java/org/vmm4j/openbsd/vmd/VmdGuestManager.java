package org.vmm4j.openbsd.vmd;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.NicSpec;

/**
 * Guests that OpenBSD's vmd runs: definitions live in vm.conf (edited atomically, then
 * {@code vmctl reload} through the socket), lifecycle goes through {@link VmdClient}.
 *
 * <p>vmd facts that shape this class: it runs one vCPU per VM; it has no UUIDs (a name-based UUID is
 * derived); it starts every VM not marked {@code disable} when it reads vm.conf, so a guest is always
 * defined disabled first and autostart is switched on afterwards without a reload (it then applies at
 * the next vmd start, i.e. boot).
 */
public final class VmdGuestManager implements GuestManager {
    private final VmdClient client;
    private final VmConfFile conf;

    public VmdGuestManager(VmdClient client, VmConfFile conf) {
        this.client = client;
        this.conf = conf;
    }

    /**
     * The host's vmd: {@code /var/run/vmd.sock} and {@code /etc/vm.conf}, with the protocol of
     * {@code osRelease} ({@code kern.osrelease}).
     *
     * @throws IllegalArgumentException for a release whose vmd message numbering is not known
     */
    public static VmdGuestManager open(String osRelease) {
        VmdProtocol protocol = VmdProtocol.forRelease(osRelease).orElseThrow(() -> new IllegalArgumentException(
                "vmd's protocol is not known for OpenBSD " + osRelease + " (known: 7.4 and 7.8 or later)"));
        return new VmdGuestManager(new VmdClient(VmdClient.SOCKET, protocol), new VmConfFile(VmConfFile.DEFAULT));
    }

    VmdClient client() {
        return client;
    }

    VmConfFile confFile() {
        return conf;
    }

    @Override
    public String kind() {
        return "vmd";
    }

    @Override
    public String uri() {
        return "vmd://" + client.socket();
    }

    static UUID uuidOf(String name) {
        return UUID.nameUUIDFromBytes(("vmd:" + name).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public synchronized List<Guest> list(GuestFilter filter) {
        Map<String, Guest> out = new LinkedHashMap<>();
        List<VmdVmStatus> status = client.status();
        for (VmConf.Vm vm : conf.read().vms()) {
            out.put(vm.name(), new VmdGuest(this, vm.name()));
        }
        for (VmdVmStatus s : status) {
            out.putIfAbsent(s.name(), new VmdGuest(this, s.name()));
        }
        List<Guest> result = new ArrayList<>();
        for (Guest g : out.values()) {
            boolean active = status.stream().anyMatch(s -> s.name().equals(g.name()) && s.running());
            if (filter == GuestFilter.ALL || (filter == GuestFilter.ACTIVE) == active) {
                result.add(g);
            }
        }
        return result;
    }

    @Override
    public synchronized Optional<Guest> find(String name) {
        if (conf.read().vm(name).isPresent() || client.status(name).isPresent()) {
            return Optional.of(new VmdGuest(this, name));
        }
        return Optional.empty();
    }

    @Override
    public Optional<Guest> find(UUID uuid) {
        for (Guest g : list(GuestFilter.ALL)) {
            if (g.uuid().equals(uuid)) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }

    /**
     * Writes the guest's {@code vm} block to vm.conf (replacing one of the same name) and reloads vmd.
     *
     * @throws UnsupportedOperationException for what vmd cannot do: more than one vCPU, UEFI, VNC,
     *         an initrd or command line, block devices or storage volumes, more than one CD-ROM
     * @throws IllegalArgumentException when a NIC names a switch vm.conf does not define
     */
    @Override
    public synchronized Guest define(GuestSpec spec) {
        VmConf.Vm vm = toVm(spec);
        VmConf current = conf.read();
        for (VmConf.Interface i : vm.interfaces()) {
            if (i.switchName() != null && current.switchNamed(i.switchName()).isEmpty()) {
                // vmd would refuse the whole file on reload
                throw new IllegalArgumentException("vm.conf has no switch \"" + i.switchName() + "\"; create it "
                        + "first (OpenBsdPlans.bridgedNetwork or routedNatNetwork)");
            }
        }
        conf.write(current.withVm(vm.withDisabled(true)));
        client.reload();
        if (spec.autostart()) {
            conf.write(conf.read().withVm(vm));
        }
        return new VmdGuest(this, spec.name());
    }

    static VmConf.Vm toVm(GuestSpec spec) {
        if (spec.vcpus() != 1) {
            throw new UnsupportedOperationException("vmd runs one vCPU per VM; the spec asks for " + spec.vcpus());
        }
        if (spec.vnc()) {
            throw new UnsupportedOperationException("vmd has no graphical console; the guest console is serial");
        }
        BootSpec boot = spec.boot();
        if (boot.firmware() == BootSpec.Firmware.UEFI) {
            throw new UnsupportedOperationException("vmd boots with SeaBIOS (vmm-firmware), not UEFI");
        }
        if (boot.initrd() != null || boot.cmdline() != null) {
            throw new UnsupportedOperationException("vmd boots a kernel image without an initrd or command line");
        }
        List<VmConf.Disk> disks = new ArrayList<>();
        String cdrom = null;
        for (DiskSpec d : spec.disks()) {
            if (d.type() != DiskSpec.SourceType.FILE) {
                throw new UnsupportedOperationException("vmd disks are image files, not " + d.type());
            }
            if (d.cdrom()) {
                if (cdrom != null) {
                    throw new UnsupportedOperationException("vmd attaches one CD-ROM");
                }
                cdrom = d.source();
            } else {
                disks.add(new VmConf.Disk(d.source(), d.format() == DiskSpec.Format.QCOW2 ? "qcow2" : "raw"));
            }
        }
        List<VmConf.Interface> nics = new ArrayList<>();
        for (NicSpec n : spec.nics()) {
            nics.add(switch (n.type()) {
                case USER -> new VmConf.Interface(true, null, null, n.mac(), false, null, null, null);
                case TAP -> new VmConf.Interface(false, n.source(), null, n.mac(), false, null, null, null);
                default -> new VmConf.Interface(false, null, n.source(), n.mac(), false, null, null, null);
            });
        }
        String bootDevice = null;
        if (!boot.order().isEmpty()) {
            bootDevice = switch (boot.order().get(0)) {
                case CDROM -> "cdrom";
                case NETWORK -> "net";
                case DISK -> null; // vmd's default
            };
        }
        return new VmConf.Vm(spec.name(), !spec.autostart(), spec.memoryBytes(), disks, cdrom, boot.kernel(),
                bootDevice, nics, 0, null, List.of());
    }

    static GuestSpec toSpec(VmConf.Vm vm) {
        GuestSpec.Builder b = GuestSpec.builder(vm.name()).memoryBytes(vm.memoryBytes() > 0 ? vm.memoryBytes() : 512L << 20)
                .vcpus(1).autostart(!vm.disabled());
        for (VmConf.Disk d : vm.disks()) {
            b.disk(DiskSpec.file(d.path(), "qcow2".equals(d.format()) ? DiskSpec.Format.QCOW2 : DiskSpec.Format.RAW));
        }
        if (vm.cdrom() != null) {
            b.disk(DiskSpec.cdrom(vm.cdrom()));
        }
        for (VmConf.Interface i : vm.interfaces()) {
            if (i.local()) {
                b.nic(new NicSpec(NicSpec.Type.USER, null, "virtio", i.lladdr()));
            } else if (i.switchName() != null) {
                b.nic(new NicSpec(NicSpec.Type.BRIDGE, i.switchName(), "virtio", i.lladdr()));
            } else {
                b.nic(new NicSpec(NicSpec.Type.TAP, i.name(), "virtio", i.lladdr()));
            }
        }
        if (vm.bootImage() != null) {
            b.boot(BootSpec.kernel(vm.bootImage(), null, null));
        } else if ("cdrom".equals(vm.bootDevice())) {
            b.boot(BootSpec.bios(BootSpec.Device.CDROM, BootSpec.Device.DISK));
        } else if ("net".equals(vm.bootDevice())) {
            b.boot(BootSpec.bios(BootSpec.Device.NETWORK));
        }
        return b.build();
    }

    @Override
    public void close() {
        // one connection per command: nothing held open
    }
}
