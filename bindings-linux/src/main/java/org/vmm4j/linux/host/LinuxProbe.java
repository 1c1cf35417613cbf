package org.vmm4j.linux.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmm4j.Fact;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.VmmException;
import org.vmm4j.internal.HostText;
import org.vmm4j.linux.KvmHypervisor;
import org.vmm4j.linux.KvmSystem;

/**
 * What a Linux host offers for KVM, libvirt and QEMU, decided from {@link LinuxHostFacts} only, so
 * recorded facts of real hosts test it. Unknown stays unknown: a fact the host did not give (an
 * unreadable /proc/cpuinfo, no /sys/module, a socket this user may not try) is never a "no".
 *
 * <ul>
 *   <li>KVM: {@code /dev/kvm} and whether this user may open it, the loaded modules under
 *       {@code /sys/module}, the API version asked of {@code /dev/kvm}, the CPU's vmx/svm flags and
 *       vendor in {@code /proc/cpuinfo}, nested virtualization from the vendor module's
 *       {@code nested} parameter, the kernel release.</li>
 *   <li>libvirt: the client library's version, the daemon's socket and whether it accepts a
 *       connection, UEFI firmware (OVMF).</li>
 *   <li>QEMU: the binary and its {@code --version}.</li>
 * </ul>
 */
public final class LinuxProbe {
    public static final Path DEV_KVM = Path.of(KvmSystem.DEVICE);
    public static final Path CPUINFO = Path.of("/proc/cpuinfo");
    public static final Path SYS_MODULE = Path.of("/sys/module");
    public static final Path LIB_MODULES = Path.of("/lib/modules");
    /** KVM's PVM vendor module: where it is loaded, KVM runs guest code through its instruction emulator. */
    public static final Path PVM_MODULE = SYS_MODULE.resolve("kvm_pvm");
    /** The vendor modules, in the order their {@code nested} parameter is looked for. */
    public static final List<String> VENDOR_MODULES = List.of("kvm_intel", "kvm_amd", "kvm_pvm");

    public static final List<Path> LIBVIRT_SOCKETS = List.of(
            Path.of("/var/run/libvirt/libvirt-sock"),
            Path.of("/run/libvirt/libvirt-sock"),
            Path.of("/var/run/libvirt/virtqemud-sock"),
            Path.of("/run/libvirt/virtqemud-sock"));
    public static final List<Path> QEMU_BINARIES = List.of(
            Path.of("/usr/bin/qemu-system-x86_64"),
            Path.of("/usr/libexec/qemu-kvm"),
            Path.of("/usr/local/bin/qemu-system-x86_64"));
    public static final List<Path> OVMF = List.of(
            Path.of("/usr/share/OVMF/OVMF_CODE.fd"),
            Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"),
            Path.of("/usr/share/edk2/ovmf/OVMF_CODE.fd"),
            Path.of("/usr/share/qemu/OVMF.fd"));
    private static final Pattern QEMU_VERSION = Pattern.compile("version (\\S+)");

    private final LinuxHostFacts facts;

    public LinuxProbe(LinuxHostFacts facts) {
        this.facts = facts;
    }

    /** KVM, libvirt and QEMU, in that order. */
    public List<HypervisorInfo> probe() {
        return List.of(kvm(), libvirt(), qemu());
    }

    public HypervisorInfo kvm() {
        HypervisorInfo.Builder b = HypervisorInfo.builder(KvmHypervisor.KIND);
        boolean device = facts.exists(DEV_KVM);
        b.available(Fact.of(device));
        b.accessible(device ? facts.readWriteAccess(DEV_KVM) : Fact.NO);

        boolean modulesVisible = facts.exists(SYS_MODULE);
        List<String> modules = new ArrayList<>();
        for (String m : List.of("kvm", "kvm_intel", "kvm_amd", "kvm_pvm")) {
            if (facts.exists(SYS_MODULE.resolve(m))) {
                modules.add(m);
            }
        }
        if (modulesVisible) {
            b.detail("modules", String.join(",", modules));
        }
        boolean vendorModule = modules.size() > (modules.contains("kvm") ? 1 : 0);
        b.enabled(device || vendorModule ? Fact.YES : modulesVisible ? Fact.NO : Fact.UNKNOWN);

        Optional<String> release =
                facts.sysctl("kernel.osrelease").map(String::strip).filter(r -> !r.isEmpty());
        release.ifPresent(r -> b.version(r).detail("hostKernel", r));
        b.kernelSupported(kernelSupport(device || modules.contains("kvm"), release));

        Integer api = null;
        if (device) {
            try {
                OptionalInt answer = facts.kvmApiVersion();
                if (answer.isPresent()) {
                    api = answer.getAsInt();
                }
            } catch (VmmException e) {
                b.detail("openError", e.getMessage());
            }
        }
        b.detail("apiVersion", api);
        b.initialized(api != null ? Fact.YES : Fact.UNKNOWN);

        Optional<String> cpuinfo = facts.readFile(CPUINFO);
        cpuinfo.flatMap(c -> HostText.value(c, "vendor_id", ':')).ifPresent(v -> b.detail("cpuVendor", v));
        Fact cpuFlags = cpuinfo.map(LinuxProbe::virtualizationFlags).orElse(Fact.UNKNOWN);
        if (cpuFlags == Fact.YES) {
            b.cpuSupported(Fact.YES).detail("cpuSupportedBy", "vmx/svm in /proc/cpuinfo");
        } else if (api != null) {
            b.cpuSupported(Fact.YES)
                    .detail(
                            "cpuSupportedBy",
                            "KVM answers although /proc/cpuinfo lists no vmx/svm (nested or PVM-based KVM)");
        } else {
            b.cpuSupported(cpuFlags);
        }
        nested(b);
        if (modulesVisible) {
            b.detail("guestCode", guestCodeEmulated(facts) ? "emulated (kvm_pvm)" : "hardware");
        }
        b.running(Fact.UNKNOWN);
        return b.build();
    }

