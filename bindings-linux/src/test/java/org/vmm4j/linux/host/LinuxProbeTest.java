package org.vmm4j.linux.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.Fact;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.linux.KvmHypervisor;

/** The probe against facts recorded from Linux hosts, and once against this host. */
class LinuxProbeTest {
    private static final String INTEL_CPUINFO = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            model name\t: Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz
            flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr vmx smx est tm2 ssse3 ept vpid
            """;
    private static final String AMD_CPUINFO = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            model name\t: AMD Ryzen 7 5800X 8-Core Processor
            flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr svm extapic cr8_legacy npt nrip_save
            """;
    /** A cloud VM without nested virtualization: the CPU says it runs under a hypervisor, no vmx. */
    private static final String GUEST_CPUINFO = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            model name\t: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz
            flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr hypervisor lahf_lm abm
            """;

    /** Debian 12 on an Intel workstation: KVM loaded with nested on, libvirtd running, QEMU and OVMF. */
    static RecordedLinuxHostFacts debian12Intel() {
        return new RecordedLinuxHostFacts()
                .device("/dev/kvm", Fact.YES)
                .kvmApiVersion(12)
                .path("/sys/module")
                .path("/sys/module/kvm")
                .path("/sys/module/kvm_intel")
                .file("/sys/module/kvm_intel/parameters/nested", "Y\n")
                .file("/proc/cpuinfo", INTEL_CPUINFO)
                .sysctl("kernel.osrelease", "6.1.0-28-amd64")
                .path("/lib/modules/6.1.0-28-amd64")
                .path("/lib/modules/6.1.0-28-amd64/kernel/arch/x86/kvm")
                .libvirt("9.0.0")
                .socket("/run/libvirt/libvirt-sock", Fact.YES)
                .executable("/usr/bin/qemu-system-x86_64")
                .command(
                        List.of("/usr/bin/qemu-system-x86_64", "--version"),
                        0,
                        "QEMU emulator version 7.2.15 (Debian 1:7.2+dfsg-7+deb12u12)\n"
                                + "Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n")
                .path("/usr/share/OVMF/OVMF_CODE_4M.fd");
    }

    /** Ubuntu 24.04 on AMD: kvm_amd with nested=1, modular libvirt daemons (virtqemud). */
    static RecordedLinuxHostFacts ubuntu2404Amd() {
        return new RecordedLinuxHostFacts()
                .device("/dev/kvm", Fact.YES)
                .kvmApiVersion(12)
                .path("/sys/module")
                .path("/sys/module/kvm")
                .path("/sys/module/kvm_amd")
                .file("/sys/module/kvm_amd/parameters/nested", "1\n")
                .file("/proc/cpuinfo", AMD_CPUINFO)
                .sysctl("kernel.osrelease", "6.8.0-49-generic")
                .libvirt("10.0.0")
                .socket("/run/libvirt/virtqemud-sock", Fact.YES);
    }

    @Test
    void intelHostWithKvmAndLibvirtIsReadyWithNestedOn() {
        List<HypervisorInfo> all = new LinuxProbe(debian12Intel()).probe();
        assertEquals(
                List.of(KvmHypervisor.KIND, "libvirt", "qemu"),
                all.stream().map(HypervisorInfo::kind).toList());
        HypervisorInfo kvm = all.get(0);
        assertEquals(Fact.YES, kvm.available());
        assertEquals(Fact.YES, kvm.accessible());
        assertEquals(Fact.YES, kvm.enabled());
        assertEquals(Fact.YES, kvm.initialized());
        assertEquals(Fact.YES, kvm.cpuSupported());
        assertEquals(Fact.YES, kvm.kernelSupported());
        assertEquals(Fact.YES, kvm.nested());
        assertEquals(Fact.UNKNOWN, kvm.running(), "KVM has no daemon");
        assertEquals("6.1.0-28-amd64", kvm.version());
        assertEquals("12", kvm.details().get("apiVersion"));
        assertEquals("kvm,kvm_intel", kvm.details().get("modules"));
        assertEquals("GenuineIntel", kvm.details().get("cpuVendor"));
        assertEquals("kvm_intel=Y", kvm.details().get("nestedParameter"));
        assertEquals("vmx/svm in /proc/cpuinfo", kvm.details().get("cpuSupportedBy"));
        assertEquals("hardware", kvm.details().get("guestCode"), "no kvm_pvm: guest code runs on the CPU");

        HypervisorInfo libvirt = all.get(1);
        assertEquals(Fact.YES, libvirt.available());
        assertEquals("9.0.0", libvirt.version());
        assertEquals(Fact.YES, libvirt.enabled());
        assertEquals(Fact.YES, libvirt.running());
        assertEquals(Fact.YES, libvirt.accessible());
        assertEquals("/run/libvirt/libvirt-sock", libvirt.details().get("socket"));
        assertEquals(Fact.YES, libvirt.uefiFirmware());

        HypervisorInfo qemu = all.get(2);
        assertEquals(Fact.YES, qemu.available());
        assertEquals("7.2.15", qemu.version());
        assertEquals("/usr/bin/qemu-system-x86_64", qemu.details().get("binary"));
    }

    @Test
    void amdHostReadsNestedFromKvmAmdAndFindsVirtqemud() {
        LinuxProbe probe = new LinuxProbe(ubuntu2404Amd());
        HypervisorInfo kvm = probe.kvm();
        assertEquals(Fact.YES, kvm.cpuSupported(), "svm");
        assertEquals(Fact.YES, kvm.nested());
        assertEquals("kvm_amd=1", kvm.details().get("nestedParameter"));
        assertEquals("AuthenticAMD", kvm.details().get("cpuVendor"));
        assertEquals("kvm,kvm_amd", kvm.details().get("modules"));
        HypervisorInfo libvirt = probe.libvirt();
        assertEquals("/run/libvirt/virtqemud-sock", libvirt.details().get("socket"));
        assertEquals(Fact.YES, libvirt.running());
        assertEquals(Fact.NO, libvirt.uefiFirmware());
        HypervisorInfo qemu = probe.qemu();
        assertEquals(Fact.NO, qemu.available());
        assertNull(qemu.version());
    }

    @Test
    void nestedOffIsNo() {
        RecordedLinuxHostFacts facts = debian12Intel().file("/sys/module/kvm_intel/parameters/nested", "N\n");
        HypervisorInfo kvm = new LinuxProbe(facts).kvm();
        assertEquals(Fact.NO, kvm.nested());
        assertEquals("kvm_intel=N", kvm.details().get("nestedParameter"));
        RecordedLinuxHostFacts amd = ubuntu2404Amd().file("/sys/module/kvm_amd/parameters/nested", "0\n");
        assertEquals(Fact.NO, new LinuxProbe(amd).kvm().nested());
    }

    @Test
    void hostWithoutTheKvmModuleIsNotEnabledButItsKernelHasKvm() {
        RecordedLinuxHostFacts facts = new RecordedLinuxHostFacts()
                .path("/sys/module")
                .path("/sys/module/virtio_net")
                .file("/proc/cpuinfo", GUEST_CPUINFO)
                .sysctl("kernel.osrelease", "6.1.0-28-cloud-amd64")
                .path("/lib/modules/6.1.0-28-cloud-amd64")
                .path("/lib/modules/6.1.0-28-cloud-amd64/kernel/arch/x86/kvm");
        HypervisorInfo kvm = new LinuxProbe(facts).kvm();
        assertEquals(Fact.NO, kvm.available());
        assertEquals(Fact.NO, kvm.accessible());
        assertEquals(Fact.NO, kvm.enabled());
        assertEquals(Fact.YES, kvm.kernelSupported(), "kvm.ko is installed for the running kernel");
        assertEquals(Fact.NO, kvm.cpuSupported(), "no vmx or svm, and KVM does not answer");
        assertEquals(Fact.UNKNOWN, kvm.nested(), "no vendor module to ask");
        assertEquals(Fact.UNKNOWN, kvm.initialized());
        assertEquals("", kvm.details().get("modules"));
        assertFalse(kvm.details().containsKey("apiVersion"));
    }

    @Test
    void kernelBuiltWithoutKvmIsNotSupported() {
        RecordedLinuxHostFacts facts = new RecordedLinuxHostFacts()
                .path("/sys/module")
                .file("/proc/cpuinfo", INTEL_CPUINFO)
                .sysctl("kernel.osrelease", "6.6.30-custom")
                .path("/lib/modules/6.6.30-custom");
        HypervisorInfo kvm = new LinuxProbe(facts).kvm();
        assertEquals(Fact.NO, kvm.kernelSupported());
        assertEquals(Fact.YES, kvm.cpuSupported());
    }

    @Test
    void kvmPresentButNotAccessibleSaysWhyAndKeepsWhatItKnows() {
        RecordedLinuxHostFacts facts = debian12Intel()
                .device("/dev/kvm", Fact.NO)
                .kvmOpenError("/dev/kvm is not accessible for this user: add the user to the group that owns it "
                        + "(usually 'kvm') or run as root");
        HypervisorInfo kvm = new LinuxProbe(facts).kvm();
        assertEquals(Fact.YES, kvm.available());
        assertEquals(Fact.NO, kvm.accessible());
        assertEquals(Fact.YES, kvm.enabled());
        assertEquals(Fact.UNKNOWN, kvm.initialized(), "the API version could not be asked");
        assertEquals(Fact.YES, kvm.cpuSupported(), "from /proc/cpuinfo");
        assertTrue(
                kvm.details().get("openError").contains("not accessible"),
                kvm.details().toString());
        assertFalse(kvm.details().containsKey("apiVersion"));
    }

    @Test
    void pvmHostWithoutVmxFlagIsSupportedBecauseKvmAnswers() {
        // Recorded on this project's build machine: KVM through kvm_pvm inside a VM without vmx.
        RecordedLinuxHostFacts facts = new RecordedLinuxHostFacts()
                .device("/dev/kvm", Fact.YES)
                .kvmApiVersion(12)
                .path("/sys/module")
                .path("/sys/module/kvm")
                .path("/sys/module/kvm_pvm")
                .file("/proc/cpuinfo", GUEST_CPUINFO)
                .sysctl("kernel.osrelease", "6.18.44-fc-v1147");
        HypervisorInfo kvm = new LinuxProbe(facts).kvm();
        assertEquals(Fact.YES, kvm.cpuSupported());
        assertTrue(
                kvm.details().get("cpuSupportedBy").contains("PVM"),
                kvm.details().toString());
        assertEquals(Fact.YES, kvm.kernelSupported());
        assertEquals(Fact.YES, kvm.enabled());
        assertEquals(Fact.UNKNOWN, kvm.nested(), "kvm_pvm has no nested parameter");
        assertEquals("emulated (kvm_pvm)", kvm.details().get("guestCode"));
        assertTrue(LinuxProbe.guestCodeEmulated(facts));
    }

    @Test
    void libvirtAbsentIsNoEverywhere() {
        HypervisorInfo libvirt = new LinuxProbe(new RecordedLinuxHostFacts()).libvirt();
        assertEquals(Fact.NO, libvirt.available());
        assertTrue(
                libvirt.details().get("libraryError").contains("libvirt.so.0"),
                libvirt.details().toString());
        assertEquals(Fact.NO, libvirt.enabled());
        assertEquals(Fact.NO, libvirt.running());
        assertEquals(Fact.UNKNOWN, libvirt.accessible());
        assertNull(libvirt.version());
    }

    @Test
    void libvirtInstalledWithItsDaemonStoppedIsNotRunning() {
        RecordedLinuxHostFacts facts =
                new RecordedLinuxHostFacts().libvirt("9.0.0").socket("/run/libvirt/libvirt-sock", Fact.NO);
        HypervisorInfo libvirt = new LinuxProbe(facts).libvirt();
        assertEquals(Fact.YES, libvirt.available());
        assertEquals(Fact.YES, libvirt.enabled());
        assertEquals(Fact.NO, libvirt.running());
        assertEquals(Fact.UNKNOWN, libvirt.accessible());
    }

    @Test
    void socketThisUserMayNotTryLeavesRunningUnknown() {
        RecordedLinuxHostFacts facts =
                new RecordedLinuxHostFacts().libvirt("9.0.0").socket("/var/run/libvirt/libvirt-sock", Fact.UNKNOWN);
        HypervisorInfo libvirt = new LinuxProbe(facts).libvirt();
        assertEquals(Fact.UNKNOWN, libvirt.running());
        assertEquals(Fact.UNKNOWN, libvirt.accessible());
    }

    @Test
    void nothingKnownStaysUnknown() {
        HypervisorInfo kvm = new LinuxProbe(new RecordedLinuxHostFacts()).kvm();
        assertEquals(Fact.UNKNOWN, kvm.enabled(), "no /sys/module to look at");
        assertEquals(Fact.UNKNOWN, kvm.kernelSupported());
        assertEquals(Fact.UNKNOWN, kvm.cpuSupported());
        assertEquals(Fact.UNKNOWN, kvm.nested());
        assertEquals(Fact.UNKNOWN, kvm.initialized());
        assertNull(kvm.version());
        assertFalse(kvm.details().containsKey("modules"), "module list unknown, not empty");

        RecordedLinuxHostFacts cpuinfoWithoutFlags =
                new RecordedLinuxHostFacts().file("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n");
        assertEquals(Fact.UNKNOWN, new LinuxProbe(cpuinfoWithoutFlags).kvm().cpuSupported());

        RecordedLinuxHostFacts unreadableDevice = new RecordedLinuxHostFacts().path("/dev/kvm");
        HypervisorInfo unasked = new LinuxProbe(unreadableDevice).kvm();
        assertEquals(Fact.YES, unasked.available());
        assertEquals(Fact.UNKNOWN, unasked.accessible());
        assertEquals(Fact.UNKNOWN, unasked.initialized(), "no native access: the API version was not asked");

        RecordedLinuxHostFacts oddNested = debian12Intel().file("/sys/module/kvm_intel/parameters/nested", "?\n");
        assertEquals(Fact.UNKNOWN, new LinuxProbe(oddNested).kvm().nested());
    }

    @Test
    void qemuThatCannotTellItsVersionIsAvailableWithoutOne() {
        RecordedLinuxHostFacts facts = new RecordedLinuxHostFacts()
                .executable("/usr/libexec/qemu-kvm")
                .command(List.of("/usr/libexec/qemu-kvm", "--version"), 1, "");
        HypervisorInfo qemu = new LinuxProbe(facts).qemu();
        assertEquals(Fact.YES, qemu.available());
        assertEquals("/usr/libexec/qemu-kvm", qemu.details().get("binary"));
        assertNull(qemu.version());
    }

    @Test
    void liveHostAgreesWithWhatJavaSeesOfIt() throws IOException {
        LinuxProbe probe = new LinuxProbe(new LiveLinuxHostFacts());
        HypervisorInfo kvm = probe.kvm();
        Path dev = Path.of("/dev/kvm");
        assertEquals(Fact.of(Files.exists(dev)), kvm.available());
        if (Files.exists(dev)) {
            assertEquals(Fact.of(Files.isReadable(dev) && Files.isWritable(dev)), kvm.accessible());
            assertEquals(Fact.YES, kvm.kernelSupported());
            assertEquals(Fact.YES, kvm.enabled());
        }
        if (kvm.accessible() == Fact.YES) {
            assertEquals("12", kvm.details().get("apiVersion"), kvm.details().toString());
            assertEquals(Fact.YES, kvm.initialized());
            assertEquals(Fact.YES, kvm.cpuSupported(), kvm.details().toString());
        }
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(), kvm.version());
        HypervisorInfo qemu = probe.qemu();
        boolean qemuInstalled = Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64"));
        assertEquals(Fact.of(qemuInstalled), qemu.available());
        if (qemuInstalled) {
            assertTrue(
                    qemu.version() != null && qemu.version().matches("\\d+\\.\\d+.*"), String.valueOf(qemu.version()));
        }
    }
}
