package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;

/** The API tour from README.md, verbatim between the markers, run for real. */
class ReadmeSampleTest {

    @BeforeAll
    static void needsKvm() {
        if (!Files.exists(Path.of("/dev/kvm"))) {
            if ("1".equals(System.getenv("VMM4J_REQUIRE_KVM"))) {
                fail("VMM4J_REQUIRE_KVM=1 but /dev/kvm does not exist");
            }
            Assumptions.abort("needs /dev/kvm");
        }
    }

    @Test
    void readmeSamplePrintsFive() throws Exception {
        StringBuilder out = new StringBuilder();
        // README-SAMPLE-BEGIN
        try (Hypervisor hv = Hypervisor.open();                  // finds the KVM backend on the class path
             VirtualMachine vm = hv.createVm()) {
            GuestMemory ram = vm.allocateMemory(0x1000, 0x1000);  // guest-physical 0x1000, one page
            ram.write(0, new byte[] {
                    (byte) 0xba, (byte) 0xf8, 0x03,  // mov dx, 0x3f8
                    0x00, (byte) 0xd8,               // add al, bl
                    0x04, '0',                       // add al, '0'
                    (byte) 0xee,                     // out dx, al
                    (byte) 0xf4});                   // hlt
            VirtualCpu cpu = vm.createVcpu(0);
            cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                    .cs(Segment.realMode(0, true)).dataSegments(Segment.realMode(0, false)).build());
            cpu.setRegisters(Registers.builder().rip(0x1000).rax(2).rbx(3).build());
            for (VmExit exit = cpu.run(); exit.kind() != ExitKind.HLT; exit = cpu.run()) {
                if (exit.kind() == ExitKind.IO_OUT && exit.ioPort() == 0x3f8) {
                    out.append((char) exit.ioData(0));       // the exit is a view, valid until the next run()
                }
            }
        }
        // README-SAMPLE-END
        assertEquals("5", out.toString());
    }

    @Test
    void readmeContainsExactlyThisSample() throws Exception {
        Path readme = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
        String text = Files.readString(readme);
        String source = Files.readString(Path.of(System.getProperty("user.dir"),
                "src/test/java/org/vmm4j/examples/ReadmeSampleTest.java"));
        String sample = section(source, "// README-SAMPLE-BEGIN\n", "        // README-SAMPLE-END");
        String expected = sample.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce((a, b) -> a + "\n" + b).orElseThrow();
        if (!text.contains(expected)) {
            fail("README.md's API tour differs from the tested sample; it should contain:\n" + expected);
        }
    }

    private static String section(String s, String begin, String end) {
        int from = s.indexOf(begin) + begin.length();
        return s.substring(from, s.indexOf(end, from));
    }
}
