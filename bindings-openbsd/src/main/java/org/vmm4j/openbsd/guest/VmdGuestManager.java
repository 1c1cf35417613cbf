package org.vmm4j.openbsd.guest;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.NicSpec;
import org.vmm4j.guest.UnsupportedGuestOperationException;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.openbsd.host.OpenBsdHostMessages;
import org.vmm4j.openbsd.internal.OpenBsdSysctl;

/**
 * Guests that OpenBSD's vmd runs: definitions live in vm.conf (edited atomically, then
 * {@code vmctl reload} through the socket), lifecycle goes through {@link VmdClient}. Reached through
 * {@code GuestManager.connect()} on OpenBSD, or {@link #connect(String)}.
 *
 * <p>vmd facts that shape this class: it runs one vCPU per VM; it has no UUIDs (a name-based UUID is
 * derived); it starts every VM not marked {@code disable} when it reads vm.conf, so a guest is always
 * defined disabled first and autostart is switched on afterwards without a reload (it then applies at
 * the next vmd start, i.e. boot); it gives an interface without {@code lladdr} a random MAC that its
 * control socket never reports, so {@link #define} writes one for every interface, and the host can
 * find the guest's address ({@code Guest.addresses}).
 */
public final class VmdGuestManager implements GuestManager {
    /** The kind of this guest manager, as {@link #kind()} and the probe report it. */
    public static final String KIND = "vmd";

    private final VmdClient client;
    private final VmConfFile conf;
    private final VmdAddresses addresses;
    private volatile boolean closed;

    /** Over a client and vm.conf; addresses are looked up on this host ({@code arp}, dhcpd leases). */
    public VmdGuestManager(VmdClient client, VmConfFile conf) {
        this(client, conf, CommandExecutor.system());
    }

    /** Over a client and vm.conf, running {@code arp} and reading dhcpd's leases through {@code executor}. */
    public VmdGuestManager(VmdClient client, VmConfFile conf, CommandExecutor executor) {
        this(client, conf, new VmdAddresses(executor, VmdAddresses.DHCPD_LEASES, Clock.systemUTC()));
    }

    VmdGuestManager(VmdClient client, VmConfFile conf, VmdAddresses addresses) {
        this.client = client;
        this.conf = conf;
        this.addresses = addresses;
    }

    /**
     * vmd at {@code uri}: {@code null} or {@code vmd:///var/run/vmd.sock} for the host's vmd and
     * {@code /etc/vm.conf}; another socket path, {@code ?config=/path/vm.conf} and {@code ?release=7.8}
     * (the protocol of that vmd; default: this host's {@code kern.osrelease}) for another.
     *
     * @throws IllegalArgumentException for a URI that does not name vmd's control socket, or a release
     *         whose vmd message numbering is not known
     * @throws ImsgException when vmd does not answer on the socket
     */
    public static VmdGuestManager connect(String uri) {
        return connect(uri, () -> OpenBsdSysctl.system().osRelease(), CommandExecutor.system());
    }

    /**
     * {@link #connect(String)} with this host's release from {@code hostRelease} (asked only when the
     * URI names none) and programs run through {@code executor}.
     */
    public static VmdGuestManager connect(String uri, Supplier<String> hostRelease, CommandExecutor executor) {
        VmdUri target = VmdUri.parse(uri);
        String release = target.release().orElseGet(hostRelease);
        VmdProtocol protocol = VmdProtocol.forRelease(release)
                .orElseThrow(() -> new IllegalArgumentException(
                        "vmd's protocol is not known for OpenBSD " + release + " (known: 7.4 and 7.8 or later)"));
        VmdClient client = new VmdClient(target.socket(), protocol);
        client.requireAnswer();
        return new VmdGuestManager(client, new VmConfFile(target.config()), executor);
    }

    VmdClient client() {
        return client;
    }

