package org.vmm4j.freebsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestAddress.Source;

/** The host's ARP table and dnsmasq leases, as recorded on FreeBSD hosts, searched by a guest's MACs. */
class HostAddressTablesTest {
    /** {@code arp -an} of a host with a bridged (bridge0) and a NAT (bridge1) guest network. */
    static final String ARP = """
            ? (192.168.50.1) at 00:0d:b9:4a:11:22 on em0 expires in 1087 seconds [ethernet]
            ? (192.168.50.23) at 58:9c:fc:00:00:01 on bridge0 expires in 1199 seconds [ethernet]
            ? (192.168.50.40) at 58:9c:fc:00:00:02 on bridge0 expires in 300 seconds [ethernet]
            ? (10.77.0.1) at 02:5c:7e:aa:bb:01 on bridge1 permanent [ethernet]
            ? (10.77.0.15) at 0:a0:98:C0:E7:38 on bridge1 expires in 1190 seconds [ethernet]
            ? (10.77.0.99) at (incomplete) on bridge1 expired [ethernet]
            ? (10.77.0.16) at 58:9c:fc:00:00:01 on bridge1 expired [ethernet]
            """;
    /** /var/db/dnsmasq.leases with an IPv6 section. */
    static final String LEASES = """
            1700003600 58:9c:fc:00:00:01 10.77.0.23 web1 01:58:9c:fc:00:00:01
            0 00:a0:98:aa:c3:25 10.77.0.24 * *
            1000 58:9c:fc:00:00:01 10.77.0.9 web1 *
            1700003600 58:9c:fc:00:00:99 10.77.0.30 other *
            duid 00:01:00:01:2c:5f:61:0e:58:9c:fc:00:00:01
            1700003600 16777216 fd00:77::23 web1 00:01:00:01:2c:5f:61:0e:58:9c:fc:00:00:01
            """;

    private static final Instant NOW = Instant.ofEpochSecond(1_700_000_000L);

    @Test
    void arpFindsTheGuestsMacsOnlyInLiveEntriesWhateverTheCaseAndLeadingZeros() {
        Map<String, String> macs = Map.of(
                HostAddressTables.normalise("58:9C:FC:00:00:01"),
                "bridge0",
                HostAddressTables.normalise("00:a0:98:c0:e7:38"),
                "bridge1");
        assertEquals(
                List.of(
                        new GuestAddress("bridge0", "58:9c:fc:00:00:01", "192.168.50.23", 0, Source.ARP),
                        new GuestAddress("bridge1", "00:a0:98:c0:e7:38", "10.77.0.15", 0, Source.ARP)),
                HostAddressTables.fromArp(ARP, macs));
    }

    @Test
    void arpWithoutTheGuestsMacFindsNothing() {
        assertEquals(List.of(), HostAddressTables.fromArp(ARP, Map.of("58:9c:fc:00:00:77", "bridge0")));
        assertEquals(List.of(), HostAddressTables.fromArp("", Map.of("58:9c:fc:00:00:01", "bridge0")));
    }

    @Test
    void leasesGiveCurrentIpv4LeasesOfTheGuestsMacs() {
        Map<String, String> macs = Map.of("58:9c:fc:00:00:01", "bridge1", "00:a0:98:aa:c3:25", "bridge1");
        assertEquals(
                List.of(
                        new GuestAddress("bridge1", "58:9c:fc:00:00:01", "10.77.0.23", 0, Source.DHCP_LEASE),
                        new GuestAddress("bridge1", "00:a0:98:aa:c3:25", "10.77.0.24", 0, Source.DHCP_LEASE)),
                HostAddressTables.fromDnsmasqLeases(LEASES, macs, NOW),
                "the expired lease (expiry 1000), another MAC's and the IPv6 lease are left out; 0 never expires");
    }

    @Test
    void leaseMacsMatchWhateverTheCase() {
        String upper = "1700003600 58:9C:FC:00:00:01 10.77.0.23 web1 *\n";
        assertEquals(
                List.of("10.77.0.23"),
                HostAddressTables.fromDnsmasqLeases(upper, Map.of("58:9c:fc:00:00:01", "bridge1"), NOW).stream()
                        .map(GuestAddress::address)
                        .toList());
    }

    @Test
    void normaliseAcceptsMacsOnly() {
        assertEquals("00:a0:98:0c:e7:08", HostAddressTables.normalise("0:A0:98:c:E7:8"));
        assertNull(HostAddressTables.normalise("(incomplete)"));
        assertNull(HostAddressTables.normalise("16777216"));
        assertNull(HostAddressTables.normalise("58:9c:fc:00:00"));
    }
}
