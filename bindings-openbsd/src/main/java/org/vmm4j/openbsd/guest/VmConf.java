package org.vmm4j.openbsd.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.vmm4j.host.SafeNames;

/**
 * vm.conf(5) as vmm4j reads and writes it: the file's top-level items in their order — global
 * statements and whole-line comments (kept verbatim, so marked blocks that host plans maintain
 * survive), {@code switch} blocks and {@code vm} blocks. Statements vmm4j does not model inside a block
 * are kept as written, so a file edited through this class loses nothing it did not change (except
 * comments inside blocks and at the end of statements). Immutable; {@link VmConfParser} reads it,
 * {@link #render()} writes it, {@link VmConfFile} replaces the file atomically.
 */
public record VmConf(List<Item> items) {

    /** A top-level item of the file. */
    public sealed interface Item permits Global, Switch, Vm {}

    /** A global statement or a whole-line comment ({@code # ...}), verbatim. */
    public record Global(String text) implements Item {
        public Global {
            if (text.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a global statement is one line: " + text);
            }
        }

        boolean isComment() {
            return text.startsWith("#");
        }
    }

    public VmConf {
        items = List.copyOf(items);
    }

    public static VmConf empty() {
        return new VmConf(List.of());
    }

    /** The global statements (comments excluded). */
    public List<String> globals() {
        List<String> out = new ArrayList<>();
        for (Item i : items) {
            if (i instanceof Global g && !g.isComment()) {
                out.add(g.text());
            }
        }
        return out;
    }

    public List<Switch> switches() {
        List<Switch> out = new ArrayList<>();
        for (Item i : items) {
            if (i instanceof Switch sw) {
                out.add(sw);
            }
        }
        return out;
    }

    public List<Vm> vms() {
        List<Vm> out = new ArrayList<>();
        for (Item i : items) {
            if (i instanceof Vm vm) {
                out.add(vm);
            }
        }
        return out;
    }

    /** {@code disk "path" [format raw|qcow2]}. */
    public record Disk(String path, String format) {
        public Disk {
            VmStartRequest.requirePath("disk", path);
            if (format != null && !format.equals("raw") && !format.equals("qcow2")) {
                throw new IllegalArgumentException("disk format must be raw or qcow2: " + format);
            }
        }
    }

    /**
     * {@code interface [name] { switch "s"; lladdr [locked] mac; group g; rdomain n; up|down }}, or with
     * {@code local} a {@code local interface}.
     */
    public record Interface(
            boolean local,
            String name,
            String switchName,
            String lladdr,
            boolean locked,
            String group,
            Integer rdomain,
            Boolean up) {
        public Interface {
            if (name != null) {
                SafeNames.require("interface name", name, VmdProtocol.IF_NAMESIZE - 1);
            }
            if (switchName != null) {
                SafeNames.require("switch name", switchName, VmdProtocol.VM_NAME_MAX - 1);
            }
            if (group != null) {
                SafeNames.require("interface group", group, VmdProtocol.IF_NAMESIZE - 1);
            }
            if (lladdr != null && !lladdr.matches("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}")) {
                throw new IllegalArgumentException("lladdr must be xx:xx:xx:xx:xx:xx: " + lladdr);
            }
        }

        public static Interface onSwitch(String switchName) {
            return new Interface(false, null, switchName, null, false, null, null, null);
        }
    }

