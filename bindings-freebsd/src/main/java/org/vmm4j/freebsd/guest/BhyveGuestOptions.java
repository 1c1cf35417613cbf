package org.vmm4j.freebsd.guest;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a bhyve guest can have beyond the portable {@link org.vmm4j.guest.GuestSpec}.
 *
 * @param wiredMemory  wire guest memory (bhyve -S): no paging, needed for PCI passthrough
 * @param cpuPinning   vCPU number to host CPU list (bhyve_config(5) {@code vcpu.N.cpuset}, e.g. "2" or "2-3")
 * @param vncAddress   listen address of the framebuffer when the spec asks for VNC, e.g. "127.0.0.1:5900"
 * @param vncWait      the guest waits for a VNC client before booting
 */
public record BhyveGuestOptions(
        boolean wiredMemory, Map<Integer, String> cpuPinning, String vncAddress, boolean vncWait) {

    private static final java.util.regex.Pattern CPU_LIST =
            java.util.regex.Pattern.compile("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*");
    private static final java.util.regex.Pattern ADDRESS =
            java.util.regex.Pattern.compile("[0-9A-Za-z.:\\[\\]-]+:[0-9]{1,5}");

    public BhyveGuestOptions {
        cpuPinning = java.util.Collections.unmodifiableMap(new TreeMap<>(cpuPinning));
        for (Map.Entry<Integer, String> e : cpuPinning.entrySet()) {
            if (e.getKey() < 0 || !CPU_LIST.matcher(e.getValue()).matches()) {
                throw new IllegalArgumentException("vCPU " + e.getKey() + " pinned to '" + e.getValue()
                        + "': expected a vCPU number >= 0 and a host CPU list such as 2 or 2-3,6");
            }
        }
        if (vncAddress != null && !ADDRESS.matcher(vncAddress).matches()) {
            throw new IllegalArgumentException("VNC address '" + vncAddress + "' is not host:port");
        }
    }

    public static BhyveGuestOptions defaults() {
        return new BhyveGuestOptions(false, Map.of(), "127.0.0.1:5900", false);
    }

    List<Integer> pinnedVcpus() {
        return List.copyOf(cpuPinning.keySet());
    }
}
