package org.vmm4j.openbsd.host;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmm4j.Fact;
import org.vmm4j.host.HostFacts;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.PlanStep;
import org.vmm4j.host.SafeNames;
import org.vmm4j.text.Message;

/**
 * Host plans for vmd: setup (firmware, enable and start vmd) and the three networking shapes
 * vm.conf(5) supports. Every step is an argument list or a file edit, idempotent on its own.
 */
public final class OpenBsdPlans {
    public static final Path VM_CONF = Path.of("/etc/vm.conf");
    public static final Path PF_CONF = Path.of("/etc/pf.conf");
    public static final Path SYSCTL_CONF = Path.of("/etc/sysctl.conf");
    /** vmd's default local prefix for {@code -L} / {@code local interface} (vm.conf {@code local prefix}). */
    public static final String VMD_LOCAL_PREFIX = "100.64.0.0/10";

    private static final Pattern CIDR = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,2})");

    private OpenBsdPlans() {}

    /**
     * The setup plan and whether the host must be rebooted before VMs can run (vmm0 did not attach
     * although the CPU has VMX/SVM: virtualization is off in the firmware).
     */
    public record Setup(HostPlan plan, boolean rebootRequired, String reason) {}

    public static Setup setup(HostFacts facts) {
        List<PlanStep> steps = new ArrayList<>();
        if (!facts.exists(OpenBsdProbe.VMM_BIOS)) {
            steps.add(new PlanStep.Run(
                    text("vmd.step.firmware"),
                    List.of("fw_update", "vmm-firmware"),
                    List.of("test", "-f", OpenBsdProbe.VMM_BIOS.toString()),
                    true));
        }
        steps.add(new PlanStep.Run(
                text("vmd.step.enable"),
                List.of("rcctl", "enable", "vmd"),
                List.of("rcctl", "get", "vmd", "status"),
                true));
        steps.add(new PlanStep.Run(
                text("vmd.step.start"), List.of("rcctl", "start", "vmd"), List.of("rcctl", "check", "vmd"), true));
        boolean attached = OpenBsdProbe.vmmMode(facts).isPresent();
        Fact cpu = OpenBsdProbe.cpuHasVirtualization(facts);
        boolean reboot = !attached && cpu == Fact.YES;
        String reason = attached
                ? ""
                : cpu == Fact.YES
                        ? "vmm0 did not attach: enable VT-x/AMD-V (with EPT/RVI) in the firmware settings and reboot"
                        : cpu == Fact.NO ? "the CPU has no VMX/SVM: vmm(4) cannot run here" : "vmm(4) support unknown";
        return new Setup(new HostPlan(text("vmd.plan.setup"), steps), reboot, reason);
    }

    private static Message text(String key, Object... arguments) {
        return OpenBsdHostMessages.CATALOG.message(key, arguments);
    }

    /**
     * Guests on {@code local interface} / {@code vmctl start -L}: vmd gives each a point-to-point
     * address from its local prefix and answers DHCP itself; the host forwards and NATs that prefix
     * out of the egress group.
     */
    public static HostPlan localNetwork() {
        List<PlanStep> steps = new ArrayList<>(forwarding());
        steps.add(new PlanStep.EnsureBlock(
                text("vmd.net.local-nat"),
                PF_CONF,
                "vmd-local",
                "pass out on egress from " + VMD_LOCAL_PREFIX + " to any nat-to (egress)\n",
                true));
        steps.add(reloadPf());
        return new HostPlan(text("vmd.net.local.title"), steps);
    }

    /**
     * Guests bridged onto a physical network: {@code bridge} with {@code uplink} as member, persistent
     * in {@code /etc/hostname.<bridge>}, and a vm.conf switch {@code switchName} on it (guest taps join
     * the bridge when vmd starts them).
     */
    public static HostPlan bridgedNetwork(String switchName, String bridge, String uplink) {
        SafeNames.require("switch name", switchName, 63);
        requireInterface("bridge", bridge, "bridge");
        SafeNames.require("uplink interface", uplink, 15);
        Path hostname = Path.of("/etc/hostname." + bridge);
        List<PlanStep> steps = new ArrayList<>();
        steps.add(
                new PlanStep.EnsureLine(text("vmd.net.add-at-boot", uplink, bridge), hostname, "add " + uplink, true));
        steps.add(new PlanStep.EnsureLine(text("vmd.net.up-at-boot", bridge), hostname, "up", true));
        steps.add(new PlanStep.Run(
                text("vmd.net.create", bridge),
                List.of("ifconfig", bridge, "create"),
                List.of("ifconfig", bridge),
                true));
        steps.add(new PlanStep.Run(
                text("vmd.net.add", uplink, bridge),
                List.of("ifconfig", bridge, "add", uplink, "up"),
                List.of(),
                true));
        steps.add(switchBlock(switchName, bridge));
        steps.add(vmctlReload());
        return new HostPlan(text("vmd.net.bridged.title", switchName, bridge, uplink), steps);
    }

    /**
     * Guests on a private routed subnet NATed to the outside: {@code vether} holds the gateway address
     * {@code gatewayCidr} (e.g. {@code 10.0.0.1/24}) and is a member of {@code bridge}, which vm.conf's
     * switch uses; pf NATs the subnet out of egress; IPv4 forwarding is on. Guests need static
     * addresses or a dhcpd(8) on the vether interface (not part of this plan).
     */
    public static HostPlan routedNatNetwork(String switchName, String bridge, String vether, String gatewayCidr) {
        SafeNames.require("switch name", switchName, 63);
        requireInterface("bridge", bridge, "bridge");
        requireInterface("vether", vether, "vether");
        Matcher m = CIDR.matcher(gatewayCidr);
        if (!m.matches() || Integer.parseInt(m.group(2)) > 30 || Integer.parseInt(m.group(2)) < 8) {
            throw new IllegalArgumentException("gateway must be an IPv4 address with a /8../30 prefix: " + gatewayCidr);
        }
        String gateway = m.group(1);
        for (String octet : gateway.split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + gateway);
            }
        }
        int prefix = Integer.parseInt(m.group(2));
        String network = networkOf(gateway, prefix) + "/" + prefix;
        String netmask = netmaskOf(prefix);
        List<PlanStep> steps = new ArrayList<>();
        Path vetherFile = Path.of("/etc/hostname." + vether);
        Path bridgeFile = Path.of("/etc/hostname." + bridge);
        steps.add(new PlanStep.EnsureLine(
                text("vmd.net.gateway-at-boot", vether), vetherFile, "inet " + gateway + " " + netmask, true));
        steps.add(new PlanStep.EnsureLine(
                text("vmd.net.add-at-boot", vether, bridge), bridgeFile, "add " + vether, true));
        steps.add(new PlanStep.EnsureLine(text("vmd.net.up-at-boot", bridge), bridgeFile, "up", true));
        steps.add(new PlanStep.Run(
                text("vmd.net.create", vether),
                List.of("ifconfig", vether, "create"),
                List.of("ifconfig", vether),
                true));
        steps.add(new PlanStep.Run(
                text("vmd.net.gateway-now", vether),
                List.of("ifconfig", vether, "inet", gateway, "netmask", netmask, "up"),
                List.of(),
                true));
        steps.add(new PlanStep.Run(
                text("vmd.net.create", bridge),
                List.of("ifconfig", bridge, "create"),
                List.of("ifconfig", bridge),
                true));
        steps.add(new PlanStep.Run(
                text("vmd.net.add", vether, bridge),
                List.of("ifconfig", bridge, "add", vether, "up"),
                List.of(),
                true));
        steps.addAll(forwarding());
        steps.add(new PlanStep.EnsureBlock(
                text("vmd.net.nat", network),
                PF_CONF,
                "vmd-nat-" + switchName,
                "table <vmm_subnet> { " + network + " }\npass out on egress from <vmm_subnet> nat-to (egress)\n",
                true));
        steps.add(reloadPf());
        steps.add(switchBlock(switchName, bridge));
        steps.add(vmctlReload());
        return new HostPlan(text("vmd.net.nat.title", network, vether, bridge), steps);
    }

    private static List<PlanStep> forwarding() {
        return List.of(
                new PlanStep.EnsureLine(text("vmd.net.forward-boot"), SYSCTL_CONF, "net.inet.ip.forwarding=1", true),
                new PlanStep.Run(
                        text("vmd.net.forward-now"), List.of("sysctl", "net.inet.ip.forwarding=1"), List.of(), true));
    }

    private static PlanStep reloadPf() {
        return new PlanStep.Run(text("vmd.net.pf-load"), List.of("pfctl", "-f", PF_CONF.toString()), List.of(), true);
    }

    private static PlanStep vmctlReload() {
        return new PlanStep.Run(text("vmd.net.reload"), List.of("vmctl", "reload"), List.of(), true);
    }

    private static PlanStep switchBlock(String switchName, String bridge) {
        return new PlanStep.EnsureBlock(
                text("vmd.net.switch", switchName, bridge),
                VM_CONF,
                "switch-" + switchName,
                "switch \"" + switchName + "\" {\n\tinterface " + bridge + "\n}\n",
                true);
    }

    private static void requireInterface(String what, String name, String driver) {
        SafeNames.require(what + " interface", name, 15);
        if (!name.matches(driver + "\\d+")) {
            throw new IllegalArgumentException(what + " interface must be " + driver + "<N>: " + name);
        }
    }

    private static String networkOf(String address, int prefix) {
        try {
            byte[] b = InetAddress.getByName(address).getAddress();
            int v = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
            int n = v & (int) (0xffff_ffffL << (32 - prefix));
            return ((n >>> 24) & 0xff) + "." + ((n >>> 16) & 0xff) + "." + ((n >>> 8) & 0xff) + "." + (n & 0xff);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv4 address: " + address, e);
        }
    }

    private static String netmaskOf(int prefix) {
        int n = (int) (0xffff_ffffL << (32 - prefix));
        return ((n >>> 24) & 0xff) + "." + ((n >>> 16) & 0xff) + "." + ((n >>> 8) & 0xff) + "." + (n & 0xff);
    }
}
