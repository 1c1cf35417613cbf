package org.vmm4j.linux.guest;

import static org.vmm4j.linux.guest.XmlDocuments.add;
import static org.vmm4j.linux.guest.XmlDocuments.addText;
import static org.vmm4j.linux.guest.XmlDocuments.attribute;
import static org.vmm4j.linux.guest.XmlDocuments.child;
import static org.vmm4j.linux.guest.XmlDocuments.children;
import static org.vmm4j.linux.guest.XmlDocuments.path;
import static org.vmm4j.linux.guest.XmlDocuments.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.NicSpec;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * {@link GuestSpec} to libvirt domain XML and back (https://libvirt.org/formatdomain.html), through
 * the DOM. Parsing reads what a spec can express and ignores the rest of what libvirt adds (PCI
 * addresses, controllers, the emulator path).
 */
public final class DomainXml {
    /** The virtio-serial port qemu-guest-agent listens on, and libvirt talks to it through. */
    public static final String GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0";

    private DomainXml() {}

    /**
     * The domain XML for {@code spec}.
     *
     * @param domainType libvirt's domain type: {@code kvm}, {@code qemu} (emulation) or {@code test};
     *     {@link LibvirtGuestManager#acceleratorChoice} picks it for the spec's accelerator
     * @throws IllegalArgumentException if {@code domainType} contradicts the spec's accelerator
     *     ({@code qemu} for {@link Accelerator#KVM}, {@code kvm} for {@link Accelerator#TCG}); {@code test}
     *     goes with any
     */
    public static String toXml(GuestSpec spec, String domainType) {
        String wanted = domainType(spec.accelerator());
        if (wanted != null && !wanted.equals(domainType) && !DomainTypes.TEST.equals(domainType)) {
            throw new IllegalArgumentException("guest " + spec.name() + " asks for " + spec.accelerator()
                    + " (domain type " + wanted + "), not domain type " + domainType);
        }
        Document document = XmlDocuments.create("domain");
        Element domain = document.getDocumentElement();
        domain.setAttribute("type", domainType);
        addText(domain, "name", spec.name());
        long kib = Math.max(1, spec.memoryBytes() >> 10);
        addText(domain, "memory", Long.toString(kib), "unit", "KiB");
        addText(domain, "currentMemory", Long.toString(kib), "unit", "KiB");
        addText(domain, "vcpu", Integer.toString(spec.vcpus()), "placement", "static");

        BootSpec boot = spec.boot();
        Element os = add(
                domain,
                "os",
                "firmware",
                boot.firmware() == BootSpec.Firmware.UEFI && !boot.isDirectKernel() ? "efi" : null);
        addText(os, "type", "hvm", "arch", "x86_64");
        if (boot.isDirectKernel()) {
            addText(os, "kernel", boot.kernel());
            if (boot.initrd() != null) {
                addText(os, "initrd", boot.initrd());
            }
            if (boot.cmdline() != null) {
                addText(os, "cmdline", boot.cmdline());
            }
        } else {
            for (BootSpec.Device device : boot.order()) {
                add(os, "boot", "dev", bootDevice(device));
            }
        }
        Element features = add(domain, "features");
        add(features, "acpi");
        add(features, "apic");

        Element cpu = add(domain, "cpu", "mode", cpuMode(spec.cpuMode()));
        add(
                cpu,
                "topology",
                "sockets",
                Integer.toString(spec.sockets()),
                "dies",
                null,
                "cores",
                Integer.toString(spec.cores()),
                "threads",
                Integer.toString(spec.threads()));

        addText(domain, "on_poweroff", "destroy");
        addText(domain, "on_reboot", "restart");
        addText(domain, "on_crash", "destroy");

        Element devices = add(domain, "devices");
        int[] perPrefix = new int[4];
        for (DiskSpec disk : spec.disks()) {
            addDisk(devices, disk, perPrefix);
        }
        for (NicSpec nic : spec.nics()) {
            addNic(devices, nic);
        }
        if (spec.serialConsole()) {
            Element serial = add(devices, "serial", "type", "pty");
            add(serial, "target", "port", "0");
            Element console = add(devices, "console", "type", "pty");
            add(console, "target", "type", "serial", "port", "0");
        }
        if (spec.guestAgent()) {
            // libvirt picks the socket path and connects to it itself (virDomainInterfaceAddresses with
            // the agent source); qemu-guest-agent in the guest opens the port by this name.
            Element channel = add(devices, "channel", "type", "unix");
            add(channel, "target", "type", "virtio", "name", GUEST_AGENT_CHANNEL);
        }
        if (spec.vnc()) {
            add(devices, "graphics", "type", "vnc", "port", "-1", "autoport", "yes", "listen", "127.0.0.1");
        }
        return XmlDocuments.print(document);
    }

    private static String cpuMode(GuestSpec.CpuMode mode) {
        switch (mode) {
            case HOST_MODEL:
                return "host-model";
            case HOST_PASSTHROUGH:
                return "host-passthrough";
            default:
                return null;
        }
    }

    private static String bootDevice(BootSpec.Device device) {
        switch (device) {
            case DISK:
                return "hd";
            case CDROM:
                return "cdrom";
            default:
                return "network";
        }
    }

    private static void addDisk(Element devices, DiskSpec disk, int[] perPrefix) {
        String type;
        switch (disk.type()) {
            case BLOCK:
                type = "block";
                break;
            case VOLUME:
                type = "volume";
                break;
            default:
                type = "file";
        }
        Element e = add(devices, "disk", "type", type, "device", disk.cdrom() ? "cdrom" : "disk");
        add(e, "driver", "name", "qemu", "type", disk.format() == DiskSpec.Format.QCOW2 ? "qcow2" : "raw");
        switch (disk.type()) {
            case BLOCK:
                add(e, "source", "dev", disk.source());
                break;
            case VOLUME:
                int slash = disk.source().indexOf('/');
                if (slash <= 0 || slash == disk.source().length() - 1) {
                    throw new IllegalArgumentException(
                            "a volume disk's source must be pool/volume, got '" + disk.source() + "'");
                }
                add(
                        e,
                        "source",
                        "pool",
                        disk.source().substring(0, slash),
                        "volume",
                        disk.source().substring(slash + 1));
                break;
            default:
                add(e, "source", "file", disk.source());
        }
        add(e, "target", "dev", targetName(disk.bus(), perPrefix), "bus", bus(disk.bus()));
        if (disk.readOnly()) {
            add(e, "readonly");
        }
    }

    private static String bus(DiskSpec.Bus bus) {
        switch (bus) {
            case VIRTIO:
                return "virtio";
            case SATA:
                return "sata";
            case NVME:
                return "nvme";
            case IDE:
                return "ide";
            default:
                return "scsi";
        }
    }

    private static String targetName(DiskSpec.Bus bus, int[] perPrefix) {
        int slot;
        String prefix;
        switch (bus) {
            case VIRTIO:
                slot = 0;
                prefix = "vd";
                break;
            case IDE:
                slot = 1;
                prefix = "hd";
                break;
            case NVME:
                return "nvme" + perPrefix[2]++ + "n1";
            default:
                slot = 3;
                prefix = "sd";
        }
        int index = perPrefix[slot]++;
        if (index >= 26) {
            throw new IllegalArgumentException("more than 26 disks on one bus");
        }
        return prefix + (char) ('a' + index);
    }

    private static void addNic(Element devices, NicSpec nic) {
        Element e;
        switch (nic.type()) {
            case NETWORK:
                e = add(devices, "interface", "type", "network");
                add(e, "source", "network", nic.source());
                break;
            case BRIDGE:
                e = add(devices, "interface", "type", "bridge");
                add(e, "source", "bridge", nic.source());
                break;
            case TAP:
                e = add(devices, "interface", "type", "ethernet");
                if (nic.source() != null) {
                    add(e, "target", "dev", nic.source(), "managed", "no");
                }
                break;
            default:
                e = add(devices, "interface", "type", "user");
        }
        if (nic.mac() != null) {
            add(e, "mac", "address", nic.mac());
        }
        add(e, "model", "type", nic.model());
    }

    /**
     * The spec a domain XML describes; {@code autostart} comes from libvirt, not the XML. Domain type
     * {@code kvm} reads as {@link Accelerator#KVM}, {@code qemu} as {@link Accelerator#TCG}, any other
     * ({@code test}) as {@link Accelerator#AUTO}.
     *
     * @throws IllegalArgumentException if the XML is not well-formed, is not a domain, or a value the
     *         spec needs is missing, not a number, out of range or not one a spec can hold; the message
     *         names the element or attribute
     */
    public static GuestSpec parse(String xml, boolean autostart) {
        Element domain = XmlDocuments.parse(xml).getDocumentElement();
        if (!domain.getTagName().equals("domain")) {
            throw new IllegalArgumentException("not a domain XML: root element is <" + domain.getTagName() + ">");
        }
        String name = text(domain, "name");
        Element memory = child(domain, "memory");
        if (name == null || memory == null) {
            throw new IllegalArgumentException("domain XML without <name> or <memory>");
        }
        GuestSpec.Builder b = GuestSpec.builder(name)
                .memoryBytes(XmlDocuments.bytes(memory, "<memory>"))
                .autostart(autostart);

        String vcpuText = text(domain, "vcpu");
        int vcpus = vcpuText == null ? 1 : XmlDocuments.integer(vcpuText, "<vcpu>");
        Element cpu = child(domain, "cpu");
        Element topology = child(cpu, "topology");
        if (topology != null) {
            int sockets = intAttribute(topology, "sockets", 1);
            int dies = intAttribute(topology, "dies", 1);
            int cores = intAttribute(topology, "cores", 1);
            int threads = intAttribute(topology, "threads", 1);
            if ((long) sockets * dies * cores * threads == vcpus && dies == 1) {
                b.topology(sockets, cores, threads);
            } else {
                b.vcpus(vcpus);
            }
        } else {
            b.vcpus(vcpus);
        }
        String mode = attribute(cpu, "mode");
        b.cpuMode(
                "host-model".equals(mode)
                        ? GuestSpec.CpuMode.HOST_MODEL
                        : "host-passthrough".equals(mode)
                                ? GuestSpec.CpuMode.HOST_PASSTHROUGH
                                : GuestSpec.CpuMode.DEFAULT);

        b.accelerator(accelerator(attribute(domain, "type")));

        Element os = child(domain, "os");
        b.boot(parseBoot(os));

        Element devices = child(domain, "devices");
        for (Element disk : children(devices, "disk")) {
            parseDisk(disk).ifPresent(b::disk);
        }
        for (Element nic : children(devices, "interface")) {
            b.nic(parseNic(nic));
        }
        b.serialConsole(!children(devices, "serial").isEmpty()
                || !children(devices, "console").isEmpty());
        boolean vnc = false;
        for (Element graphics : children(devices, "graphics")) {
            vnc |= "vnc".equals(attribute(graphics, "type"));
        }
        b.vnc(vnc);
        boolean agent = false;
        for (Element channel : children(devices, "channel")) {
            agent |= GUEST_AGENT_CHANNEL.equals(attribute(child(channel, "target"), "name"));
        }
        b.guestAgent(agent);
        return b.build();
    }

    /** The domain type an accelerator asks for: {@code kvm}, {@code qemu}, or {@code null} for AUTO. */
    static String domainType(Accelerator accelerator) {
        return switch (accelerator) {
            case KVM -> "kvm";
            case TCG -> "qemu";
            case AUTO -> null;
        };
    }

    /** {@code kvm} is KVM, {@code qemu} is TCG, anything else (test, xen, absent) AUTO. */
    static Accelerator accelerator(String domainType) {
        if ("kvm".equals(domainType)) {
            return Accelerator.KVM;
        }
        return "qemu".equals(domainType) ? Accelerator.TCG : Accelerator.AUTO;
    }

    private static int intAttribute(Element e, String name, int otherwise) {
        String value = attribute(e, name);
        return value == null ? otherwise : XmlDocuments.integer(value, "<" + e.getTagName() + " " + name + ">");
    }

    private static BootSpec parseBoot(Element os) {
        String kernel = text(os, "kernel");
        if (kernel != null && !kernel.isEmpty()) {
            String initrd = text(os, "initrd");
            String cmdline = text(os, "cmdline");
            return BootSpec.kernel(
                    kernel,
                    initrd == null || initrd.isEmpty() ? null : initrd,
                    cmdline == null || cmdline.isEmpty() ? null : cmdline);
        }
        boolean uefi =
                "efi".equals(attribute(os, "firmware")) || "pflash".equals(attribute(child(os, "loader"), "type"));
        List<BootSpec.Device> order = new ArrayList<>();
        for (Element boot : children(os, "boot")) {
            String dev = attribute(boot, "dev");
            if ("hd".equals(dev)) {
                order.add(BootSpec.Device.DISK);
            } else if ("cdrom".equals(dev)) {
                order.add(BootSpec.Device.CDROM);
            } else if ("network".equals(dev)) {
                order.add(BootSpec.Device.NETWORK);
            }
        }
        return new BootSpec(uefi ? BootSpec.Firmware.UEFI : BootSpec.Firmware.BIOS, order, null, null, null);
    }

    private static Optional<DiskSpec> parseDisk(Element disk) {
        String device = attribute(disk, "device");
        boolean cdrom = "cdrom".equals(device);
        if (device != null && !cdrom && !"disk".equals(device)) {
            return Optional.empty(); // floppies and LUNs are outside what a spec expresses
        }
        Element source = child(disk, "source");
        String type = attribute(disk, "type");
        DiskSpec.SourceType sourceType;
        String location;
        if ("block".equals(type)) {
            sourceType = DiskSpec.SourceType.BLOCK;
            location = attribute(source, "dev");
        } else if ("volume".equals(type)) {
            sourceType = DiskSpec.SourceType.VOLUME;
            location = volume(source);
        } else if (type == null || "file".equals(type)) {
            sourceType = DiskSpec.SourceType.FILE;
            location = attribute(source, "file");
        } else {
            return Optional.empty(); // network disks (rbd, iscsi, ...) are outside what a spec expresses
        }
        if (location == null) {
            return Optional.empty(); // an empty CD-ROM drive
        }
        DiskSpec.Format format =
                "qcow2".equals(attribute(child(disk, "driver"), "type")) ? DiskSpec.Format.QCOW2 : DiskSpec.Format.RAW;
        String bus = attribute(child(disk, "target"), "bus");
        DiskSpec.Bus diskBus = bus == null ? DiskSpec.Bus.VIRTIO : parseBus(bus);
        boolean readOnly = child(disk, "readonly") != null;
        return Optional.of(new DiskSpec(location, sourceType, format, diskBus, cdrom, readOnly));
    }

    /** A volume disk's pool/volume, or {@code null} for a drive without a source. */
    private static String volume(Element source) {
        if (source == null) {
            return null;
        }
        String pool = attribute(source, "pool");
        String volume = attribute(source, "volume");
        if (pool == null || pool.isEmpty() || pool.contains("/") || volume == null || volume.isEmpty()) {
            throw new IllegalArgumentException("a volume disk's <source> needs a pool name (without '/') and a"
                    + " volume, got pool '" + pool + "' and volume '" + volume + "'");
        }
        return pool + "/" + volume;
    }

    private static DiskSpec.Bus parseBus(String bus) {
        switch (bus) {
            case "sata":
                return DiskSpec.Bus.SATA;
            case "nvme":
                return DiskSpec.Bus.NVME;
            case "ide":
                return DiskSpec.Bus.IDE;
            case "scsi":
                return DiskSpec.Bus.SCSI;
            default:
                return DiskSpec.Bus.VIRTIO;
        }
    }

    private static NicSpec parseNic(Element nic) {
        String type = attribute(nic, "type");
        Element source = child(nic, "source");
        String model = attribute(child(nic, "model"), "type");
        String mac = attribute(child(nic, "mac"), "address");
        if (model == null) {
            model = "virtio";
        }
        if ("network".equals(type)) {
            return new NicSpec(NicSpec.Type.NETWORK, attribute(source, "network"), model, mac);
        }
        if ("bridge".equals(type)) {
            return new NicSpec(NicSpec.Type.BRIDGE, attribute(source, "bridge"), model, mac);
        }
        if ("ethernet".equals(type)) {
            return new NicSpec(NicSpec.Type.TAP, attribute(child(nic, "target"), "dev"), model, mac);
        }
        return new NicSpec(NicSpec.Type.USER, null, model, mac);
    }

    /**
     * The domain XML with room for {@code count} vCPUs: {@code <vcpu>} raised and the CPU topology
     * widened by sockets (or flattened to {@code count} sockets when that does not divide), since
     * QEMU refuses a maximum that the topology does not multiply out to.
     */
    static String withVcpuMaximum(String xml, int count) {
        Document document = XmlDocuments.parse(xml);
        Element domain = document.getDocumentElement();
        Element vcpu = child(domain, "vcpu");
        if (vcpu == null) {
            vcpu = addText(domain, "vcpu", "1");
        }
        vcpu.setTextContent(Integer.toString(count));
        vcpu.removeAttribute("current");
        Element topology = path(domain, "cpu", "topology");
        if (topology != null) {
            int dies = intAttribute(topology, "dies", 1);
            int cores = intAttribute(topology, "cores", 1);
            int threads = intAttribute(topology, "threads", 1);
            long perSocket = (long) dies * cores * threads; // 0 or negative only in a broken document
            if (perSocket > 0 && count % perSocket == 0) {
                topology.setAttribute("sockets", Long.toString(count / perSocket));
            } else {
                topology.setAttribute("sockets", Integer.toString(count));
                topology.setAttribute("cores", "1");
                topology.setAttribute("threads", "1");
                if (topology.hasAttribute("dies")) {
                    topology.setAttribute("dies", "1");
                }
            }
        }
        return XmlDocuments.print(document);
    }

    /** Whether the domain has a console or serial port that libvirt can open as a console stream. */
    static boolean hasConsole(String xml) {
        Element devices = path(XmlDocuments.parse(xml).getDocumentElement(), "devices");
        return !children(devices, "console").isEmpty()
                || !children(devices, "serial").isEmpty();
    }

    /** The pty path of the first serial port or console, when the domain is running and has one. */
    static Optional<String> consolePath(String xml) {
        Element devices = path(XmlDocuments.parse(xml).getDocumentElement(), "devices");
        for (String kind : new String[] {"console", "serial"}) {
            for (Element e : children(devices, kind)) {
                String tty = attribute(e, "tty");
                String path = attribute(child(e, "source"), "path");
                if ("pty".equals(attribute(e, "type")) && (path != null || tty != null)) {
                    return Optional.of(path != null ? path : tty);
                }
            }
        }
        return Optional.empty();
    }

    /** The storage a domain's disks use: file paths and block devices, and pool/volume pairs. */
    static List<DiskSpec> disks(String xml) {
        List<DiskSpec> disks = new ArrayList<>();
        Element devices = path(XmlDocuments.parse(xml).getDocumentElement(), "devices");
        for (Element disk : children(devices, "disk")) {
            parseDisk(disk).ifPresent(disks::add);
        }
        return disks;
    }
}
