package org.vmm4j.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * cloud-init network configuration version 2 (the netplan-shaped format): a list of ethernet
 * interfaces, each matched by name glob or MAC address, configured by DHCP or static addresses.
 */
public final class NetworkConfig {
    private final List<Ethernet> ethernets;

    private NetworkConfig(List<Ethernet> ethernets) {
        if (ethernets.isEmpty()) {
            throw new IllegalArgumentException("network config needs at least one interface");
        }
        this.ethernets = List.copyOf(ethernets);
    }

    public static NetworkConfig of(Ethernet... ethernets) {
        return new NetworkConfig(List.of(ethernets));
    }

    /** DHCPv4 on the first interface whose name matches {@code glob} (e.g. {@code en*}, {@code vtnet*}). */
    public static NetworkConfig dhcpOn(String glob) {
        return of(Ethernet.builder("primary").matchName(glob).dhcp4(true).build());
    }

    public List<Ethernet> ethernets() {
        return ethernets;
    }

    /** The network-config file's YAML. */
    public String toYaml() {
        Map<String, Object> interfaces = new LinkedHashMap<>();
        ethernets.forEach(e -> interfaces.put(e.id(), e.toYamlMap()));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", 2);
        doc.put("ethernets", interfaces);
        return CloudYaml.dump(doc);
    }

    /** One ethernet interface; build with {@link #builder(String)}. */
    public static final class Ethernet {
        private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
        private static final Pattern GLOB = Pattern.compile("[A-Za-z0-9_.*?-]{1,15}");
        private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");

        private final String id;
        private final Map<String, Object> yaml;

        private Ethernet(Builder b) {
            this.id = b.id;
            Map<String, Object> m = new LinkedHashMap<>();
            Map<String, Object> match = new LinkedHashMap<>();
            if (b.matchName != null) {
                match.put("name", b.matchName);
            }
            if (b.matchMac != null) {
                match.put("macaddress", b.matchMac);
            }
            if (!match.isEmpty()) {
                m.put("match", match);
                if (b.matchMac != null) {
                    m.put("set-name", id);
                }
            }
            m.put("dhcp4", b.dhcp4);
            if (b.dhcp4 && !b.addresses.isEmpty()) {
                throw new IllegalArgumentException("interface " + id + ": choose DHCP or static addresses, not both");
            }
            if (!b.dhcp4 && b.addresses.isEmpty()) {
                throw new IllegalArgumentException("interface " + id + ": without DHCP it needs at least one address");
            }
            if (!b.addresses.isEmpty()) {
                m.put("addresses", List.copyOf(b.addresses));
            }
            if (b.gateway4 != null) {
                m.put("routes", List.of(Map.of("to", "0.0.0.0/0", "via", b.gateway4)));
            }
            if (!b.nameservers.isEmpty() || !b.search.isEmpty()) {
                Map<String, Object> ns = new LinkedHashMap<>();
                if (!b.nameservers.isEmpty()) {
                    ns.put("addresses", List.copyOf(b.nameservers));
                }
                if (!b.search.isEmpty()) {
                    ns.put("search", List.copyOf(b.search));
                }
                m.put("nameservers", ns);
            }
            this.yaml = m;
        }

        public static Builder builder(String id) {
            if (id == null || !ID.matcher(id).matches()) {
                throw new IllegalArgumentException(
                        "interface id must be 1..15 of letters, digits, '_', '.', '-', got '" + id + "'");
            }
            return new Builder(id);
        }

        public String id() {
            return id;
        }

        Map<String, Object> toYamlMap() {
            return yaml;
        }

        /** Builder for {@link Ethernet}. */
        public static final class Builder {
            private final String id;
            private String matchName;
            private String matchMac;
            private boolean dhcp4;
            private final List<String> addresses = new ArrayList<>();
            private String gateway4;
            private final List<String> nameservers = new ArrayList<>();
            private final List<String> search = new ArrayList<>();

            private Builder(String id) {
                this.id = id;
            }

            public Builder matchName(String glob) {
                if (glob == null || !GLOB.matcher(glob).matches()) {
                    throw new IllegalArgumentException(
                            "interface name glob must be 1..15 of letters, digits, _.*?-, got '" + glob + "'");
                }
                this.matchName = glob;
                return this;
            }

            public Builder matchMac(String mac) {
                String lower = Objects.requireNonNull(mac, "mac").toLowerCase(java.util.Locale.ROOT);
                if (!MAC.matcher(lower).matches()) {
                    throw new IllegalArgumentException("not a MAC address: '" + mac + "'");
                }
                this.matchMac = lower;
                return this;
            }

            public Builder dhcp4(boolean enabled) {
                this.dhcp4 = enabled;
                return this;
            }

            /** A static address in CIDR form, e.g. {@code 192.168.122.10/24}. */
            public Builder address(String cidr) {
                addresses.add(IpAddresses.requireCidr(cidr));
                return this;
            }

            public Builder gateway4(String address) {
                this.gateway4 = IpAddresses.requireIpv4(address);
                return this;
            }

            public Builder nameserver(String address) {
                nameservers.add(IpAddresses.requireAddress(address));
                return this;
            }

            public Builder searchDomain(String domain) {
                search.add(domain.contains(".") ? CloudNames.fqdn(domain) : CloudNames.hostname(domain));
                return this;
            }

            public Ethernet build() {
                return new Ethernet(this);
            }
        }
    }
}
