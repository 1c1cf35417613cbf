package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.GuestAddress;

class GuestAddressPollerTest {
    private static GuestAddress a(String ip) {
        return new GuestAddress("vnet0", "52:54:00:00:00:01", ip, 24, GuestAddress.Source.DHCP_LEASE);
    }

    @Test
    void prefersRoutableIpv4OverLoopbackLinkLocalAndIpv6() {
        assertEquals(
                "192.168.122.5",
                GuestAddressPoller.usable(List.of(a("127.0.0.1"), a("fe80::1"), a("169.254.3.4"), a("192.168.122.5")))
                        .orElseThrow());
        assertTrue(GuestAddressPoller.usable(List.of(a("::1"))).isEmpty());
    }
}
