package org.vmm4j.guest;

import java.util.Objects;

/**
 * A network interface of a guest.
 *
 * @param type   what it attaches to
 * @param source the network, bridge, switch or tap name
 * @param model  the device model the guest sees ({@code virtio}, {@code e1000})
 * @param mac    MAC address {@code xx:xx:xx:xx:xx:xx}, or {@code null} to let the manager choose
 */
public record NicSpec(Type type, String source, String model, String mac) {

    public enum Type {
        NETWORK,
        BRIDGE,
        TAP,
        USER
    }

    private static final java.util.regex.Pattern MAC =
            java.util.regex.Pattern.compile("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}");

    public NicSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(model, "model");
        if (mac != null && !MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException("MAC address '" + mac + "' is not of the form xx:xx:xx:xx:xx:xx");
        }
    }

    public static NicSpec network(String network) {
        return new NicSpec(Type.NETWORK, network, "virtio", null);
    }

    public static NicSpec bridge(String bridge) {
        return new NicSpec(Type.BRIDGE, bridge, "virtio", null);
    }
}
