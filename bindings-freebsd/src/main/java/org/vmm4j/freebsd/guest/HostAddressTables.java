package org.vmm4j.freebsd.guest;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmm4j.freebsd.host.BhyveNetworkPlans;
import org.vmm4j.guest.GuestAddress;

/**
 * What the host knows about its guests' IPv4 addresses, read from its own tables: the ARP table
 * ({@code arp -an}) and the leases of the dnsmasq that vmm4j's NAT and host-only networks run
 * ({@link BhyveNetworkPlans}). Entries are matched by MAC address, whatever the case or leading zeros;
 * IPv6 leases and incomplete or expired entries are skipped. Neither table knows the prefix length:
 * addresses carry prefix 0.
 */
final class HostAddressTables {
    /** arp(8) of FreeBSD's base system. */
    static final Path ARP = Path.of("/usr/sbin/arp");
    /** dnsmasq's lease file on FreeBSD (its compiled-in LEASEFILE; the plans set no dhcp-leasefile). */
    static final Path DNSMASQ_LEASES = Path.of("/var/db/dnsmasq.leases");

    /** {@code ? (192.168.50.23) at 58:9c:fc:00:00:01 on bridge0 expires in 1199 seconds [ethernet]} */
    private static final Pattern ARP_ENTRY =
            Pattern.compile("^\\S+ \\((\\d{1,3}(?:\\.\\d{1,3}){3})\\) at (\\S+) on (\\S+)(.*)$");

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5}");

    private HostAddressTables() {}

    /**
     * The entries of {@code arp -an} output whose MAC is a key of {@code macs}.
     *
     * @param macs normalised MAC ({@link #normalise}) to the guest NIC's host-side name (unused here: ARP
     *             names the interface it saw the guest on)
     */
    static List<GuestAddress> fromArp(String arpOutput, Map<String, String> macs) {
        List<GuestAddress> found = new ArrayList<>();
        for (String line : arpOutput.split("\n")) {
            Matcher m = ARP_ENTRY.matcher(line.strip());
            if (!m.matches() || m.group(4).contains("expired")) {
                continue; // "(incomplete)" fails normalise below; expired entries are no evidence
            }
            String mac = normalise(m.group(2));
            if (mac != null && macs.containsKey(mac)) {
                add(found, new GuestAddress(m.group(3), mac, m.group(1), 0, GuestAddress.Source.ARP));
            }
        }
        return found;
    }

    /**
     * The IPv4 leases of a dnsmasq lease file ({@code EXPIRY MAC IP HOSTNAME CLIENT-ID} per line, EXPIRY
     * in seconds since the epoch, 0 for never) whose MAC is a key of {@code macs}, leases that expired
     * before {@code now} left out.
     *
     * @param macs normalised MAC to the guest NIC's host-side name (its bridge or tap), reported as the
     *             address's interface
     */
    static List<GuestAddress> fromDnsmasqLeases(String leases, Map<String, String> macs, Instant now) {
        List<GuestAddress> found = new ArrayList<>();
        for (String line : leases.split("\n")) {
            String[] f = line.strip().split("\\s+");
            // IPv6 leases follow a "duid" line and carry an IAID where the MAC would be.
            if (f.length < 3 || !IPV4.matcher(f[2]).matches()) {
                continue;
            }
            long expiry;
            try {
                expiry = Long.parseLong(f[0]);
            } catch (NumberFormatException e) {
                continue;
            }
            if (expiry != 0 && expiry < now.getEpochSecond()) {
                continue;
            }
            String mac = normalise(f[1]);
            if (mac != null && macs.containsKey(mac)) {
                add(found, new GuestAddress(macs.get(mac), mac, f[2], 0, GuestAddress.Source.DHCP_LEASE));
            }
        }
        return found;
    }

    /** {@code 58:9C:FC:0:0:1} as {@code 58:9c:fc:00:00:01}; {@code null} when it is no MAC address. */
    static String normalise(String mac) {
        if (!MAC.matcher(mac).matches()) {
            return null;
        }
        StringBuilder b = new StringBuilder(17);
        for (String octet : mac.split(":")) {
            if (b.length() > 0) {
                b.append(':');
            }
            if (octet.length() == 1) {
                b.append('0');
            }
            b.append(octet.toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }

    private static void add(List<GuestAddress> found, GuestAddress address) {
        for (GuestAddress a : found) {
            if (a.address().equals(address.address()) && a.mac().equals(address.mac())) {
                return;
            }
        }
        found.add(address);
    }
}