    /**
     * A {@code vm "name" { ... }} block.
     *
     * @param memoryBytes 0 when not set (vmd's default)
     * @param bootImage   {@code boot "path"} (kernel or BIOS image), or null
     * @param bootDevice  {@code boot device cdrom|disk|net}, or null
     * @param interfaceCount {@code interfaces N}, or 0
     * @param owner       {@code owner user[:group]}, or null
     * @param extra       further statements, verbatim
     */
    public record Vm(
            String name,
            boolean disabled,
            long memoryBytes,
            List<Disk> disks,
            String cdrom,
            String bootImage,
            String bootDevice,
            List<Interface> interfaces,
            int interfaceCount,
            String owner,
            List<String> extra)
            implements Item {
        public Vm {
            SafeNames.require("VM name", name, VmdProtocol.VM_NAME_MAX - 1);
            disks = List.copyOf(disks);
            interfaces = List.copyOf(interfaces);
            extra = List.copyOf(extra);
            if (cdrom != null) {
                VmStartRequest.requirePath("cdrom", cdrom);
            }
            if (bootImage != null) {
                VmStartRequest.requirePath("boot image", bootImage);
            }
            if (bootDevice != null && !List.of("cdrom", "disk", "net").contains(bootDevice)) {
                throw new IllegalArgumentException("boot device must be cdrom, disk or net: " + bootDevice);
            }
            if (owner != null && !owner.matches("[A-Za-z0-9_][A-Za-z0-9._-]*(:[A-Za-z0-9_][A-Za-z0-9._-]*)?")) {
                throw new IllegalArgumentException("owner must be user[:group]: " + owner);
            }
            if (memoryBytes < 0) {
                throw new IllegalArgumentException("memory must not be negative: " + memoryBytes);
            }
            if (interfaceCount < 0 || interfaceCount > VmdProtocol.VM_MAX_NICS_PER_VM) {
                throw new IllegalArgumentException("interfaces " + interfaceCount + " is out of range 0 (not set) to "
                        + VmdProtocol.VM_MAX_NICS_PER_VM);
            }
            if (disks.size() > VmdProtocol.VM_MAX_DISKS_PER_VM || interfaces.size() > VmdProtocol.VM_MAX_NICS_PER_VM) {
                throw new IllegalArgumentException("vmd takes at most 4 disks and 4 interfaces");
            }
        }

        public static Vm of(String name, long memoryBytes) {
            return new Vm(name, false, memoryBytes, List.of(), null, null, null, List.of(), 0, null, List.of());
        }

        public Vm withDisabled(boolean d) {
            return new Vm(
                    name,
                    d,
                    memoryBytes,
                    disks,
                    cdrom,
                    bootImage,
                    bootDevice,
                    interfaces,
                    interfaceCount,
                    owner,
                    extra);
        }

        public Vm withMemory(long bytes) {
            return new Vm(
                    name,
                    disabled,
                    bytes,
                    disks,
                    cdrom,
                    bootImage,
                    bootDevice,
                    interfaces,
                    interfaceCount,
                    owner,
                    extra);
        }

        public Vm withName(String n) {
            return new Vm(
                    n,
                    disabled,
                    memoryBytes,
                    disks,
                    cdrom,
                    bootImage,
                    bootDevice,
                    interfaces,
                    interfaceCount,
                    owner,
                    extra);
        }
    }

    /** A {@code switch "name" { interface ifname; group g; locked lladdr; rdomain n; up|down; disable }} block. */
    public record Switch(
            String name,
            String interfaceName,
            boolean disabled,
            String group,
            boolean lockedLladdr,
            Integer rdomain,
            Boolean up,
            List<String> extra)
            implements Item {
        public Switch {
            SafeNames.require("switch name", name, VmdProtocol.VM_NAME_MAX - 1);
            if (interfaceName != null) {
                SafeNames.require("switch interface", interfaceName, VmdProtocol.IF_NAMESIZE - 1);
            }
            if (group != null) {
                SafeNames.require("switch group", group, VmdProtocol.IF_NAMESIZE - 1);
            }
            extra = List.copyOf(extra);
        }

        public static Switch of(String name, String bridge) {
            return new Switch(name, bridge, false, null, false, null, null, List.of());
        }
    }

    public Optional<Vm> vm(String name) {
        for (Vm vm : vms()) {
            if (vm.name().equals(name)) {
                return Optional.of(vm);
            }
        }
        return Optional.empty();
    }

