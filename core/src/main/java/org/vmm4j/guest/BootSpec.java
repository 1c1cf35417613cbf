package org.vmm4j.guest;

import java.util.List;

/**
 * How a guest boots: firmware (BIOS or UEFI) with a boot order, or a kernel loaded directly.
 *
 * @param firmware  BIOS or UEFI
 * @param order     boot devices in order (for firmware boot)
 * @param kernel    kernel image for direct boot, or {@code null}
 * @param initrd    initrd for direct boot, or {@code null}
 * @param cmdline   kernel command line for direct boot, or {@code null}
 */
public record BootSpec(Firmware firmware, List<Device> order, String kernel, String initrd, String cmdline) {

    public enum Firmware {
        BIOS,
        UEFI
    }

    public enum Device {
        DISK,
        CDROM,
        NETWORK
    }

    public BootSpec {
        order = List.copyOf(order);
        if (kernel == null && (initrd != null || cmdline != null)) {
            throw new IllegalArgumentException("an initrd or command line needs a kernel for direct boot");
        }
    }

    public static BootSpec bios(Device... order) {
        return new BootSpec(Firmware.BIOS, List.of(order), null, null, null);
    }

    public static BootSpec uefi(Device... order) {
        return new BootSpec(Firmware.UEFI, List.of(order), null, null, null);
    }

    public static BootSpec kernel(String kernel, String initrd, String cmdline) {
        return new BootSpec(Firmware.BIOS, List.of(), kernel, initrd, cmdline);
    }

    public boolean isDirectKernel() {
        return kernel != null;
    }
}