    VmConfFile confFile() {
        return conf;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** {@code vmd:///var/run/vmd.sock}, with {@code ?config=} when vm.conf is elsewhere. */
    @Override
    public String uri() {
        return new VmdUri(client.socket(), conf.path(), Optional.empty()).toString();
    }

    VmdAddresses addresses() {
        return addresses;
    }

    static UUID uuidOf(String name) {
        return UUID.nameUUIDFromBytes(("vmd:" + name).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public synchronized List<Guest> list(GuestFilter filter) {
        checkOpen();
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
        checkOpen();
        if (conf.read().vm(name).isPresent() || client.status(name).isPresent()) {
            return Optional.of(new VmdGuest(this, name));
        }
        return Optional.empty();
    }

    @Override
    public Optional<Guest> find(UUID uuid) {
        checkOpen();
        for (Guest g : list(GuestFilter.ALL)) {
            if (g.uuid().equals(uuid)) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }

    /**
     * {@inheritDoc} vmd runs every guest on the kernel's vmm(4): {@link Accelerator#AUTO} and
     * {@link Accelerator#KVM} (the hardware one) both mean it. vm.conf has no accelerator, so a defined
     * guest's spec reads back {@link Accelerator#AUTO}.
     *
     * @throws UnsupportedOperationException for {@link Accelerator#TCG}: vmd has no instruction emulator
     */
    @Override
    public AcceleratorChoice acceleratorChoice(Accelerator requested) {
        checkOpen();
        return choice(requested);
    }

    /** What vmd cannot do, from {@link OpenBsdHostMessages}. */
    static UnsupportedGuestOperationException unsupported(String key, Object... arguments) {
        return new UnsupportedGuestOperationException(OpenBsdHostMessages.CATALOG.message(key, arguments));
    }

    static AcceleratorChoice choice(Accelerator requested) {
        return switch (requested) {
            case AUTO, KVM ->
                new AcceleratorChoice(Accelerator.KVM, "vmm", OpenBsdHostMessages.CATALOG.message("accelerator.vmm"));
            case TCG -> throw unsupported("accelerator.no-tcg");
        };
    }

    /**
     * Writes the guest's {@code vm} block to vm.conf and reloads vmd.
     * An interface without a MAC gets a fixed one in vmd's pattern ({@code fe:e1:bb:dN:xx:xx}), so the
     * host can recognise the guest in its ARP table and dhcpd leases.
     *
     * @throws UnsupportedOperationException for what vmd cannot do: TCG, more than one vCPU, UEFI, VNC,
     *         an initrd or command line, block devices or storage volumes, more than one CD-ROM
     * @throws IllegalArgumentException when vm.conf or vmd already has a guest of that name, or a NIC
     *         names a switch vm.conf does not define
     */
    @Override
    public synchronized Guest define(GuestSpec spec) {
        checkOpen();
        VmConf.Vm vm = toVm(spec);
        VmConf current = conf.read();
        if (current.vm(spec.name()).isPresent() || client.status(spec.name()).isPresent()) {
            throw new IllegalArgumentException("a guest named " + spec.name() + " is already defined (" + conf.path()
                    + " or vmd); undefine it first or pick another name");
        }
        for (VmConf.Interface i : vm.interfaces()) {
            if (i.switchName() != null && current.switchNamed(i.switchName()).isEmpty()) {
                // vmd would refuse the whole file on reload
                throw new IllegalArgumentException("vm.conf has no switch \"" + i.switchName() + "\"; create it "
                        + "first (OpenBsdPlans.bridgedNetwork or routedNatNetwork), or give the guest a local "
                        + "interface (NicSpec.Type.USER: vmd's own DHCP and NAT, OpenBsdPlans.localNetwork)");
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
        choice(spec.accelerator());
        if (spec.vcpus() != 1) {
            throw unsupported("spec.one-vcpu", spec.vcpus());
        }
        if (spec.vnc()) {
            throw unsupported("spec.no-vnc");
        }
        BootSpec boot = spec.boot();
        if (boot.firmware() == BootSpec.Firmware.UEFI) {
            throw unsupported("spec.no-uefi");
        }
        if (boot.initrd() != null || boot.cmdline() != null) {
            throw unsupported("spec.no-initrd");
        }
        List<VmConf.Disk> disks = new ArrayList<>();
        String cdrom = null;
        for (DiskSpec d : spec.disks()) {
            if (d.type() != DiskSpec.SourceType.FILE) {
                throw unsupported("spec.disk-type", String.valueOf(d.type()));
            }
            if (d.cdrom()) {
                if (cdrom != null) {
                    throw unsupported("spec.one-cdrom");
                }
                cdrom = d.source();
            } else {
                disks.add(new VmConf.Disk(d.source(), d.format() == DiskSpec.Format.QCOW2 ? "qcow2" : "raw"));
            }
        }
        List<VmConf.Interface> nics = new ArrayList<>();
        for (NicSpec n : spec.nics()) {
            String mac = n.mac() != null ? n.mac() : newMac(nics.size());
            nics.add(
                    switch (n.type()) {
                        case USER -> new VmConf.Interface(true, null, null, mac, false, null, null, null);
                        case TAP -> new VmConf.Interface(false, n.source(), null, mac, false, null, null, null);
                        default -> new VmConf.Interface(false, null, n.source(), mac, false, null, null, null);
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
        return new VmConf.Vm(
                spec.name(),
                !spec.autostart(),
                spec.memoryBytes(),
                disks,
                cdrom,
                boot.kernel(),
                bootDevice,
                nics,
                0,
                null,
                List.of());
    }

    /**
     * A MAC for interface {@code index} in the pattern vmd uses for the random ones it picks itself
     * ({@code fe:e1:bb:dN:xx:xx}, N the interface number plus one): locally administered, unicast.
     */
    static String newMac(int index) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return String.format(
                Locale.ROOT, "fe:e1:bb:d%x:%02x:%02x", (index + 1) & 0xf, random.nextInt(256), random.nextInt(256));
    }

    static GuestSpec toSpec(VmConf.Vm vm) {
        GuestSpec.Builder b = GuestSpec.builder(vm.name())
                .memoryBytes(vm.memoryBytes() > 0 ? vm.memoryBytes() : 512L << 20)
                .vcpus(1)
                .autostart(!vm.disabled());
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

    /**
     * Marks the manager closed (it holds no connection: one per command); guests found through it stay
     * usable. Closing again does nothing.
     */
    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the vmd guest manager (" + uri() + ") is closed");
        }
    }
}