    public Optional<Switch> switchNamed(String name) {
        for (Switch s : switches()) {
            if (s.name().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** This configuration with {@code vm} added at the end, or replacing the VM of the same name in place. */
    public VmConf withVm(Vm vm) {
        return replaceOrAppend(vm, i -> i instanceof Vm v && v.name().equals(vm.name()));
    }

    public VmConf withoutVm(String name) {
        List<Item> out = new ArrayList<>(items);
        out.removeIf(i -> i instanceof Vm v && v.name().equals(name));
        return new VmConf(out);
    }

    /** This configuration with {@code sw} added at the end, or replacing the switch of the same name in place. */
    public VmConf withSwitch(Switch sw) {
        return replaceOrAppend(sw, i -> i instanceof Switch s && s.name().equals(sw.name()));
    }

    /** This configuration with a global statement or comment line appended. */
    public VmConf withGlobal(String text) {
        List<Item> out = new ArrayList<>(items);
        out.add(new Global(text));
        return new VmConf(out);
    }

    private VmConf replaceOrAppend(Item item, java.util.function.Predicate<Item> same) {
        List<Item> out = new ArrayList<>(items);
        for (int i = 0; i < out.size(); i++) {
            if (same.test(out.get(i))) {
                out.set(i, item);
                return new VmConf(out);
            }
        }
        out.add(item);
        return new VmConf(out);
    }

    /**
     * The file text, items in order, blocks tab-indented as in vm.conf(5) and separated by a blank
     * line (none after a comment line, which usually introduces the block below it).
     */
    public String render() {
        StringBuilder out = new StringBuilder();
        Item previous = null;
        for (Item item : items) {
            if (item instanceof Global g) {
                if (previous != null && !(previous instanceof Global)) {
                    if (!g.isComment() || !g.text().startsWith("# END")) {
                        out.append('\n');
                    }
                }
                out.append(g.text()).append('\n');
            } else {
                if (previous != null && !(previous instanceof Global pg && pg.isComment())) {
                    out.append('\n');
                }
                if (item instanceof Switch s) {
                    renderSwitch(out, s);
                } else {
                    renderVm(out, (Vm) item);
                }
            }
            previous = item;
        }
        return out.toString();
    }

    private static void renderSwitch(StringBuilder out, Switch s) {
        out.append("switch ").append(quote(s.name())).append(" {\n");
        if (s.disabled()) {
            out.append("\tdisable\n");
        }
        if (s.interfaceName() != null) {
            out.append("\tinterface ").append(s.interfaceName()).append('\n');
        }
        if (s.group() != null) {
            out.append("\tgroup ").append(s.group()).append('\n');
        }
        if (s.lockedLladdr()) {
            out.append("\tlocked lladdr\n");
        }
        if (s.rdomain() != null) {
            out.append("\trdomain ").append(s.rdomain()).append('\n');
        }
        if (s.up() != null) {
            out.append(s.up() ? "\tup\n" : "\tdown\n");
        }
        for (String e : s.extra()) {
            out.append('\t').append(e).append('\n');
        }
        out.append("}\n");
    }

    private static void renderVm(StringBuilder out, Vm vm) {
        out.append("vm ").append(quote(vm.name())).append(" {\n");
        if (vm.disabled()) {
            out.append("\tdisable\n");
        }
        if (vm.owner() != null) {
            out.append("\towner ").append(vm.owner()).append('\n');
        }
        if (vm.memoryBytes() > 0) {
            out.append("\tmemory ").append(formatSize(vm.memoryBytes())).append('\n');
        }
        if (vm.bootImage() != null) {
            out.append("\tboot ").append(quote(vm.bootImage())).append('\n');
        }
        if (vm.bootDevice() != null) {
            out.append("\tboot device ").append(vm.bootDevice()).append('\n');
        }
        if (vm.cdrom() != null) {
            out.append("\tcdrom ").append(quote(vm.cdrom())).append('\n');
        }
        for (Disk d : vm.disks()) {
            out.append("\tdisk ").append(quote(d.path()));
            if (d.format() != null) {
                out.append(" format ").append(d.format());
            }
            out.append('\n');
        }
        if (vm.interfaceCount() > 0) {
            out.append("\tinterfaces ").append(vm.interfaceCount()).append('\n');
        }
        for (Interface i : vm.interfaces()) {
            out.append('\t').append(i.local() ? "local interface" : "interface");
            if (i.name() != null) {
                out.append(' ').append(i.name());
            }
            List<String> opts = new ArrayList<>();
            if (i.switchName() != null) {
                opts.add("switch " + quote(i.switchName()));
            }
            if (i.lladdr() != null) {
                opts.add("lladdr " + (i.locked() ? "locked " : "") + i.lladdr());
            } else if (i.locked()) {
                opts.add("locked lladdr");
            }
            if (i.group() != null) {
                opts.add("group " + i.group());
            }
            if (i.rdomain() != null) {
                opts.add("rdomain " + i.rdomain());
            }
            if (i.up() != null) {
                opts.add(i.up() ? "up" : "down");
            }
            if (!opts.isEmpty()) {
                out.append(" {\n");
                for (String o : opts) {
                    out.append("\t\t").append(o).append('\n');
                }
                out.append("\t}");
            }
            out.append('\n');
        }
        for (String e : vm.extra()) {
            out.append('\t').append(e).append('\n');
        }
        out.append("}\n");
    }

    static String quote(String s) {
        Objects.requireNonNull(s);
        if (s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("vm.conf strings cannot contain quotes or newlines: " + s);
        }
        return "\"" + s + "\"";
    }

    /**
     * {@code 512M}, {@code 2G}: the largest unit that divides the size (vmd's scan_scaled reads them),
     * else bytes ({@code 1000B}).
     */
    static String formatSize(long bytes) {
        String[] units = {"T", "G", "M", "K"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes % (1L << shifts[i]) == 0) {
                return (bytes >> shifts[i]) + units[i];
            }
        }
        return bytes + "B"; // unit-less, vmd would read a number below 1M as megabytes
    }
}
