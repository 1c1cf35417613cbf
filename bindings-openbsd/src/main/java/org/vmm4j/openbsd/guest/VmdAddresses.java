package org.vmm4j.openbsd.guest;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.host.CommandExecutor;

/**
 * Finds a running vmd guest's IPv4 addresses from the host, for {@code Guest.addresses}.
 *
 * <ul>
 *   <li>{@link GuestAddress.Source#DHCP_LEASE}: vmd answers DHCP itself on {@code local interface}s, and
 *       its answer is fixed ({@code vm_priv_addr} in vmd's {@code priv.c}): on interface {@code i} of the
 *       VM with vmd id {@code N}, the guest gets the second address of the /31 at
 *       {@code (N << 8) | (i + 1) * 2} in the local prefix (vm.conf {@code local prefix}, by default
 *       {@code 100.64.0.0/10}). Guests on switches get theirs from a dhcpd(8), whose leases
 *       ({@code /var/db/dhcpd.leases}) are matched by the guest's MAC.</li>
 *   <li>{@link GuestAddress.Source#ARP}: the host's ARP table ({@code arp -an}), matched by the guest's
 *       MAC or by a local interface's address.</li>
 *   <li>{@link GuestAddress.Source#GUEST_AGENT}: vmd has no guest agent channel, so unsupported.</li>
 * </ul>
 *
 * MACs are the {@code lladdr}s of vm.conf: vmd gives an interface without one a random MAC that its
 * control socket never reports, which is why {@link VmdGuestManager#define} writes one for every
 * interface. The prefix length of an address learned from ARP or a dhcpd lease is not known to the
 * host and reported as 0.
 */
final class VmdAddresses {
    static final Path DHCPD_LEASES = Path.of("/var/db/dhcpd.leases");
    static final List<String> ARP_COMMAND = List.of("/usr/sbin/arp", "-an");
    /** vmd's default {@code local prefix}. */
    static final String DEFAULT_LOCAL_PREFIX = "100.64.0.0/10";

    private static final Pattern LOCAL_PREFIX =
            Pattern.compile("local\\s+prefix\\s+\"?(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,2})\"?");
    private static final Pattern LEASE = Pattern.compile("lease\\s+(\\d{1,3}(?:\\.\\d{1,3}){3})\\s*\\{([^}]*)}");
    private static final Pattern HARDWARE = Pattern.compile("hardware\\s+ethernet\\s+([0-9A-Fa-f:]+)\\s*;");
    private static final Pattern ENDS =
            Pattern.compile("ends\\s+(?:\\d\\s+(\\d{4}/\\d{2}/\\d{2}\\s+\\d{2}:\\d{2}:\\d{2})|never)\\s*;");
    private static final Pattern ABANDONED = Pattern.compile("(?m)^\\s*abandoned\\s*;");
    private static final DateTimeFormatter LEASE_TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss", Locale.ROOT);

    private final CommandExecutor executor;
    private final Path leases;
    private final Clock clock;

    VmdAddresses(CommandExecutor executor, Path leases, Clock clock) {
        this.executor = executor;
        this.leases = leases;
        this.clock = clock;
    }

    /** One interface of the guest as the host can recognise it. */
    private record Nic(String label, String mac, String localAddress) {}

    /**
     * The addresses of guest {@code vm} (its vm.conf block, or null when vm.conf does not define it) as
     * {@code source} knows them; empty while it is not running.
     *
     * @throws UnsupportedOperationException for the guest agent, and for a guest none of whose
     *         interfaces the host can recognise (not in vm.conf, or no local interface and no lladdr)
     */
    List<GuestAddress> find(VmConf conf, VmConf.Vm vm, String name, VmdVmStatus status, GuestAddress.Source source) {
        if (source == GuestAddress.Source.GUEST_AGENT) {
            throw VmdGuestManager.unsupported("address.no-agent");
        }
        if (status == null || !status.running()) {
            return List.of();
        }
        if (vm == null) {
            throw VmdGuestManager.unsupported("address.not-in-conf", name);
        }
        List<Nic> nics = nics(conf, vm, status.id());
        if (nics.stream().allMatch(n -> n.mac() == null && n.localAddress() == null)) {
            throw nics.isEmpty()
                    ? VmdGuestManager.unsupported("address.no-nic", name)
                    : VmdGuestManager.unsupported("address.no-lladdr", name, "interface { lladdr xx:xx:xx:xx:xx:xx }");
        }
        return source == GuestAddress.Source.ARP ? fromArp(nics) : fromDhcp(nics);
    }

    private static List<Nic> nics(VmConf conf, VmConf.Vm vm, int vmId) {
        long[] prefix = localPrefix(conf);
        List<Nic> out = new ArrayList<>();
        List<VmConf.Interface> interfaces = vm.interfaces();
        for (int i = 0; i < interfaces.size(); i++) {
            VmConf.Interface nic = interfaces.get(i);
            String local = nic.local() ? vmdLocalAddress(prefix[0], (int) prefix[1], vmId, i) : null;
            // vmd's own name for the interface: the description it gives the host's tap
            String label = "vm" + vmId + "-if" + i + "-" + vm.name();
            out.add(new Nic(label, nic.lladdr() == null ? null : normalizeMac(nic.lladdr()), local));
        }
        return out;
    }

    /** The {@code local prefix} of vm.conf as {network, length}, or vmd's default. */
    static long[] localPrefix(VmConf conf) {
        String prefix = DEFAULT_LOCAL_PREFIX;
        for (String global : conf.globals()) {
            Matcher m = LOCAL_PREFIX.matcher(global.strip());
            if (m.matches()) {
                prefix = m.group(1) + "/" + m.group(2);
            }
        }
        int slash = prefix.indexOf('/');
        return new long[] {ipv4(prefix.substring(0, slash)), Integer.parseInt(prefix.substring(slash + 1))};
    }

