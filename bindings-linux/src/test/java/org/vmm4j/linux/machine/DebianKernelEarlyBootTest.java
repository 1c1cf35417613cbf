package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmm4j.boot.E820Entry;
import org.vmm4j.boot.EntryKind;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.HostRequirements;
import org.vmm4j.testsupport.RequiresHost;

/**
 * Debian's stock kernel, extracted from its bzImage and entered through PVH or through the vmlinux's
 * 64-bit entry (startup_64 with boot_params, as Firecracker boots a vmlinux), gets through early boot:
 * it prints its version, echoes our exact command line and the memory map we built. (Under nested
 * PVM guest code is emulated, so the test stops there; on hardware KVM see {@link BusyboxBootTest}.)
 */
@RequiresHost(kvm = true, files = RequiresHost.DEBIAN_KERNEL)
class DebianKernelEarlyBootTest {

    @ParameterizedTest
    @EnumSource(
            value = EntryKind.class,
            names = {"PVH", "ELF_64"})
    @Timeout(600)
    void printsVersionOurCommandLineAndOurE820Map(EntryKind entryKind) throws Exception {
        Path kernelFile = HostRequirements.debianKernel();
        // Loading extracts vmlinux (xz): the class loader opens the decompressor's JAR and keeps it open.
        LinuxKernel kernel = LinuxKernel.load(kernelFile, entryKind, org.vmm4j.boot.VmlinuxCache.defaultCache());
        Leaks before = Leaks.now();
        String cmdline = "console=ttyS0 earlyprintk=ttyS0 reboot=k panic=-1 vmm4j.test=early-boot";
        ConsoleCapture console = new ConsoleCapture(false);
        try (Machine machine = Machine.builder()
                .kernel(kernel)
                .memoryMiB(256)
                .vcpus(1)
                .commandLine(cmdline)
                .console(console)
                .build()) {
            assertEquals(entryKind, machine.bootState().entry());
            assertTrue(
                    machine.commandLine().startsWith(cmdline), "ours, plus clearcpuid= where guest code is emulated");
            machine.start();
            Duration wait = Duration.ofMinutes(5);
            assertTrue(
                    console.await("Command line: " + machine.commandLine() + "\n", wait),
                    "no command line echo; console:\n" + console.text());
            StringBuilder expected = new StringBuilder();
            for (E820Entry e : machine.bootState().memoryMap()) {
                expected.append(String.format(
                        Locale.ROOT,
                        "BIOS-e820: [mem 0x%016x-0x%016x] %s",
                        e.address(),
                        e.end() - 1,
                        e.type() == E820Entry.TYPE_RAM ? "usable" : "reserved"));
                assertTrue(console.await(expected.toString(), wait), "missing " + expected + " in:\n" + console.text());
                expected.setLength(0);
            }
            String text = console.text();
            assertTrue(text.contains("Linux version "), text);
            assertTrue(text.indexOf("Linux version ") < text.indexOf("Command line: "), "version first");
            assertTrue(machine.awaitExit(Duration.ZERO).isEmpty(), "still running");
            machine.stop();
            assertEquals(
                    MachineExit.Reason.STOP_REQUESTED,
                    machine.awaitExit(Duration.ofSeconds(30)).orElseThrow().reason());
        }
        assertEquals(before, Leaks.now(), "fds, KVM mappings and vCPU threads after close");
    }
}
