package org.vmm4j.freebsd.host;

import static org.vmm4j.freebsd.host.BhyveSetupPlans.pkg;
import static org.vmm4j.freebsd.host.BhyveSetupPlans.sysrc;
import static org.vmm4j.freebsd.host.BhyveSetupPlans.sysrcAdd;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.PlanStep;
import org.vmm4j.host.SafeNames;
import org.vmm4j.text.Message;

/**
 * Guest networking on FreeBSD as host plans: a bridge now (ifconfig) and at boot (rc.conf through
 * sysrc), NAT through a pf anchor, DHCP through dnsmasq, and per-guest taps. Every interface name is
 * validated before it reaches a program.
 */
public final class BhyveNetworkPlans {
    public static final Path PF_CONF = Path.of("/etc/pf.conf");
    public static final Path SYSCTL_CONF = Path.of("/etc/sysctl.conf");
    public static final Path DNSMASQ_CONF = Path.of("/usr/local/etc/dnsmasq.conf");
    public static final Path ANCHOR_DIR = Path.of("/usr/local/etc/vmm4j");

    private static final Pattern BRIDGE = Pattern.compile("bridge[0-9]{1,4}");
    private static final Pattern TAP = Pattern.compile("tap[0-9]{1,5}");
    private static final Pattern CIDR = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])");
    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])");

    private BhyveNetworkPlans() {}

    /**
     * Bridged mode: guests share the physical interface's network.
     *
     * @param bridge   the name of the bridge interface
     * @param physical the host's uplink, e.g. {@code em0}
     */
    public static HostPlan bridged(String bridge, String physical) {
        bridge(bridge);
        SafeNames.require("interface", physical, 15);
        List<PlanStep> steps = new ArrayList<>();
        steps.add(new PlanStep.Run(
                text("net.bridged.create", bridge, physical),
                List.of("ifconfig", bridge, "create", "addm", physical, "up"),
                List.of("ifconfig", bridge),
                true));
        steps.add(sysrcAdd(text("net.create-at-boot", bridge), "cloned_interfaces", bridge));
        steps.add(sysrc(text("net.configure-at-boot", bridge), "ifconfig_" + bridge, "addm " + physical + " up"));
        steps.addAll(tapUpOnOpen());
        return new HostPlan(text("net.bridged.title", bridge, physical), steps);
    }

    /**
     * NAT mode: a private bridge with the host as gateway, pf NAT to {@code external} in the anchor
     * {@code vmm4j/BRIDGE}, IP forwarding, and optionally DHCP from dnsmasq.
     *
     * @param gatewayCidr the host's address on the bridge with the prefix, e.g. {@code 10.77.0.1/24}
     * @param dhcpFrom    first DHCP address, or {@code null} for no DHCP
     * @param dhcpTo      last DHCP address
     */
    public static HostPlan nat(String bridge, String gatewayCidr, String external, String dhcpFrom, String dhcpTo) {
        List<PlanStep> steps = new ArrayList<>(privateBridge(bridge, gatewayCidr));
        SafeNames.require("interface", external, 15);
        String subnet = subnet(gatewayCidr);
        steps.add(sysrc(text("net.forwarding-boot"), "gateway_enable", "YES"));
        steps.add(new PlanStep.Run(
                text("net.forwarding-now"), List.of("sysctl", "net.inet.ip.forwarding=1"), List.of(), true));
        Path anchorFile = ANCHOR_DIR.resolve("pf-" + bridge + ".conf");
        steps.add(new PlanStep.EnsureBlock(
                text("net.nat-rule", bridge),
                anchorFile,
                "nat-" + bridge,
                "nat on " + external + " inet from " + subnet + " to any -> (" + external + ")",
                true));
        steps.add(new PlanStep.EnsureBlock(
                text("net.anchors"), PF_CONF, "anchors", "nat-anchor \"vmm4j/*\"\nanchor \"vmm4j/*\"", true));
        steps.add(new PlanStep.EnsureBlock(
                text("net.anchor-boot", bridge),
                PF_CONF,
                "anchor-" + bridge,
                "load anchor \"vmm4j/" + bridge + "\" from \"" + anchorFile + "\"",
                true));
        steps.add(sysrc(text("net.pf-boot"), "pf_enable", "YES"));
        steps.add(new PlanStep.Run(
                text("net.pf-start"), List.of("service", "pf", "start"), List.of("service", "pf", "status"), true));
        steps.add(new PlanStep.Run(
                text("net.nat-now"),
                List.of("pfctl", "-a", "vmm4j/" + bridge, "-f", anchorFile.toString()),
                List.of(),
                true));
        if (dhcpFrom != null) {
            steps.addAll(dhcp(bridge, dhcpFrom, dhcpTo));
        }
        return new HostPlan(text("net.nat.title", bridge, subnet, external), steps);
    }

    /** Host-only mode: a private bridge the host can reach, no route out, optionally DHCP. */
    public static HostPlan hostOnly(String bridge, String gatewayCidr, String dhcpFrom, String dhcpTo) {
        List<PlanStep> steps = new ArrayList<>(privateBridge(bridge, gatewayCidr));
        if (dhcpFrom != null) {
            steps.addAll(dhcp(bridge, dhcpFrom, dhcpTo));
        }
        return new HostPlan(text("net.host-only.title", bridge, subnet(gatewayCidr)), steps);
    }

    /**
     * A tap for one guest, added to a bridge. Creating is skipped when the tap exists; adding it to the
     * bridge is not checkable with an exit status and fails if it is already a member.
     */
    public static HostPlan addTap(String tap, String bridge) {
        tap(tap);
        bridge(bridge);
        return new HostPlan(
                text("net.tap.title", tap, bridge),
                List.of(
                        new PlanStep.Run(
                                text("net.tap.create", tap),
                                List.of("ifconfig", tap, "create", "up"),
                                List.of("ifconfig", tap),
                                true),
                        new PlanStep.Run(
                                text("net.tap.add", tap, bridge),
                                List.of("ifconfig", bridge, "addm", tap),
                                List.of(),
                                true)));
    }

    /** Removes a guest's tap (which also takes it out of its bridge). */
    public static HostPlan removeTap(String tap) {
        tap(tap);
        return new HostPlan(
                text("net.tap.remove-title", tap),
                List.of(new PlanStep.Run(
                        text("net.tap.destroy", tap), List.of("ifconfig", tap, "destroy"), List.of(), true)));
    }

    private static List<PlanStep> privateBridge(String bridge, String gatewayCidr) {
        bridge(bridge);
        cidr(gatewayCidr);
        List<PlanStep> steps = new ArrayList<>();
        steps.add(new PlanStep.Run(
                text("net.private.create", bridge, gatewayCidr),
                List.of("ifconfig", bridge, "create", "inet", gatewayCidr, "up"),
                List.of("ifconfig", bridge),
                true));
        steps.add(sysrcAdd(text("net.create-at-boot", bridge), "cloned_interfaces", bridge));
        steps.add(sysrc(text("net.configure-at-boot", bridge), "ifconfig_" + bridge, "inet " + gatewayCidr + " up"));
        steps.addAll(tapUpOnOpen());
        return steps;
    }

    private static List<PlanStep> tapUpOnOpen() {
        return List.of(
                new PlanStep.Run(
                        text("net.tap-up-now"), List.of("sysctl", "net.link.tap.up_on_open=1"), List.of(), true),
                new PlanStep.EnsureLine(text("net.tap-up-boot"), SYSCTL_CONF, "net.link.tap.up_on_open=1", true));
    }

    private static List<PlanStep> dhcp(String bridge, String from, String to) {
        if (!IPV4.matcher(from).matches() || to == null || !IPV4.matcher(to).matches()) {
            throw new IllegalArgumentException("DHCP range " + from + " - " + to + " is not two IPv4 addresses");
        }
        return List.of(
                pkg("dnsmasq", text("net.dnsmasq-install")),
                new PlanStep.EnsureBlock(
                        text("net.dhcp", bridge),
                        DNSMASQ_CONF,
                        "dhcp-" + bridge,
                        "interface=" + bridge + "\nbind-dynamic\ndhcp-range=" + bridge + "," + from + "," + to + ",12h",
                        true),
                sysrc(text("net.dnsmasq-boot"), "dnsmasq_enable", "YES"),
                new PlanStep.Run(
                        text("net.dnsmasq-restart"), List.of("service", "dnsmasq", "restart"), List.of(), true));
    }

    private static Message text(String key, Object... arguments) {
        return FreeBsdHostMessages.CATALOG.message(key, arguments);
    }

    /** The network of {@code 10.77.0.1/24}: {@code 10.77.0.0/24}. */
    static String subnet(String cidr) {
        cidr(cidr);
        String[] parts = cidr.split("/");
        int prefix = Integer.parseInt(parts[1]);
        String[] o = parts[0].split("\\.");
        long ip = 0;
        for (String s : o) {
            ip = (ip << 8) | Integer.parseInt(s);
        }
        long mask = prefix == 0 ? 0 : (0xffff_ffffL << (32 - prefix)) & 0xffff_ffffL;
        long net = ip & mask;
        return ((net >> 24) & 0xff) + "." + ((net >> 16) & 0xff) + "." + ((net >> 8) & 0xff) + "." + (net & 0xff) + "/"
                + prefix;
    }

    private static void bridge(String name) {
        if (name == null || !BRIDGE.matcher(name).matches()) {
            throw new IllegalArgumentException("bridge '" + name + "' must be named bridgeN");
        }
    }

    private static void tap(String name) {
        if (name == null || !TAP.matcher(name).matches()) {
            throw new IllegalArgumentException("tap '" + name + "' must be named tapN");
        }
    }

    private static void cidr(String cidr) {
        if (cidr == null || !CIDR.matcher(cidr).matches()) {
            throw new IllegalArgumentException("'" + cidr + "' is not an IPv4 address with prefix, e.g. 10.77.0.1/24");
        }
    }
}
