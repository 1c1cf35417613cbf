package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmm4j.boot.BootException;
import org.vmm4j.boot.EntryKind;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.linux.KvmRunObserver;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.virtio.VirtioRng;
import org.vmm4j.x86.Irqchip;

/**
 * The bzImage 64-bit entry contract on real KVM: a kernel built by the test reads boot_params through
 * RSI and reports the command line and e820 entry count on COM1, then resets through the i8042.
 */
@RequiresHost(kvm = true)
class MinimalKernelBootTest {

    @ParameterizedTest
    @CsvSource({"1, KERNEL", "2, KERNEL", "1, SPLIT", "2, SPLIT"})
    void kernelSeesOurCommandLineAndMemoryMapThenResets(int vcpus, Irqchip irqchip) throws Exception {
        Leaks before = Leaks.now();
        String cmdline = "console=ttyS0 vmm4j.test=" + vcpus + " quiet";
        ConsoleCapture console = new ConsoleCapture(false);
        MachineExit exit;
        int e820;
        String given;
        try (Machine machine = Machine.builder()
                .kernel(LinuxKernel.of(MinimalKernel.bzImage(), null, null))
                .memoryMiB(256)
                .vcpus(vcpus)
                .irqchip(irqchip)
                .commandLine(cmdline)
                .console(console)
                .build()) {
            assertEquals(EntryKind.BZIMAGE_64, machine.bootState().entry());
            assertEquals(irqchip == Irqchip.SPLIT, machine.ioApic().isPresent(), "a user-space IOAPIC iff split");
            e820 = machine.bootState().memoryMap().size();
            given = machine.commandLine();
            assertTrue(given.startsWith(cmdline), "ours, plus clearcpuid= where guest code is emulated: " + given);
            machine.start();
            exit = machine.awaitExit(Duration.ofSeconds(60))
                    .orElseThrow(() -> new AssertionError("no exit within 60 s; console: " + console.text()));
        }
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail());
        assertEquals(MinimalKernel.BANNER + "\n" + given + "\n" + e820 + "\n", console.text());
        assertEquals(before, Leaks.now(), "fds, KVM mappings and vCPU threads after close");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void pvhKernelSeesStartInfoCommandLineAndMemoryMapThenResets(int vcpus) throws Exception {
        Leaks before = Leaks.now();
        String cmdline = "console=ttyS0 vmm4j.pvh=" + vcpus;
        ConsoleCapture console = new ConsoleCapture(false);
        MachineExit exit;
        int entries;
        String given;
        try (Machine machine = Machine.builder()
                .kernel(LinuxKernel.of(MinimalKernel.pvhElf(), null, null))
                .memoryMiB(128)
                .vcpus(vcpus)
                .commandLine(cmdline)
                .console(console)
                .build()) {
            assertEquals(EntryKind.PVH, machine.bootState().entry());
            entries = machine.bootState().memoryMap().size();
            given = machine.commandLine();
            assertTrue(given.startsWith(cmdline), given);
            machine.start();
            exit = machine.awaitExit(Duration.ofSeconds(60))
                    .orElseThrow(() -> new AssertionError("no exit within 60 s; console: " + console.text()));
        }
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail());
        assertEquals(given + "\n" + entries + "\n", console.text(), "'!' would mean a bad start_info magic");
        assertEquals(before, Leaks.now());
    }

    /**
     * With a virtio device on either interrupt controller: its device thread runs while the machine does, and
     * stop and close release it with its ioeventfds, irqfd and poller.
     */
    @ParameterizedTest
    @EnumSource(Irqchip.class)
    void stopEndsARunningMachineWithoutLeaks(Irqchip irqchip) throws Exception {
        // SecureRandom's NativePRNG opens /dev/random and /dev/urandom once per JVM, for good: before counting
        VirtioRng rng = new VirtioRng();
        Leaks before = Leaks.now();
        // A kernel that never resets: the 64-bit entry is a HLT loop with interrupts enabled.
        byte[] image = MinimalKernel.bzImage();
        int entry = 1024 + 0x200;
        image[entry] = (byte) 0xf4; // hlt
        image[entry + 1] = (byte) 0xeb; // jmp $-3
        image[entry + 2] = (byte) 0xfd;
        try (Machine machine = Machine.builder()
                .kernel(LinuxKernel.of(image, null, null))
                .memoryMiB(64)
                .vcpus(2)
                .irqchip(irqchip)
                .virtio(rng)
                .build()) {
            machine.start();
            assertTrue(machine.awaitExit(Duration.ofMillis(300)).isEmpty(), "still running");
            assertTrue(
                    Thread.getAllStackTraces().keySet().stream()
                            .anyMatch(t -> t.getName().equals("vmm4j-virtio-0") && t.isAlive()),
                    "the virtio device's thread runs");
            long t0 = System.nanoTime();
            machine.stop();
            MachineExit exit = machine.awaitExit(Duration.ofSeconds(10)).orElseThrow();
            assertEquals(MachineExit.Reason.STOP_REQUESTED, exit.reason());
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "stopped within a second");
        }
        assertEquals(before, Leaks.now());
    }

    @Test
    void consoleInputReachesTheGuestThroughTheUart() throws Exception {
        byte[] image = MinimalKernel.bzImage();
        int[] echo = {
            0x66, 0xba, 0xfd, 0x03, // 0: mov dx, 0x3fd      LSR
            0xec, // 4: in al, dx
            0xa8, 0x01, // 5: test al, 1          data ready?
            0x74, 0xfb, // 7: jz 4
            0x66, 0xba, 0xf8, 0x03, // 9: mov dx, 0x3f8      RBR / THR
            0xec, // 13: in al, dx
            0xee, // 14: out dx, al         echo
            0x3c, 0x71, // 15: cmp al, 'q'
            0x75, 0xed, // 17: jne 0
            0xb0, 0xfe, // 19: mov al, 0xfe
            0xe6, 0x64, // 21: out 0x64, al       reset
            0xf4, // 23: hlt
        };
        for (int i = 0; i < echo.length; i++) {
            image[1024 + 0x200 + i] = (byte) echo[i];
        }
        ConsoleCapture console = new ConsoleCapture(false);
        try (Machine machine = Machine.builder()
                .kernel(LinuxKernel.of(image, null, null))
                .memoryMiB(64)
                .console(console)
                .consoleInput(
                        new java.io.ByteArrayInputStream("typed at the console, q".getBytes(StandardCharsets.UTF_8)))
                .build()) {
            machine.start();
            MachineExit exit = machine.awaitExit(Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError("no exit; console: " + console.text()));
            assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail());
        }
        assertEquals("typed at the console, q", console.text());
    }

    @Test
    void closeWhileRunningStopsAndReleasesPromptly() throws Exception {
        Leaks before = Leaks.now();
        byte[] image = MinimalKernel.bzImage();
        int entry = 1024 + 0x200;
        image[entry] = (byte) 0xeb; // jmp $
        image[entry + 1] = (byte) 0xfe;
        for (boolean stopFirst : new boolean[] {false, true}) {
            Machine machine = Machine.builder()
                    .kernel(LinuxKernel.of(image, null, null))
                    .memoryMiB(64)
                    .vcpus(2)
                    .build();
            machine.start();
            KvmRunObserver.awaitInsideKvmRun("vmm4j-vcpu-0", Duration.ofSeconds(10)); // spinning in jmp $
            KvmRunObserver.awaitInsideKvmRun("vmm4j-vcpu-1", Duration.ofSeconds(10)); // waiting for INIT/SIPI
            long t0 = System.nanoTime();
            if (stopFirst) {
                machine.stop(); // then close at once: the vCPU threads finish while close() waits for them
            }
            machine.close();
            assertTrue(
                    System.nanoTime() - t0 < 2_000_000_000L,
                    "close took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
        assertEquals(before, Leaks.now());
    }

    @Test
    void rejectsBadInputBeforeAnyVcpuRuns() {
        byte[] kernel = MinimalKernel.bzImage();
        var noCpus = assertThrows(
                BootException.class,
                () -> Machine.builder()
                        .kernel(LinuxKernel.of(kernel, null, null))
                        .vcpus(0)
                        .build());
        assertTrue(noCpus.getMessage().contains("at least one vCPU"), noCpus.getMessage());
        var longLine = assertThrows(
                BootException.class,
                () -> Machine.builder()
                        .kernel(LinuxKernel.of(kernel, null, null))
                        .commandLine("x".repeat(5000))
                        .build());
        assertTrue(longLine.getMessage().contains("command line"), longLine.getMessage());
        var notAKernel = assertThrows(BootException.class, () -> LinuxKernel.of(new byte[4096], null, null));
        assertTrue(notAKernel.getMessage().contains("neither a bzImage"), notAKernel.getMessage());
        var pvh = assertThrows(BootException.class, () -> LinuxKernel.of(kernel, EntryKind.PVH, null));
        assertTrue(pvh.getMessage().contains("PVH"), pvh.getMessage());
        var huge = assertThrows(
                BootException.class,
                () -> Machine.builder()
                        .kernel(LinuxKernel.of(kernel, null, null))
                        .memoryMiB(16)
                        .initrd(new byte[32 << 20])
                        .build());
        assertTrue(huge.getMessage().contains("initrd"), huge.getMessage());
    }
}