    /**
     * The address vmd's DHCP gives the guest on local interface {@code index} of VM {@code vmId}, as
     * {@code vm_priv_addr(prefix, vmid, idx, 1)} computes it; null where vmd gives none (the VM id or
     * the index does not fit the prefix).
     */
    static String vmdLocalAddress(long network, int length, int vmId, int index) {
        long mask = length == 0 ? 0 : (0xffff_ffffL << (32 - length)) & 0xffff_ffffL;
        long prefix = network & mask;
        long address = ((((long) vmId << 8) | (long) (index + 1) * 2 | 1) & 0xffff_ffffL) | prefix;
        if ((address & mask) != prefix || index >= 0x7f) {
            return null;
        }
        return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }

    private List<GuestAddress> fromDhcp(List<Nic> nics) {
        List<GuestAddress> out = new ArrayList<>();
        Map<String, Nic> byMac = new LinkedHashMap<>();
        for (Nic nic : nics) {
            if (nic.localAddress() != null) {
                out.add(new GuestAddress(
                        nic.label(), nic.mac(), nic.localAddress(), 31, GuestAddress.Source.DHCP_LEASE));
            } else if (nic.mac() != null) {
                byMac.put(nic.mac(), nic);
            }
        }
        if (!byMac.isEmpty()) {
            executor.readFile(leases).ifPresent(text -> {
                for (Map.Entry<String, String> lease :
                        activeLeases(text, clock.instant()).entrySet()) {
                    Nic nic = byMac.get(lease.getKey());
                    if (nic != null) {
                        out.add(new GuestAddress(
                                nic.label(), nic.mac(), lease.getValue(), 0, GuestAddress.Source.DHCP_LEASE));
                    }
                }
            });
        }
        return out;
    }

    /**
     * The current lease of each MAC in a dhcpd.leases text (dhcpd appends, so the last entry wins),
     * without abandoned and expired ones: MAC to address.
     */
    static Map<String, String> activeLeases(String text, Instant now) {
        Map<String, String> latest = new LinkedHashMap<>();
        Matcher m = LEASE.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            Matcher hw = HARDWARE.matcher(body);
            if (!hw.find()) {
                continue;
            }
            String mac = normalizeMac(hw.group(1));
            if (mac == null) {
                continue;
            }
            latest.remove(mac);
            if (ABANDONED.matcher(body).find() || expired(body, now)) {
                continue;
            }
            latest.put(mac, m.group(1));
        }
        return latest;
    }

    private static boolean expired(String body, Instant now) {
        Matcher ends = ENDS.matcher(body);
        if (!ends.find() || ends.group(1) == null) {
            return false; // "ends never", or no end written
        }
        try {
            Instant end = LocalDateTime.parse(ends.group(1).replaceAll("\\s+", " "), LEASE_TIME)
                    .toInstant(ZoneOffset.UTC);
            return !end.isAfter(now);
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private List<GuestAddress> fromArp(List<Nic> nics) {
        Map<String, Nic> byMac = new LinkedHashMap<>();
        Map<String, Nic> byAddress = new LinkedHashMap<>();
        for (Nic nic : nics) {
            if (nic.mac() != null) {
                byMac.put(nic.mac(), nic);
            }
            if (nic.localAddress() != null) {
                byAddress.put(nic.localAddress(), nic);
            }
        }
        String table = executor.run(ARP_COMMAND).orThrow().stdout();
        List<GuestAddress> out = new ArrayList<>();
        for (ArpEntry e : arpTable(table)) {
            Nic nic = byMac.containsKey(e.mac()) ? byMac.get(e.mac()) : byAddress.get(e.address());
            if (nic != null) {
                out.add(new GuestAddress(e.netif(), e.mac(), e.address(), 0, GuestAddress.Source.ARP));
            }
        }
        return out;
    }

    /** A resolved line of {@code arp -an}: {@code Host  Ethernet Address  Netif  Expire  Flags}. */
    record ArpEntry(String address, String mac, String netif) {}

    /** The resolved entries of {@code arp -an} output (incomplete ones, without a MAC, are left out). */
    static List<ArpEntry> arpTable(String output) {
        List<ArpEntry> out = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 3 || f[0].equals("Host")) {
                continue;
            }
            String mac = normalizeMac(f[1]);
            if (mac != null && f[0].matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                out.add(new ArpEntry(f[0], mac, f[2]));
            }
        }
        return out;
    }

    /** {@code fe:e1:ba:d0:0:1} (dhcpd writes octets without padding) as {@code fe:e1:ba:d0:00:01}; null if not a MAC. */
    static String normalizeMac(String mac) {
        String[] octets = mac.split(":");
        if (octets.length != 6) {
            return null;
        }
        StringBuilder out = new StringBuilder(17);
        for (String o : octets) {
            if (o.isEmpty() || o.length() > 2 || !o.matches("[0-9A-Fa-f]+")) {
                return null;
            }
            if (out.length() > 0) {
                out.append(':');
            }
            out.append(String.format(Locale.ROOT, "%02x", Integer.parseInt(o, 16)));
        }
        return out.toString();
    }

    private static long ipv4(String dotted) {
        long v = 0;
        for (String octet : dotted.split("\\.")) {
            int o = Integer.parseInt(octet);
            if (o > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + dotted);
            }
            v = (v << 8) | o;
        }
        return v;
    }
}
