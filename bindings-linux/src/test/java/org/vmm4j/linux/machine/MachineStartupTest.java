package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmm4j.boot.EntryKind;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.linux.KvmRunObserver;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.Await;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;

/**
 * Start-up must not regress silently: a 256 MiB, 1-vCPU machine boots {@link MinimalKernel} to its reset
 * and closes within generous bounds, leaves nothing behind, and only reserves its guest RAM. The
 * measured numbers are in benchmarks/STARTUP.md; the bounds here are several times those, for a
 * loaded CI machine under nested virtualization.
 */
@RequiresHost(kvm = true)
class MachineStartupTest {
    /** First boot in this JVM (FFM downcalls linked, classes loaded); measured ~100-300 ms here. */
    private static final Duration FIRST_BOOT_BOUND = Duration.ofSeconds(2);
    /** Median of later boots; measured ~35 ms here, of which ~24 ms is KVM's own VM create and destroy. */
    private static final Duration WARM_BOOT_BOUND = Duration.ofMillis(200);
    /** The same with a split irqchip, which avoids KVM's grace periods; measured ~3-5 ms here. */
    private static final Duration WARM_SPLIT_BOOT_BOUND = Duration.ofMillis(50);

    @ParameterizedTest
    @EnumSource(Irqchip.class)
    void bootsToResetAndClosesWithinBoundsWithoutLeaks(Irqchip irqchip) throws Exception {
        LinuxKernel kernel = LinuxKernel.of(MinimalKernel.bzImage(), EntryKind.BZIMAGE_64, null);
        Leaks before = Leaks.now();
        long first = bootNanos(kernel, irqchip);
        long[] warm = new long[9];
        for (int i = 0; i < warm.length; i++) {
            warm[i] = bootNanos(kernel, irqchip);
        }
        Arrays.sort(warm);
        long median = warm[warm.length / 2];
        Duration bound = irqchip == Irqchip.SPLIT ? WARM_SPLIT_BOOT_BOUND : WARM_BOOT_BOUND;
        System.out.printf("%s: first boot %.1f ms, warm median %.2f ms%n", irqchip, first / 1e6, median / 1e6);
        assertTrue(first < FIRST_BOOT_BOUND.toNanos(), "first boot took " + first / 1_000_000 + " ms");
        assertTrue(median < bound.toNanos(), irqchip + ": median boot took " + median / 1_000_000 + " ms");
        assertEquals(before, Leaks.now(), "fds, KVM mappings and vCPU threads after ten boots");
    }

    @Test
    void guestRamIsReservedNotCommitted() throws Exception {
        LinuxKernel kernel = LinuxKernel.of(MinimalKernel.bzImage(), EntryKind.BZIMAGE_64, null);
        bootNanos(kernel); // classes and downcalls first, so they do not count
        long before = residentKiB();
        long during;
        try (Machine machine = Machine.builder().kernel(kernel).memoryMiB(256).build()) {
            machine.start();
            MachineExit exit = machine.awaitExit(Duration.ofSeconds(30)).orElseThrow();
            assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail());
            during = residentKiB();
        }
        // The guest touched a few pages (boot_params, page tables, kernel, stack): far below 256 MiB.
        assertTrue(during - before < 16 * 1024, "RSS grew by " + (during - before) + " KiB for a 256 MiB guest");
    }

    @Test
    void closeOfARunningGuestReturnsPromptly() throws Exception {
        // MinimalKernel with its i8042 reset turned into NOPs: it prints, then halts for ever.
        byte[] image = MinimalKernel.bzImage();
        int reset = 1024 + 0x200 + 45;
        assertEquals((byte) 0xe6, image[reset], "out 0x64, al");
        image[reset] = (byte) 0x90;
        image[reset + 1] = (byte) 0x90;
        LinuxKernel kernel = LinuxKernel.of(image, EntryKind.BZIMAGE_64, null);
        Leaks before = Leaks.now();
        for (int i = 0; i < 3; i++) {
            FirstByte console = new FirstByte();
            Machine machine = Machine.builder()
                    .kernel(kernel)
                    .memoryMiB(256)
                    .console(console)
                    .build();
            machine.start();
            Await.until("the guest's first console byte", Duration.ofSeconds(30), () -> console.first >= 0);
            KvmRunObserver.awaitInsideKvmRun("vmm4j-vcpu-0", Duration.ofSeconds(10)); // in its HLT loop
            long t0 = System.nanoTime();
            machine.close(); // stops the vCPU, whose thread then records the stop while close waits for it
            long closeMillis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(closeMillis < 2_000, "close took " + closeMillis + " ms");
        }
        assertEquals(before, Leaks.now(), "fds, KVM mappings and vCPU threads after close");
    }

    @Test
    void closingRightAfterTheFirstByteLeavesNoKickPending() throws Exception {
        // close() kicks the vCPU while the guest is still printing; a kick that KVM_RUN returned without
        // used to stay pending and, delivered when the vCPU thread exited, ended the whole JVM.
        LinuxKernel kernel = LinuxKernel.of(MinimalKernel.bzImage(), EntryKind.BZIMAGE_64, null);
        Leaks before = Leaks.now();
        for (int i = 0; i < 100; i++) {
            java.util.concurrent.CountDownLatch firstByte = new java.util.concurrent.CountDownLatch(1);
            OutputStream console = new OutputStream() {
                @Override
                public void write(int b) {
                    firstByte.countDown();
                }
            };
            try (Machine machine = Machine.builder()
                    .kernel(kernel)
                    .memoryMiB(256)
                    .console(console)
                    .build()) {
                machine.start();
                assertTrue(firstByte.await(30, java.util.concurrent.TimeUnit.SECONDS), "no console output");
            }
        }
        assertEquals(before, Leaks.now(), "fds, KVM mappings and vCPU threads after close");
    }

    private static long bootNanos(LinuxKernel kernel) throws InterruptedException {
        return bootNanos(kernel, Irqchip.KERNEL);
    }

    private static long bootNanos(LinuxKernel kernel, Irqchip irqchip) throws InterruptedException {
        FirstByte console = new FirstByte();
        long t0 = System.nanoTime();
        MachineExit exit;
        try (Machine machine = Machine.builder()
                .kernel(kernel)
                .memoryMiB(256)
                .vcpus(1)
                .irqchip(irqchip)
                .console(console)
                .build()) {
            machine.start();
            exit = machine.awaitExit(Duration.ofSeconds(30)).orElseThrow(() -> new AssertionError("no exit in 30 s"));
        }
        long elapsed = System.nanoTime() - t0;
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail());
        assertEquals(MinimalKernel.BANNER.charAt(0), console.first, "first console byte");
        return elapsed;
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    private static final class FirstByte extends OutputStream {
        volatile int first = -1;

        @Override
        public void write(int b) {
            if (first < 0) {
                first = b & 0xff;
            }
        }
    }
}
