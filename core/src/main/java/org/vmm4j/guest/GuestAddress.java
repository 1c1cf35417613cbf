package org.vmm4j.guest;

/**
 * An IP address a guest has on one of its interfaces.
 *
 * @param interfaceName the guest- or host-side interface name
 * @param mac           the interface's MAC address
 * @param address       the address, IPv4 or IPv6
 * @param prefix        prefix length
 * @param source        where it was learned
 */
public record GuestAddress(String interfaceName, String mac, String address, int prefix, Source source) {

    public enum Source {
        DHCP_LEASE,
        GUEST_AGENT,
        ARP
    }
}
