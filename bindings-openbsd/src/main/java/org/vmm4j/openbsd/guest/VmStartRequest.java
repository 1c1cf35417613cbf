package org.vmm4j.openbsd.guest;

import java.util.List;
import java.util.Objects;
import org.vmm4j.host.SafeNames;

/**
 * What {@code vmctl start} sends: a VM from vm.conf by name (everything else unset), or a VM described
 * here. Unset numbers are 0 and let vmd use vm.conf or its defaults.
 *
 * @param name         the VM name ({@code vcp_name})
 * @param memoryBytes  guest memory, or 0 ({@code -m})
 * @param vcpus        vCPU count, or 0 (vmd runs 1)
 * @param disks        disk images ({@code -d}), at most 4
 * @param cdrom        ISO image ({@code -r}), or null
 * @param interfaces   switch name per interface, "" for an interface on no switch ({@code -n}, {@code -i})
 * @param local        give the interfaces vmd's local addresses and DHCP ({@code -L})
 * @param bootDevice   {@code VMBOOTDEV_*} ({@code -B})
 * @param template     start as an instance of this VM ({@code -t}), or null
 */
public record VmStartRequest(
        String name,
        long memoryBytes,
        int vcpus,
        List<Disk> disks,
        String cdrom,
        List<String> interfaces,
        boolean local,
        int bootDevice,
        String template) {

    /** A disk image and its format ({@code VMDF_RAW} or {@code VMDF_QCOW2}). */
    public record Disk(String path, int type) {
        public Disk {
            requirePath("disk", path);
        }
    }

    public VmStartRequest {
        SafeNames.require("VM name", name, VmdProtocol.VM_NAME_MAX - 1);
        disks = List.copyOf(disks);
        interfaces = List.copyOf(interfaces);
        if (disks.size() > VmdProtocol.VM_MAX_DISKS_PER_VM) {
            throw new IllegalArgumentException("vmd takes at most " + VmdProtocol.VM_MAX_DISKS_PER_VM + " disks");
        }
        if (interfaces.size() > VmdProtocol.VM_MAX_NICS_PER_VM) {
            throw new IllegalArgumentException("vmd takes at most " + VmdProtocol.VM_MAX_NICS_PER_VM + " interfaces");
        }
        for (String sw : interfaces) {
            if (!sw.isEmpty()) {
                SafeNames.require("switch name", sw, VmdProtocol.VM_NAME_MAX - 1);
            }
        }
        if (cdrom != null) {
            requirePath("cdrom", cdrom);
        }
        if (template != null) {
            SafeNames.require("template VM name", template, VmdProtocol.VM_NAME_MAX - 1);
        }
        if (memoryBytes < 0 || vcpus < 0) {
            throw new IllegalArgumentException("memory and vCPUs must not be negative");
        }
    }

    /** Start the VM vm.conf defines under {@code name}. */
    public static VmStartRequest byName(String name) {
        return new VmStartRequest(name, 0, 0, List.of(), null, List.of(), false, VmdProtocol.VMBOOTDEV_AUTO, null);
    }

    static void requirePath(String what, String path) {
        Objects.requireNonNull(path, what);
        if (!path.startsWith("/")
                || path.indexOf('\0') >= 0
                || path.indexOf('\n') >= 0
                || path.indexOf('"') >= 0
                || path.length() >= VmdProtocol.PATH_MAX) {
            throw new IllegalArgumentException(what + " path must be absolute, shorter than " + VmdProtocol.PATH_MAX
                    + " bytes and free of quotes, newlines and NUL: " + path.replace('\0', '?'));
        }
    }
}
