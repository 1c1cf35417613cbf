package org.vmm4j.openbsd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.Fact;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.host.RecordedHostFacts;

/** The probe over facts recorded from OpenBSD hosts (dmesg.boot excerpts, rc.conf.local, sysctls). */
class OpenBsdProbeTest {

    static final String DMESG_INTEL = """
            OpenBSD 7.8 (GENERIC.MP) #54: Mon Oct 13 10:00:00 MDT 2025
            cpu0: Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz, 1796.56 MHz, 06-8e-0a, patch 000000f4
            cpu0: FPU,VME,DE,PSE,TSC,MSR,PAE,MCE,CX8,APIC,SEP,MTRR,PGE,MCA,CMOV,PAT,PSE36,CFLUSH,DS,ACPI,MMX,FXSR,SSE,SSE2,SS,HTT,TM,PBE,SSE3,PCLMUL,DTES64,MWAIT,DS-CPL,VMX,EST,TM2,SSSE3
            vmm0 at mainbus0: VMX/EPT
            """;
    static final String DMESG_NO_VMX = """
            cpu0: Intel(R) Atom(TM) CPU, 1600.00 MHz
            cpu0: FPU,VME,DE,PSE,TSC,MSR,PAE,MCE,CX8,APIC,SEP,MTRR,PGE,MCA,CMOV,PAT,SSE3,SSSE3
            """;
    static final String DMESG_VMX_NOT_ATTACHED = """
            cpu0: FPU,VME,DE,PSE,TSC,MSR,PAE,MCE,CX8,APIC,SEP,MTRR,PGE,MCA,CMOV,PAT,VMX,SSSE3
            """;

    private static RecordedHostFacts readyHost() {
        return new RecordedHostFacts()
                .sysctl("kern.osrelease", "7.8")
                .path("/dev/vmm")
                .path("/usr/sbin/vmctl")
                .path("/usr/sbin/vmd")
                .path("/etc/firmware/vmm-bios")
                .path("/var/run/vmd.sock")
                .file("/var/run/dmesg.boot", DMESG_INTEL)
                .file("/etc/rc.conf.local", "pkg_scripts=\nvmd_flags=\n");
    }

    @Test
    void readyHostReportsBothKindsAvailableEnabledAndRunning() {
        List<HypervisorInfo> infos = OpenBsdProbe.probe(readyHost(), p -> true);
        HypervisorInfo vmm = infos.get(0);
        HypervisorInfo vmd = infos.get(1);
        assertEquals("openbsd-vmm", vmm.kind());
        assertEquals(Fact.YES, vmm.available());
        assertEquals(Fact.YES, vmm.cpuSupported());
        assertEquals(Fact.YES, vmm.kernelSupported());
        assertEquals("VMX/EPT", vmm.details().get("mode"));
        assertEquals("7.8", vmm.details().get("abi"));
        assertEquals("vmd", vmd.kind());
        assertEquals(Fact.YES, vmd.available());
        assertEquals(Fact.YES, vmd.enabled());
        assertEquals(Fact.YES, vmd.running());
        assertEquals("installed", vmd.details().get("biosFirmware"));
        assertEquals("7.8", vmd.version());
    }

    @Test
    void socketThatDoesNotAnswerIsNotRunning() {
        HypervisorInfo vmd = OpenBsdProbe.probe(readyHost(), p -> false).get(1);
        assertEquals(Fact.NO, vmd.running());
    }

    @Test
    void vmdFlagsNoMeansDisabledAndMissingRcConfLocalToo() {
        RecordedHostFacts facts = readyHost().file("/etc/rc.conf.local", "vmd_flags=NO\n");
        assertEquals(Fact.NO, OpenBsdProbe.probe(facts, p -> true).get(1).enabled());
        RecordedHostFacts none = new RecordedHostFacts().sysctl("kern.osrelease", "7.8");
        assertEquals(Fact.NO, OpenBsdProbe.probe(none, p -> true).get(1).enabled());
    }

    @Test
    void cpuWithoutVmxIsUnsupported() {
        RecordedHostFacts facts =
                new RecordedHostFacts().sysctl("kern.osrelease", "7.8").file("/var/run/dmesg.boot", DMESG_NO_VMX);
        HypervisorInfo vmm = OpenBsdProbe.probe(facts, p -> false).get(0);
        assertEquals(Fact.NO, vmm.cpuSupported());
        assertEquals(Fact.NO, vmm.kernelSupported());
        assertEquals(Fact.NO, vmm.available());
    }

    @Test
    void vmxWithoutVmmAttachHintsAtFirmwareSettings() {
        RecordedHostFacts facts = new RecordedHostFacts()
                .sysctl("kern.osrelease", "7.8")
                .file("/var/run/dmesg.boot", DMESG_VMX_NOT_ATTACHED);
        HypervisorInfo vmm = OpenBsdProbe.probe(facts, p -> false).get(0);
        assertEquals(Fact.YES, vmm.cpuSupported());
        assertEquals(Fact.NO, vmm.kernelSupported());
        assertTrue(vmm.details().get("hint").contains("firmware"));
    }

    @Test
    void unknownFactsStayUnknownNotNo() {
        HypervisorInfo vmm =
                OpenBsdProbe.probe(new RecordedHostFacts(), p -> false).get(0);
        assertEquals(Fact.UNKNOWN, vmm.cpuSupported());
        assertEquals(Fact.UNKNOWN, vmm.kernelSupported());
    }

    @Test
    void releaseWithoutKnownLayoutsIsNamed() {
        RecordedHostFacts facts = readyHost().sysctl("kern.osrelease", "7.6");
        HypervisorInfo vmm = OpenBsdProbe.probe(facts, p -> true).get(0);
        assertFalse(vmm.details().containsKey("abi"));
        assertTrue(vmm.details().get("abiNote").contains("7.6"));
        assertEquals(
                "7.4",
                OpenBsdProbe.probe(readyHost().sysctl("kern.osrelease", "7.4"), p -> true)
                        .get(0)
                        .details()
                        .get("abi"));
    }
}
