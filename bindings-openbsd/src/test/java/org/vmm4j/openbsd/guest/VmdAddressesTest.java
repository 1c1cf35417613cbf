package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.UnsupportedGuestOperationException;
import org.vmm4j.host.CommandFailedException;

/** {@link VmdAddresses} over vm.conf blocks, vmd's status and canned {@code arp -an} / dhcpd.leases text. */
class VmdAddressesTest {
    /** Inside the leases' validity window: 192.168.77.21 is current, .31 expired. */
    private static final Clock NOV_5_NOON = Clock.fixed(Instant.parse("2025-11-05T12:00:00Z"), ZoneOffset.UTC);

    private final RecordedCommands host = new RecordedCommands()
            .answer(VmdAddresses.ARP_COMMAND, RecordedCommands.recorded("arp-an.txt"))
            .file(VmdAddresses.DHCPD_LEASES, RecordedCommands.recorded("dhcpd.leases"));
    private final VmdAddresses addresses = new VmdAddresses(host, VmdAddresses.DHCPD_LEASES, NOV_5_NOON);

    private static VmdVmStatus running(int id, String name) {
        return new VmdVmStatus(
                id, 50000 + id, 1, 1L << 30, 1L << 28, "ttyp0", 0, -1, VmdProtocol.VM_STATE_RUNNING, name);
    }

    private static VmConf.Vm vm(String name, VmConf.Interface... interfaces) {
        return new VmConf.Vm(
                name, false, 1L << 30, List.of(), null, null, null, List.of(interfaces), 0, null, List.of());
    }

    private static VmConf.Interface local(String mac) {
        return new VmConf.Interface(true, null, null, mac, false, null, null, null);
    }

    private static VmConf.Interface onSwitch(String sw, String mac) {
        return new VmConf.Interface(false, null, sw, mac, false, null, null, null);
    }

    @Test
    void vmdsLocalDhcpGivesTheSecondAddressOfTheInterfacesSlash31() {
        long[] p = VmdAddresses.localPrefix(VmConf.empty());
        assertEquals("100.64.1.3", VmdAddresses.vmdLocalAddress(p[0], (int) p[1], 1, 0));
        assertEquals("100.64.1.5", VmdAddresses.vmdLocalAddress(p[0], (int) p[1], 1, 1));
        assertEquals("100.64.7.3", VmdAddresses.vmdLocalAddress(p[0], (int) p[1], 7, 0));
        assertEquals("100.65.0.3", VmdAddresses.vmdLocalAddress(p[0], (int) p[1], 256, 0), "the id runs into octet 2");
    }

    @Test
    void localPrefixOfVmConfReplacesTheDefaultAndAnIdOutsideItGetsNoAddress() {
        VmConf conf = VmConf.empty().withGlobal("local prefix 10.20.0.0/16");
        long[] p = VmdAddresses.localPrefix(conf);
        assertEquals("10.20.3.3", VmdAddresses.vmdLocalAddress(p[0], (int) p[1], 3, 0));
        assertNull(VmdAddresses.vmdLocalAddress(p[0], (int) p[1], 256, 0), "vmd refuses: the id leaves the /16");
        assertNull(VmdAddresses.vmdLocalAddress(p[0], (int) p[1], 1, 0x7f), "vmd encodes at most 126 interfaces");
    }

    @Test
    void dhcpLeaseOfALocalInterfaceIsVmdsAnswerWithoutAskingTheHost() {
        List<GuestAddress> found = addresses.find(
                VmConf.empty(), vm("web1", local(null)), "web1", running(1, "web1"), GuestAddress.Source.DHCP_LEASE);
        assertEquals(
                List.of(new GuestAddress("vm1-if0-web1", null, "100.64.1.3", 31, GuestAddress.Source.DHCP_LEASE)),
                found);
        assertTrue(host.commands.isEmpty());
    }

    @Test
    void dhcpdLeasesAreMatchedByMacWrittenWithoutLeadingZeros() {
        List<GuestAddress> found = addresses.find(
                VmConf.empty(),
                vm("web1", onSwitch("uplink", "fe:e1:bb:d2:00:07")),
                "web1",
                running(4, "web1"),
                GuestAddress.Source.DHCP_LEASE);
        assertEquals(1, found.size());
        assertEquals("192.168.77.21", found.get(0).address(), "the later of the two leases wins");
        assertEquals("fe:e1:bb:d2:00:07", found.get(0).mac());
        assertEquals("vm4-if0-web1", found.get(0).interfaceName());
    }

