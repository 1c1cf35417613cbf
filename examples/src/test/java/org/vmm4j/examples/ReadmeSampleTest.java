package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.RequiresHost;

/** The API tour from README.md, verbatim between the markers, run for real. */
@RequiresHost(kvm = true)
class ReadmeSampleTest {

    @Test
    void readmeSamplePrintsFive() throws Exception {
        StringBuilder out = new StringBuilder();
        // spotless:off (README.md shows these lines as they are here)
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
        // spotless:on
        assertEquals("5", out.toString());
    }

    @Test
    void readmeMachineSampleBootsTheMinimalKernel() throws Exception {
        java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
        MachineExit.Reason reason;
        // spotless:off (README.md shows these lines as they are here)
        // README-SAMPLE-MACHINE-BEGIN
        try (Machine machine = Machine.builder()
                .kernel(LinuxKernel.of(MinimalKernel.bzImage(), null, null))  // or .kernel(Path.of("/boot/vmlinuz"))
                .memoryMiB(256).vcpus(2)
                .commandLine("console=ttyS0 reboot=k")
                .console(console)                                           // the guest's COM1
                .build()) {                                                 // everything is checked here
            machine.start();                                                // one platform thread per vCPU
            MachineExit exit = machine.awaitExit(Duration.ofSeconds(30)).orElseThrow();
            reason = exit.reason();                                         // REBOOT: reset through the i8042
        }
        // README-SAMPLE-MACHINE-END
        // spotless:on
        assertEquals(MachineExit.Reason.REBOOT, reason);
        assertTrue(
                console.toString(StandardCharsets.UTF_8).startsWith("BOOTED\n"),
                console.toString(StandardCharsets.UTF_8));
    }

    @Test
    void readmeGuestsSampleListsTheTestDriversGuest() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(bytes, true);
        // spotless:off (README.md shows these lines as they are here)
        // README-SAMPLE-GUESTS-BEGIN
        try (GuestManager guests = GuestManager.connect("test:///default")) {  // qemu:///system by default
            for (Guest g : guests.list(GuestFilter.ALL)) {
                out.println(g.name() + " " + g.state() + " " + g.info().memoryBytes() / (1 << 20) + " MiB");
            }
            Guest test = guests.find("test").orElseThrow();
            test.shutdown(Duration.ofSeconds(10));                            // ACPI, then force after 10 s
            out.println("after shutdown: " + test.state());
        }
        // README-SAMPLE-GUESTS-END
        // spotless:on
        assertTrue(
                bytes.toString(StandardCharsets.UTF_8).contains("test RUNNING"),
                bytes.toString(StandardCharsets.UTF_8));
        assertTrue(
                bytes.toString(StandardCharsets.UTF_8).contains("after shutdown: STOPPED"),
                bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void readmeContainsExactlyThisSample() throws Exception {
        Path readme = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
        String text = Files.readString(readme);
        String source = Files.readString(
                Path.of(System.getProperty("user.dir"), "src/test/java/org/vmm4j/examples/ReadmeSampleTest.java"));
        for (String name : new String[] {"", "-MACHINE", "-GUESTS"}) {
            String sample =
                    section(source, "// README-SAMPLE" + name + "-BEGIN\n", "        // README-SAMPLE" + name + "-END");
            String expected = sample.lines()
                    .map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                    .reduce((a, b) -> a + "\n" + b)
                    .orElseThrow();
            if (!text.contains(expected)) {
                fail("README.md's API tour differs from the tested sample" + name + "; it should contain:\n"
                        + expected);
            }
        }
    }

    private static String section(String s, String begin, String end) {
        int from = s.indexOf(begin) + begin.length();
        return s.substring(from, s.indexOf(end, from));
    }
}
