package org.vmm4j.guest;

import java.time.Instant;

/**
 * An address a virtual network's DHCP server handed out.
 *
 * @param interfaceName the network's bridge
 * @param mac           the client's MAC address
 * @param address       the leased address
 * @param prefix        its prefix length
 * @param hostname      the client's host name, or {@code null}
 * @param expires       when the lease expires
 */
public record DhcpLease(
        String interfaceName, String mac, String address, int prefix, String hostname, Instant expires) {}
