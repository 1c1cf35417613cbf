package org.vmm4j.openbsd.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.vmm4j.Fact;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.host.HostFacts;
import org.vmm4j.internal.HostText;
import org.vmm4j.openbsd.OpenBsdHypervisor;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.guest.VmdClient;
import org.vmm4j.openbsd.guest.VmdGuestManager;
import org.vmm4j.openbsd.guest.VmdProtocol;

/**
 * What an OpenBSD host offers for vmm(4) (tier 1) and vmd (tier 2), decided from {@link HostFacts}
 * alone (plus whether vmd's socket answers), so recorded facts of real hosts can be replayed in tests.
 *
 * <ul>
 *   <li>CPU and kernel support: vmm(4) attaches as {@code vmm0 at mainbus0: VMX/EPT} (or
 *       {@code SVM/RVI}) in {@code /var/run/dmesg.boot} only when the CPU has VMX with EPT or SVM
 *       with RVI; the cpu0 feature line says whether VMX/SVM exist at all.</li>
 *   <li>vmd enabled: {@code vmd_flags} set (and not {@code NO}) in {@code /etc/rc.conf.local}.</li>
 *   <li>vmd running: its control socket answers.</li>
 * </ul>
 */
public final class OpenBsdProbe {
    public static final Path DEV_VMM = Path.of("/dev/vmm");
    public static final Path VMCTL = Path.of("/usr/sbin/vmctl");
    public static final Path VMD = Path.of("/usr/sbin/vmd");
    public static final Path RC_CONF_LOCAL = Path.of("/etc/rc.conf.local");
    public static final Path DMESG_BOOT = Path.of("/var/run/dmesg.boot");
    public static final Path VMM_BIOS = Path.of("/etc/firmware/vmm-bios");
    public static final Path VMD_SOCKET = VmdClient.SOCKET;

    private OpenBsdProbe() {}

    /** The vmm(4)-mode vmm0 reported at boot, e.g. {@code VMX/EPT}. */
    static Optional<String> vmmMode(HostFacts facts) {
        return facts.readFile(DMESG_BOOT)
                .flatMap(d -> HostText.value(d, "vmm0 at mainbus0", ':'))
                .filter(mode -> !mode.isEmpty())
                .map(mode -> mode.split("\\s+")[0]);
    }

    /** YES when cpu0's features include VMX or SVM, NO when the line is there without them, else UNKNOWN. */
    static Fact cpuHasVirtualization(HostFacts facts) {
        Optional<String> dmesg = facts.readFile(DMESG_BOOT);
        if (dmesg.isEmpty()) {
            return Fact.UNKNOWN;
        }
        boolean sawFeatures = false;
        for (String line : HostText.values(dmesg.get(), "cpu0", ':')) {
            if (line.matches(".*\\b(VMX|SVM)\\b.*")) {
                return Fact.YES;
            }
            sawFeatures |= line.contains("FPU");
        }
        return sawFeatures ? Fact.NO : Fact.UNKNOWN;
    }

    /** vmd_flags in rc.conf.local: YES when set to anything but NO. */
    static Fact vmdEnabled(HostFacts facts) {
        Optional<String> rc = facts.readFile(RC_CONF_LOCAL);
        if (rc.isEmpty()) {
            return facts.exists(RC_CONF_LOCAL) ? Fact.UNKNOWN : Fact.NO;
        }
        return HostText.value(rc.get(), "vmd_flags", '=')
                .map(flags -> Fact.of(!flags.equals("NO")))
                .orElse(Fact.NO);
    }

    public static List<HypervisorInfo> probe(HostFacts facts, Predicate<Path> socketAnswers) {
        String release = facts.sysctl("kern.osrelease").map(String::strip).orElse(null);
        Optional<VmmAbi> abi = VmmAbi.forRelease(release);
        Optional<String> mode = vmmMode(facts);
        Fact cpu = cpuHasVirtualization(facts);
        if (mode.isPresent()) {
            cpu = Fact.YES;
        }
        Fact kernel = mode.isPresent() ? Fact.YES : facts.readFile(DMESG_BOOT).isPresent() ? Fact.NO : Fact.UNKNOWN;
        boolean dev = facts.exists(DEV_VMM);
        boolean bios = facts.exists(VMM_BIOS);

        HypervisorInfo.Builder vmm = HypervisorInfo.builder(OpenBsdHypervisor.KIND)
                .available(Fact.of(dev))
                .cpuSupported(cpu)
                .kernelSupported(kernel)
                .initialized(kernel)
                .nested(Fact.NO)
                .uefiFirmware(Fact.NO)
                .version(release)
                .detail("device", DEV_VMM)
                .detail("abi", abi.map(VmmAbi::release).orElse(null))
                .detail("mode", mode.orElse(null));
        if (release != null && abi.isEmpty()) {
            vmm.detail("abiNote", "no vmm(4) layouts known for OpenBSD " + release + " (known: 7.4, 7.8+)");
        }
        if (mode.isEmpty() && cpu == Fact.YES) {
            vmm.detail(
                    "hint",
                    "the CPU has VMX/SVM but vmm0 did not attach: enable virtualization (and "
                            + "EPT/RVI) in the firmware settings and reboot");
        }

        Fact running = facts.exists(VMD_SOCKET) && socketAnswers.test(VMD_SOCKET) ? Fact.YES : Fact.NO;
        HypervisorInfo.Builder vmd = HypervisorInfo.builder(VmdGuestManager.KIND)
                .available(Fact.of(facts.exists(VMD) && facts.exists(VMCTL)))
                .enabled(vmdEnabled(facts))
                .running(running)
                .accessible(running)
                .cpuSupported(cpu)
                .kernelSupported(kernel)
                .nested(Fact.NO)
                .uefiFirmware(Fact.NO)
                .version(release)
                .detail("socket", VMD_SOCKET)
                .detail("vmctl", facts.exists(VMCTL))
                .detail("biosFirmware", bios ? "installed" : "missing (fw_update vmm-firmware)")
                .detail(
                        "protocol",
                        VmdProtocol.forRelease(release)
                                .map(VmdProtocol::release)
                                .orElse(null));
        return List.of(vmm.build(), vmd.build());
    }
}