    /**
     * Whether KVM here runs guest code through its instruction emulator: true with {@code kvm_pvm} loaded
     * (KVM nested through PVM, as on this project's build machine, where every guest instruction is
     * emulated and POPCNT or XSAVE stop a guest that uses them). What {@link KvmHypervisor#emulatesGuestCode()}
     * and so the {@code auto} CPU model answer.
     */
    public static boolean guestCodeEmulated(LinuxHostFacts facts) {
        return facts.exists(PVM_MODULE);
    }

    /**
     * YES with the kvm module loaded (or /dev/kvm there), or with kvm.ko installed for the running
     * kernel; NO only when the kernel's module tree is there and holds no KVM.
     */
    private Fact kernelSupport(boolean loaded, Optional<String> release) {
        if (loaded) {
            return Fact.YES;
        }
        if (release.isEmpty() || !facts.exists(LIB_MODULES.resolve(release.get()))) {
            return Fact.UNKNOWN;
        }
        return Fact.of(facts.exists(LIB_MODULES.resolve(release.get()).resolve("kernel/arch/x86/kvm")));
    }

    /** The {@code nested} parameter of the loaded vendor module: "Y" or "1" is on, "N" or "0" off. */
    private void nested(HypervisorInfo.Builder b) {
        for (String m : VENDOR_MODULES) {
            Optional<String> value = facts.readFile(SYS_MODULE.resolve(m).resolve("parameters/nested"));
            if (value.isPresent()) {
                String v = value.get().strip();
                b.detail("nestedParameter", m + "=" + v);
                b.nested(HostText.flag(v));
                return;
            }
        }
    }

    /** Whether the first {@code flags} line lists vmx or svm; UNKNOWN without a flags line. */
    private static Fact virtualizationFlags(String cpuinfo) {
        return HostText.value(cpuinfo, "flags", ':')
                .map(flags -> {
                    String padded = " " + flags + " ";
                    return Fact.of(padded.contains(" vmx ") || padded.contains(" svm "));
                })
                .orElse(Fact.UNKNOWN);
    }

    public HypervisorInfo libvirt() {
        HypervisorInfo.Builder b = HypervisorInfo.builder("libvirt");
        try {
            Optional<String> version = facts.libvirtVersion();
            b.available(Fact.YES).detail("soname", "libvirt.so.0");
            version.ifPresent(b::version);
        } catch (VmmException e) {
            b.available(Fact.NO).detail("libraryError", e.getMessage());
        }
        Path socket = null;
        for (Path p : LIBVIRT_SOCKETS) {
            if (facts.exists(p)) {
                socket = p;
                break;
            }
        }
        b.detail("socket", socket);
        b.enabled(Fact.of(socket != null));
        Fact accepts = socket == null ? Fact.NO : facts.acceptsConnections(socket);
        b.running(accepts);
        if (accepts == Fact.YES) {
            b.accessible(Fact.YES);
        }
        b.uefiFirmware(uefiFirmware());
        return b.build();
    }

    public HypervisorInfo qemu() {
        HypervisorInfo.Builder b = HypervisorInfo.builder("qemu");
        Path binary = null;
        for (Path p : QEMU_BINARIES) {
            if (facts.isExecutable(p)) {
                binary = p;
                break;
            }
        }
        b.available(Fact.of(binary != null)).detail("binary", binary);
        if (binary != null) {
            facts.output(List.of(binary.toString(), "--version"))
                    .flatMap(out -> {
                        Matcher m = QEMU_VERSION.matcher(out);
                        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
                    })
                    .ifPresent(b::version);
        }
        b.uefiFirmware(uefiFirmware());
        return b.build();
    }

    private Fact uefiFirmware() {
        for (Path p : OVMF) {
            if (facts.exists(p)) {
                return Fact.YES;
            }
        }
        return Fact.NO;
    }
}