    @Test
    void abandonedAndExpiredLeasesAreLeftOut() {
        Map<String, String> active =
                VmdAddresses.activeLeases(RecordedCommands.recorded("dhcpd.leases"), NOV_5_NOON.instant());
        assertEquals(Map.of("fe:e1:bb:d2:00:07", "192.168.77.21", "08:00:27:5e:aa:02", "192.168.77.40"), active);
    }

    @Test
    void arpTableMatchesByMacAndByTheLocalInterfacesAddress() {
        List<GuestAddress> local =
                addresses.find(VmConf.empty(), vm("db", local(null)), "db", running(2, "db"), GuestAddress.Source.ARP);
        assertEquals(
                List.of(new GuestAddress("tap1", "fe:e1:bb:d1:11:22", "100.64.2.3", 0, GuestAddress.Source.ARP)),
                local);
        List<GuestAddress> bridged = addresses.find(
                VmConf.empty(),
                vm("web1", onSwitch("uplink", "FE:E1:BB:D2:00:07")),
                "web1",
                running(4, "web1"),
                GuestAddress.Source.ARP);
        assertEquals(
                List.of(new GuestAddress("vether0", "fe:e1:bb:d2:00:07", "192.168.77.23", 0, GuestAddress.Source.ARP)),
                bridged);
        assertEquals(List.of(VmdAddresses.ARP_COMMAND, VmdAddresses.ARP_COMMAND), host.commands);
    }

    @Test
    void incompleteArpEntriesAreSkipped() {
        List<VmdAddresses.ArpEntry> table = VmdAddresses.arpTable(RecordedCommands.recorded("arp-an.txt"));
        assertEquals(6, table.size());
        assertTrue(table.stream().noneMatch(e -> e.address().equals("10.0.0.1")));
    }

    @Test
    void aFailingArpIsAnErrorNotAnEmptyAnswer() {
        RecordedCommands broken = new RecordedCommands().fail(VmdAddresses.ARP_COMMAND, 1, "arp: permission denied");
        VmdAddresses a = new VmdAddresses(broken, VmdAddresses.DHCPD_LEASES, NOV_5_NOON);
        assertThrows(
                CommandFailedException.class,
                () -> a.find(VmConf.empty(), vm("db", local(null)), "db", running(2, "db"), GuestAddress.Source.ARP));
    }

    @Test
    void aStoppedGuestHasNoAddresses() {
        VmdVmStatus stopped = new VmdVmStatus(2, 0, 1, 1L << 30, 0, "", 0, -1, 0, "db");
        assertEquals(
                List.of(),
                addresses.find(VmConf.empty(), vm("db", local(null)), "db", stopped, GuestAddress.Source.ARP));
        assertTrue(host.commands.isEmpty());
    }

    @Test
    void theGuestAgentIsUnsupported() {
        UnsupportedOperationException e = assertThrows(
                UnsupportedOperationException.class,
                () -> addresses.find(
                        VmConf.empty(),
                        vm("db", local(null)),
                        "db",
                        running(2, "db"),
                        GuestAddress.Source.GUEST_AGENT));
        assertTrue(e.getMessage().contains("guest agent"), e.getMessage());
        String korean = ((UnsupportedGuestOperationException) e).text().render(Locale.KOREAN);
        assertTrue(korean.startsWith("vmd에는 게스트 에이전트 채널이 없습니다."), korean);
    }

    @Test
    void aGuestTheHostCannotRecogniseIsUnsupportedRatherThanEmpty() {
        UnsupportedOperationException noMac = assertThrows(
                UnsupportedOperationException.class,
                () -> addresses.find(
                        VmConf.empty(),
                        vm("web1", onSwitch("uplink", null)),
                        "web1",
                        running(4, "web1"),
                        GuestAddress.Source.ARP));
        assertTrue(noMac.getMessage().contains("lladdr"), noMac.getMessage());
        assertThrows(
                UnsupportedOperationException.class,
                () -> addresses.find(
                        VmConf.empty(), null, "adhoc", running(9, "adhoc"), GuestAddress.Source.DHCP_LEASE));
        assertThrows(
                UnsupportedOperationException.class,
                () -> addresses.find(
                        VmConf.empty(), vm("bare"), "bare", running(5, "bare"), GuestAddress.Source.DHCP_LEASE));
        assertTrue(host.commands.isEmpty());
    }

    @Test
    void macsAreNormalisedAndNonMacsRejected() {
        assertEquals("fe:e1:bb:d2:00:07", VmdAddresses.normalizeMac("FE:E1:BB:D2:0:7"));
        assertNull(VmdAddresses.normalizeMac("(incomplete)"));
        assertNull(VmdAddresses.normalizeMac("fe:e1:bb:d2:00"));
        assertNull(VmdAddresses.normalizeMac("fe:e1:bb:d2:00:7g7"));
    }
}
