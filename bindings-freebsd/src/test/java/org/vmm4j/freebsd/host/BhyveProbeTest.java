package org.vmm4j.freebsd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.Fact;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.freebsd.BhyveHypervisor;
import org.vmm4j.host.RecordedHostFacts;

/** The probe against facts recorded from FreeBSD hosts. */
class BhyveProbeTest {

    /** A FreeBSD 14.1 host on an Intel CPU with vmm.ko loaded, UEFI firmware and a ZFS pool. */
    static RecordedHostFacts freebsd14Intel() {
        return new RecordedHostFacts()
                .path("/usr/sbin/bhyve")
                .path("/usr/sbin/bhyvectl")
                .path("/dev/vmm")
                .path("/usr/local/share/uefi-firmware/BHYVE_UEFI.fd")
                .sysctl("kern.osreldate", "1401000")
                .sysctl("kern.osrelease", "14.1-RELEASE-p5")
                .sysctl("hw.vmm.vmx.initialized", "1")
                .sysctl("hw.vmm.maxcpu", "16")
                .file("/var/run/dmesg.boot", """
                        CPU: Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz (3408.00-MHz K8-class CPU)
                          Features2=0x7ffafbff<SSE3,PCLMULQDQ,DTES64,MON,DS_CPL,VMX,SMX,EST,TM2>
                          VT-x: PAT,HLT,MTF,PAUSE,EPT,UG,VPID
                        """)
                .command(List.of("kldstat", "-q", "-m", "vmm"), 0, "")
                .command(List.of("zpool", "list", "-H", "-o", "name"), 0, "zroot\ntank\n");
    }

    @Test
    void freebsd14HostWithVmmLoadedIsReady() {
        HypervisorInfo info = new BhyveProbe(freebsd14Intel()).probe();
        assertEquals(BhyveHypervisor.KIND, info.kind());
        assertEquals(Fact.YES, info.available());
        assertEquals(Fact.YES, info.enabled());
        assertEquals(Fact.YES, info.initialized());
        assertEquals(Fact.YES, info.cpuSupported());
        assertEquals(Fact.YES, info.kernelSupported());
        assertEquals(Fact.YES, info.uefiFirmware());
        assertEquals("14.1-RELEASE-p5", info.version());
        assertEquals("yes", info.details().get("ept"));
        assertEquals("vmx", info.details().get("vmmBackend"));
        assertEquals("zroot,tank", info.details().get("zfsPools"));
        assertEquals("absent", info.details().get("vmBhyve"));
        assertEquals("14", info.details().get("vmmAbi"));
    }

    @Test
    void hostWithoutVmmReportsNotLoadedButKnowsTheCpu() {
        RecordedHostFacts facts = new RecordedHostFacts()
                .path("/usr/sbin/bhyve")
                .path("/usr/sbin/bhyvectl")
                .sysctl("kern.osreldate", "1400097")
                .sysctl("kern.osrelease", "14.0-RELEASE")
                .file(
                        "/var/run/dmesg.boot",
                        "CPU: AMD Ryzen 7 5800X 8-Core Processor\n"
                                + "  AMD Features2=0x75c237ff<LAHF,CMP,SVM,ExtAPIC,CR8>\n  SVM: NP,NRIP,VClean,AFlush,DAssist,NAsids=32768\n")
                .command(List.of("kldstat", "-q", "-m", "vmm"), 1, "")
                .command(List.of("zpool", "list", "-H", "-o", "name"), 1, "");
        HypervisorInfo info = new BhyveProbe(facts).probe();
        assertEquals(Fact.YES, info.available());
        assertEquals(Fact.NO, info.enabled());
        assertEquals(Fact.NO, info.initialized());
        assertEquals(Fact.NO, info.accessible());
        assertEquals(Fact.YES, info.cpuSupported(), "SVM with nested paging (RVI)");
        assertEquals("yes", info.details().get("rvi"));
        assertEquals(Fact.NO, info.uefiFirmware());
        assertEquals("", info.details().get("zfsPools"));
    }

    @Test
    void cpuWithoutEptIsNotSupported() {
        RecordedHostFacts facts = new RecordedHostFacts()
                .file("/var/run/dmesg.boot", "CPU: Intel(R) Core(TM)2 Duo\n  VT-x: HLT,PAUSE\n")
                .sysctl("hw.vmm.vmx.initialized", "0");
        HypervisorInfo info = new BhyveProbe(facts).probe();
        assertEquals(Fact.NO, info.cpuSupported());
        assertEquals(Fact.NO, info.initialized());
        assertEquals(Fact.NO, info.available());
    }

    @Test
    void nothingKnownStaysUnknown() {
        HypervisorInfo info = new BhyveProbe(new RecordedHostFacts()).probe();
        assertEquals(Fact.UNKNOWN, info.enabled());
        assertEquals(Fact.UNKNOWN, info.initialized());
        assertEquals(Fact.UNKNOWN, info.cpuSupported());
        assertEquals(Fact.UNKNOWN, info.kernelSupported());
        assertEquals("unknown", info.details().get("zfsPools"));
    }

    @Test
    void freebsd15IsFlaggedForItsDifferentAbiAnd13IsUnsupported() {
        HypervisorInfo fifteen = new BhyveProbe(new RecordedHostFacts()
                        .sysctl("kern.osreldate", "1500000")
                        .path("/dev/vmmctl"))
                .probe();
        assertEquals(Fact.YES, fifteen.kernelSupported());
        assertEquals("present", fifteen.details().get("devVmmctl"));
        assertEquals(true, fifteen.details().get("vmmAbi").startsWith("15"));
        HypervisorInfo thirteen = new BhyveProbe(new RecordedHostFacts().sysctl("kern.osreldate", "1302001")).probe();
        assertEquals(Fact.NO, thirteen.kernelSupported());
    }
}
