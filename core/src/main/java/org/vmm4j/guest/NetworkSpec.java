package org.vmm4j.guest;

import java.util.Objects;
import java.util.regex.Pattern;
import org.vmm4j.host.SafeNames;

/**
 * A virtual network guests attach to.
 *
 * @param name          the network's name
 * @param mode          how it reaches the outside
 * @param bridge        the host bridge: created for NAT/routed/isolated networks (or chosen by the
 *                      manager when {@code null}), an existing bridge for {@link Mode#BRIDGE}
 * @param address       the host's IPv4 address on the network, e.g. {@code 192.168.150.1}; {@code null}
 *                      for {@link Mode#BRIDGE}
 * @param prefix        the subnet's prefix length, e.g. 24
 * @param dhcpStart     first address handed out by DHCP, or {@code null} for no DHCP
 * @param dhcpEnd       last address handed out by DHCP, or {@code null} for no DHCP
 */
public record NetworkSpec(
        String name, Mode mode, String bridge, String address, int prefix, String dhcpStart, String dhcpEnd) {

    /** Longest network name accepted (Linux interface names are 15 characters; networks are named apart). */
    public static final int MAX_NAME_LENGTH = 63;

    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    public enum Mode {
        /** Guests reach out through the host's routing with address translation. */
        NAT,
        /** Guests are routed, without translation. */
        ROUTED,
        /** Host-only: guests reach the host and each other, nothing else. */
        ISOLATED,
        /** Guests sit directly on an existing host bridge. */
        BRIDGE
    }

    public NetworkSpec {
        SafeNames.require("network name", name, MAX_NAME_LENGTH);
        Objects.requireNonNull(mode, "mode");
        if (bridge != null) {
            SafeNames.require("bridge name", bridge, 15);
        }
        if (mode == Mode.BRIDGE) {
            if (bridge == null) {
                throw new IllegalArgumentException("a bridge network needs the name of an existing host bridge");
            }
            if (address != null || dhcpStart != null || dhcpEnd != null) {
                throw new IllegalArgumentException("a bridge network has no address or DHCP range of its own");
            }
        } else {
            requireIpv4("address", address);
            if (prefix < 1 || prefix > 30) {
                throw new IllegalArgumentException("prefix must be 1..30, got " + prefix);
            }
        }
        if ((dhcpStart == null) != (dhcpEnd == null)) {
            throw new IllegalArgumentException("a DHCP range needs both a start and an end");
        }
        if (dhcpStart != null) {
            requireIpv4("DHCP start", dhcpStart);
            requireIpv4("DHCP end", dhcpEnd);
        }
    }

    private static void requireIpv4(String what, String value) {
        if (value == null || !IPV4.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be a dotted IPv4 address, got '" + value + "'");
        }
    }

    /** A NAT network with DHCP on {@code x.y.z.2 - x.y.z.254} of the /24 of {@code address}. */
    public static NetworkSpec nat(String name, String address) {
        String base = address.substring(0, address.lastIndexOf('.') + 1);
        return new NetworkSpec(name, Mode.NAT, null, address, 24, base + "2", base + "254");
    }

    /** A host-only network with DHCP on the /24 of {@code address}. */
    public static NetworkSpec isolated(String name, String address) {
        String base = address.substring(0, address.lastIndexOf('.') + 1);
        return new NetworkSpec(name, Mode.ISOLATED, null, address, 24, base + "2", base + "254");
    }

    /** Guests on an existing host bridge. */
    public static NetworkSpec bridge(String name, String hostBridge) {
        return new NetworkSpec(name, Mode.BRIDGE, hostBridge, null, 0, null, null);
    }
}
