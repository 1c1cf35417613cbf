package org.vmm4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmm4j.Fact;

/** Key-value lines and flags as real hosts print them. */
class HostTextTest {
    private static final String CPUINFO = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep vmx ept
            vmx flags\t: vnmi preemption_timer invvpid ept_x_only
            processor\t: 1
            flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep vmx ept
            """;
    private static final String DMESG = """
            CPU: Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz (2600.05-MHz K8-class CPU)
              Features=0xbfebfbff<FPU,VME,DE,PSE,TSC,MSR,PAE,MCE,CX8,APIC,SEP,MTRR>
              VT-x: PAT,HLT,MTF,PAUSE,EPT,UG,VPID
            cpu0: FPU,VME,DE,PSE,TSC,MSR,VMX
            cpu0 at mainbus0: apid 0 (boot processor)
            cpu0: 32KB 64b/line 8-way D-cache
            """;
    private static final String RC_CONF = """
            #vmd_flags=NO
            pkg_scripts=postgresql
            vmd_flags=
            """;

    @Test
    void findsTheFirstValueOfAKeyWhateverTheSpacingAroundIt() {
        assertEquals(
                Optional.of("fpu vme de pse tsc msr pae mce cx8 apic sep vmx ept"),
                HostText.value(CPUINFO, "flags", ':'));
        assertEquals(
                Optional.of("vnmi preemption_timer invvpid ept_x_only"), HostText.value(CPUINFO, "vmx flags", ':'));
        assertEquals(Optional.of("PAT,HLT,MTF,PAUSE,EPT,UG,VPID"), HostText.value(DMESG, "VT-x", ':'));
        assertEquals(
                Optional.of("0xbfebfbff<FPU,VME,DE,PSE,TSC,MSR,PAE,MCE,CX8,APIC,SEP,MTRR>"),
                HostText.value(DMESG, "Features", '='));
    }

    @Test
    void aKeyMatchesWholeNotAsAPrefixOrInAComment() {
        assertEquals(Optional.of(""), HostText.value(RC_CONF, "vmd_flags", '='), "set, to nothing");
        assertEquals(Optional.empty(), HostText.value(RC_CONF, "vmd", '='));
        assertEquals(Optional.empty(), HostText.value(RC_CONF, "flags", '='));
        assertEquals(Optional.empty(), HostText.value(DMESG, "SVM", ':'));
        assertEquals(Optional.empty(), HostText.value("", "flags", ':'));
    }

    @Test
    void listsEveryValueOfARepeatedKeyInOrder() {
        assertEquals(
                List.of("FPU,VME,DE,PSE,TSC,MSR,VMX", "32KB 64b/line 8-way D-cache"),
                HostText.values(DMESG, "cpu0", ':'));
        assertEquals(2, HostText.values(CPUINFO, "processor", ':').size());
        assertEquals(List.of(), HostText.values(CPUINFO, "model name", ':'));
    }

    @Test
    void flagsReadTheWaysKernelsAndConfigFilesWriteThem() {
        for (String yes : List.of("1", "Y", "y\n", "yes", "ON", " true ")) {
            assertEquals(Fact.YES, HostText.flag(yes), yes);
        }
        for (String no : List.of("0", "N", "n\n", "NO", "off", "False")) {
            assertEquals(Fact.NO, HostText.flag(no), no);
        }
        for (String unknown : List.of("", "2", "maybe", "-1")) {
            assertEquals(Fact.UNKNOWN, HostText.flag(unknown), unknown);
        }
    }
}
