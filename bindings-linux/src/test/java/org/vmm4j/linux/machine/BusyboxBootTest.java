package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmm4j.boot.BusyboxInitramfs;
import org.vmm4j.boot.EntryKind;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.HostRequirements;
import org.vmm4j.testsupport.RequiresHost;

/**
 * A full boot of Debian's kernel to a busybox init, on hardware KVM: the init prints a marker and the
 * number of processors, writes the boot timer and reboots; with 1 and 2 vCPUs and both entries.
 * Skipped where guest code is emulated (nested PVM), where it cannot finish.
 */
@RequiresHost(
        kvm = true,
        files = {RequiresHost.DEBIAN_KERNEL, RequiresHost.BUSYBOX_STATIC})
class BusyboxBootTest {

    @BeforeAll
    static void needsHardwareKvm() {
        Assumptions.assumeFalse(
                DebianKernel.hostIsNestedPvm(),
                "KVM here is nested through PVM (/sys/module/kvm_pvm):"
                        + " guest code is emulated and a full kernel boot takes far too long; this test needs hardware KVM");
    }

    @ParameterizedTest
    @CsvSource({"1, PVH", "2, PVH", "1, BZIMAGE_64", "2, BZIMAGE_64"})
    @Timeout(300)
    void bootsToInitCountsProcessorsAndReboots(int vcpus, EntryKind entry) throws Exception {
        Path kernel = HostRequirements.debianKernel();
        Leaks before = Leaks.now();
        byte[] initrd = BusyboxInitramfs.builder()
                .marker("VMM4J-TEST-INIT")
                .command("echo processors=$(grep -c ^processor /proc/cpuinfo)")
                .build();
        ConsoleCapture console = new ConsoleCapture(false);
        AtomicLong bootNanos = new AtomicLong(-1);
        MachineExit exit;
        try (Machine machine = Machine.builder()
                .kernel(kernel)
                .entry(entry)
                .memoryMiB(256)
                .vcpus(vcpus)
                .initrd(initrd)
                .commandLine("console=ttyS0 reboot=k panic=-1 rdinit=/init")
                .console(console)
                .bootListener(bootNanos::set)
                .build()) {
            machine.start();
            exit = machine.awaitExit(Duration.ofMinutes(4))
                    .orElseThrow(() -> new AssertionError("no exit; console:\n" + console.text()));
        }
        String text = console.text();
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "\n" + text);
        assertTrue(text.contains("VMM4J-TEST-INIT"), text);
        assertTrue(text.contains("processors=" + vcpus), text);
        assertTrue(bootNanos.get() > 0, "the init wrote the boot timer");
        assertEquals(before, Leaks.now());
    }
}
