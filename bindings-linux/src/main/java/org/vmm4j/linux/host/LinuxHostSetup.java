package org.vmm4j.linux.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.PlanStep;
import org.vmm4j.host.SafeNames;
import org.vmm4j.text.Message;

/**
 * Builds the plan that makes a Linux host ready for KVM guests through libvirt: install QEMU,
 * libvirt and UEFI firmware, load the KVM module, enable and start libvirtd, put a user in the
 * {@code libvirt} and {@code kvm} groups, and define, autostart and start libvirt's default NAT
 * network. Every step has an idempotence check, so applying the plan to a ready host changes nothing.
 */
public final class LinuxHostSetup {
    /** Where libvirt packages install the definition of the {@code default} NAT network (192.168.122.0/24). */
    public static final String DEFAULT_NETWORK_XML = "/usr/share/libvirt/networks/default.xml";

    private static final List<String> VIRSH = List.of("virsh", "--connect", "qemu:///system");

    private final LinuxFamily family;
    private String user;
    private CpuVendor cpuVendor;
    private String networkXml = DEFAULT_NETWORK_XML;

    private LinuxHostSetup(LinuxFamily family) {
        this.family = Objects.requireNonNull(family, "family");
    }

    public static LinuxHostSetup forFamily(LinuxFamily family) {
        return new LinuxHostSetup(family);
    }

    /** Adds the user to the libvirt and kvm groups so it can manage guests without root. */
    public LinuxHostSetup user(String name) {
        this.user = SafeNames.requireAccountName("user name", name);
        return this;
    }

    /** Loads the vendor's KVM module (omitted when unknown: the kernel usually autoloads it). */
    public LinuxHostSetup cpuVendor(CpuVendor vendor) {
        this.cpuVendor = vendor;
        return this;
    }

    /** A different network XML file for {@code virsh net-define}, when the distribution puts it elsewhere. */
    public LinuxHostSetup networkXml(String absolutePath) {
        this.networkXml = SafeNames.requireAbsolutePath("network XML", absolutePath);
        return this;
    }

    /** The package names this family needs. */
    public List<String> packages() {
        return switch (family) {
            case DEBIAN ->
                List.of(
                        "qemu-system-x86",
                        "qemu-utils",
                        "libvirt-daemon-system",
                        "libvirt-clients",
                        "virtinst",
                        "ovmf");
            case FEDORA -> List.of("qemu-kvm", "qemu-img", "libvirt", "virt-install", "edk2-ovmf");
            case ALPINE ->
                List.of("qemu-system-x86_64", "qemu-img", "libvirt-daemon", "libvirt-qemu", "ovmf", "dnsmasq");
            case SUSE -> List.of("qemu-kvm", "qemu-tools", "libvirt", "virt-install", "qemu-ovmf-x86_64");
        };
    }

    public HostPlan plan() {
        List<PlanStep> steps = new ArrayList<>();
        List<String> packages = packages();
        List<String> installed = concat(installedCheck(), packages);
        switch (family) {
            case DEBIAN -> {
                steps.add(asRoot(text("linux.step.apt-update"), List.of("apt-get", "update"), installed));
                steps.add(asRoot(
                        text("linux.step.install"),
                        concat(List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y"), packages),
                        installed));
            }
            case FEDORA ->
                steps.add(asRoot(
                        text("linux.step.install"), concat(List.of("dnf", "install", "-y"), packages), installed));
            case ALPINE ->
                steps.add(asRoot(text("linux.step.install"), concat(List.of("apk", "add"), packages), installed));
            case SUSE ->
                steps.add(asRoot(
                        text("linux.step.install"),
                        concat(List.of("zypper", "--non-interactive", "install"), packages),
                        installed));
        }
        if (cpuVendor != null) {
            steps.add(asRoot(
                    text("linux.step.load-module", cpuVendor.kvmModule()),
                    List.of("modprobe", cpuVendor.kvmModule()),
                    List.of("test", "-c", "/dev/kvm")));
        }
        if (family == LinuxFamily.ALPINE) {
            steps.add(asRoot(
                    text("linux.step.libvirtd-boot-openrc"),
                    List.of("rc-update", "add", "libvirtd", "default"),
                    List.of("rc-update", "show", "default"),
                    "^\\s*libvirtd\\s*\\|"));
            steps.add(asRoot(
                    text("linux.step.libvirtd-now"),
                    List.of("rc-service", "libvirtd", "start"),
                    List.of("rc-service", "libvirtd", "status")));
        } else {
            steps.add(asRoot(
                    text("linux.step.libvirtd-boot"),
                    List.of("systemctl", "enable", "libvirtd"),
                    List.of("systemctl", "is-enabled", "--quiet", "libvirtd")));
            steps.add(asRoot(
                    text("linux.step.libvirtd-now"),
                    List.of("systemctl", "start", "libvirtd"),
                    List.of("systemctl", "is-active", "--quiet", "libvirtd")));
        }
        if (user != null) {
            for (String group : List.of("libvirt", "kvm")) {
                List<String> argv = family == LinuxFamily.ALPINE
                        ? List.of("addgroup", user, group)
                        : List.of("usermod", "--append", "--groups", group, user);
                steps.add(asRoot(
                        text("linux.step.add-group", user, group),
                        argv,
                        List.of("id", "-nG", user),
                        "(^|\\s)" + group + "(\\s|$)"));
            }
        }
        List<String> netInfo = concat(VIRSH, List.of("net-info", "default"));
        steps.add(asRoot(text("linux.step.define-network"), concat(VIRSH, List.of("net-define", networkXml)), netInfo));
        steps.add(asRoot(
                text("linux.step.network-autostart"),
                concat(VIRSH, List.of("net-autostart", "default")),
                netInfo,
                "^Autostart:\\s+yes"));
        steps.add(asRoot(
                text("linux.step.network-start"),
                concat(VIRSH, List.of("net-start", "default")),
                netInfo,
                "^Active:\\s+yes"));
        return new HostPlan(text("linux.plan.title", family.name().toLowerCase(Locale.ROOT)), steps);
    }

    /** A command that exits 0 only when every listed package is installed. */
    private List<String> installedCheck() {
        return switch (family) {
            case DEBIAN -> List.of("dpkg", "--status");
            case FEDORA, SUSE -> List.of("rpm", "--query");
            case ALPINE -> List.of("apk", "info", "--installed");
        };
    }

    private static PlanStep asRoot(Message description, List<String> command, List<String> check) {
        return new PlanStep.Run(description, command, check, true);
    }

    private static Message text(String key, Object... arguments) {
        return LinuxHostMessages.CATALOG.message(key, arguments);
    }

    /** A step skipped when {@code check} exits 0 and prints a match of {@code checkOutput}. */
    private static PlanStep asRoot(Message description, List<String> command, List<String> check, String checkOutput) {
        return new PlanStep.Run(description, command, check, checkOutput, true);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
