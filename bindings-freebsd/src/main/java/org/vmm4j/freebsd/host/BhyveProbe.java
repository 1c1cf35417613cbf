package org.vmm4j.freebsd.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmm4j.Fact;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.freebsd.BhyveHypervisor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.HostFacts;
import org.vmm4j.internal.HostText;

/**
 * What a FreeBSD host offers for bhyve, decided from {@link HostFacts} only (sysctls, files, programs),
 * so recorded facts of real hosts test it. Unknown stays unknown: a missing fact is never a "no".
 */
public final class BhyveProbe {
    public static final Path BHYVE = Path.of("/usr/sbin/bhyve");
    public static final Path BHYVECTL = Path.of("/usr/sbin/bhyvectl");
    public static final Path UEFI_FIRMWARE = Path.of("/usr/local/share/uefi-firmware/BHYVE_UEFI.fd");
    public static final Path VM_BHYVE = Path.of("/usr/local/sbin/vm");
    public static final Path DEV_VMM = Path.of("/dev/vmm");
    public static final Path DEV_VMMCTL = Path.of("/dev/vmmctl");
    public static final Path DMESG_BOOT = Path.of("/var/run/dmesg.boot");
    /** First FreeBSD version (kern.osreldate) with the 14.x vmm(4) ABI this backend speaks. */
    public static final int OSRELDATE_14 = 1_400_000;
    /** First FreeBSD version whose vm_memseg (and VM_ALLOC_MEMSEG) differ. */
    public static final int OSRELDATE_15 = 1_500_000;

    private final HostFacts facts;

    public BhyveProbe(HostFacts facts) {
        this.facts = facts;
    }

    public HypervisorInfo probe() {
        HypervisorInfo.Builder b = HypervisorInfo.builder(BhyveHypervisor.KIND);
        boolean bhyve = facts.exists(BHYVE);
        boolean bhyvectl = facts.exists(BHYVECTL);
        b.available(Fact.of(bhyve && bhyvectl))
                .detail("bhyve", bhyve ? BHYVE : "missing")
                .detail("bhyvectl", bhyvectl ? BHYVECTL : "missing");

        Optional<String> vmx = facts.sysctl("hw.vmm.vmx.initialized");
        Optional<String> svm = facts.sysctl("hw.vmm.svm.initialized");
        Fact loaded = vmx.isPresent() || svm.isPresent() ? Fact.YES : kldLoaded("vmm");
        b.enabled(loaded).detail("vmmLoaded", loaded.label());
        Fact initialized = Fact.UNKNOWN;
        if (vmx.isPresent() || svm.isPresent()) {
            initialized = Fact.of(HostText.flag(vmx.orElse("")).isYes()
                    || HostText.flag(svm.orElse("")).isYes());
            b.detail("vmmBackend", vmx.isPresent() ? "vmx" : "svm");
        } else if (loaded == Fact.NO) {
            initialized = Fact.NO;
        }
        b.initialized(initialized);

        b.cpuSupported(cpuSupport(b, initialized));

        Optional<Integer> osreldate = facts.sysctl("kern.osreldate").flatMap(BhyveProbe::parseInt);
        facts.sysctl("kern.osrelease").map(String::strip).ifPresent(b::version);
        if (osreldate.isPresent()) {
            int v = osreldate.get();
            b.detail("osreldate", v);
            b.kernelSupported(Fact.of(v >= OSRELDATE_14));
            b.detail(
                    "vmmAbi",
                    v >= OSRELDATE_15
                            ? "15 (vm_memseg differs from 14; /dev/vmmctl)"
                            : v >= OSRELDATE_14 ? "14" : "older than 14: not supported by vmm4j");
        }

        boolean devVmm = facts.exists(DEV_VMM);
        boolean vmmctl = facts.exists(DEV_VMMCTL);
        b.detail("devVmm", devVmm ? "present" : "absent");
        if (vmmctl) {
            b.detail("devVmmctl", "present");
        }
        b.accessible(loaded == Fact.NO ? Fact.NO : Fact.UNKNOWN);
        b.uefiFirmware(Fact.of(facts.exists(UEFI_FIRMWARE)));
        b.detail("uefiFirmwarePath", UEFI_FIRMWARE);
        b.detail("vmBhyve", facts.exists(VM_BHYVE) ? "installed" : "absent");
        List<String> pools = zfsPools();
        b.detail("zfsPools", pools == null ? "unknown" : String.join(",", pools));
        facts.sysctl("hw.vmm.maxcpu").map(String::strip).ifPresent(v -> b.detail("maxcpu", v));
        return b.build();
    }

    private Fact cpuSupport(HypervisorInfo.Builder b, Fact initialized) {
        Optional<String> dmesg = facts.readFile(DMESG_BOOT);
        if (dmesg.isPresent()) {
            Optional<String> vtx = HostText.value(dmesg.get(), "VT-x", ':');
            if (vtx.isPresent()) {
                boolean ept = vtx.get().contains("EPT");
                b.detail("vtx", vtx.get());
                b.detail("ept", ept ? "yes" : "no");
                return Fact.of(ept);
            }
            Optional<String> svm = HostText.value(dmesg.get(), "SVM", ':');
            if (svm.isPresent()) {
                boolean np = svm.get().matches(".*\\bNP\\b.*");
                b.detail("svm", svm.get());
                b.detail("rvi", np ? "yes" : "no");
                return Fact.of(np && !svm.get().contains("disabled"));
            }
            if (initialized != Fact.YES && dmesg.get().contains("CPU:")) {
                b.detail("vtx", "not reported by the kernel");
                return Fact.NO;
            }
        }
        return initialized == Fact.YES ? Fact.YES : Fact.UNKNOWN;
    }

    private Fact kldLoaded(String module) {
        return facts.succeeds(List.of("kldstat", "-q", "-m", module));
    }

    private List<String> zfsPools() {
        Optional<CommandResult> r = facts.run(List.of("zpool", "list", "-H", "-o", "name"));
        if (r.isEmpty()) {
            return null;
        }
        List<String> pools = new ArrayList<>();
        if (r.get().succeeded()) {
            r.get()
                    .stdout()
                    .lines()
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .forEach(pools::add);
        }
        return pools;
    }

    private static Optional<Integer> parseInt(String s) {
        try {
            return Optional.of(Integer.parseInt(s.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
