package org.vmm4j.image;

import java.util.regex.Pattern;

/** Literal IP address checks done by hand, so that validating never triggers a DNS lookup. */
final class IpAddresses {
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private IpAddresses() {}

    static String requireIpv4(String address) {
        if (address == null || !IPV4.matcher(address).matches()) {
            throw new IllegalArgumentException("not an IPv4 address: '" + address + "'");
        }
        return address;
    }

    static String requireAddress(String address) {
        if (address != null && IPV4.matcher(address).matches()) {
            return address;
        }
        if (address == null || !IPV6_CHARS.matcher(address).matches() || !isIpv6(address)) {
            throw new IllegalArgumentException("not an IP address: '" + address + "'");
        }
        return address;
    }

    static String requireCidr(String cidr) {
        int slash = cidr == null ? -1 : cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("address must be in CIDR form like 192.168.1.10/24, got '" + cidr + "'");
        }
        String address = requireAddress(cidr.substring(0, slash));
        String prefix = cidr.substring(slash + 1);
        int max = address.contains(":") ? 128 : 32;
        if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > max) {
            throw new IllegalArgumentException("prefix length of '" + cidr + "' must be 0.." + max);
        }
        return cidr;
    }

    private static boolean isIpv6(String address) {
        if (!address.contains(":")) {
            return false;
        }
        try {
            // Only hex digits, ':' and '.' reach here, so this parses a literal and never resolves a name.
            return java.net.InetAddress.getByName(address) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
