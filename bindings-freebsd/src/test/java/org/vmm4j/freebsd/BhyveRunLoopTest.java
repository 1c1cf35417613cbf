package org.vmm4j.freebsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.freebsd.abi.VmmDevHeader.*;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.DescriptorTable;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.MemoryOption;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.SuspendReason;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VmExit;
import org.vmm4j.VmmException;
import org.vmm4j.freebsd.abi.Vmm;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.testsupport.Await;

/** The tier-1 backend driven over {@link ScriptedVmmKernel}, the test-only double of vmm(4). */
class BhyveRunLoopTest {
    private ScriptedVmmKernel kernel;
    private BhyveHypervisor hypervisor;
    private BhyveVm vm;
    private ScriptedVmmKernel.Device device;

    @BeforeEach
    void setUp() {
        kernel = new ScriptedVmmKernel();
        hypervisor = new BhyveHypervisor(kernel, "vmm4j-test");
        vm = hypervisor.createVm();
        device = kernel.vms.get(vm.name());
    }

    @AfterEach
    void tearDown() {
        vm.close();
    }

    @Test
    void runReportsScriptedExitsInOrder() {
        VirtualCpu cpu = vm.createVcpu(0);
        device.script.add(ScriptedVmmKernel.out(0x3f8, 1, 'H'));
        device.script.add(ScriptedVmmKernel.out(0x3f8, 1, 'i'));
        device.script.add(ScriptedVmmKernel.hlt());
        StringBuilder serial = new StringBuilder();
        VmExit exit;
        for (exit = cpu.run(); exit.kind() == ExitKind.IO_OUT; exit = cpu.run()) {
            assertEquals(0x3f8, exit.ioPort());
            serial.append((char) exit.ioData(0));
        }
        assertEquals(ExitKind.HLT, exit.kind());
        assertEquals("Hi", serial.toString());
    }

    @Test
    void createVcpuActivatesItAndAsksForHaltExits() {
        vm.createVcpu(1);
        assertTrue(device.active.contains(1));
        assertEquals(1, device.caps.get(1)[capability("HALT_EXIT")]);
        assertEquals(1, device.caps.get(1)[capability("UNRESTRICTED_GUEST")]);
    }

    @Test
    void rejectsVcpuIdsBeyondTheKernelsMaximum() {
        assertEquals(device.maxCpus, vm.maxVcpus());
        assertThrows(IllegalArgumentException.class, () -> vm.createVcpu(device.maxCpus));
        vm.createVcpu(0);
        assertThrows(IllegalArgumentException.class, () -> vm.createVcpu(0));
    }

    @Test
    void inReplyReachesRaxBeforeTheNextRun() {
        VirtualCpu cpu = vm.createVcpu(0);
        device.script.add(ScriptedVmmKernel.in(0x71, 1, 0x12345600));
        device.script.add(ScriptedVmmKernel.hlt());
        VmExit exit = cpu.run();
        assertEquals(ExitKind.IO_IN, exit.kind());
        exit.setIoData(0, 0x42);
        cpu.run();
        assertEquals(0x12345642L, device.regs(0)[register("RAX")]);
    }

    @Test
    void pagedStringOutputIsTranslatedThroughTheKernel() {
        VirtualCpu cpu = vm.createVcpu(0);
        GuestMemory ram = vm.allocateMemory(0, 0x10000);
        ram.write(0x2000, "OK".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        device.script.add(ScriptedVmmKernel.repOutsb64(0x3f8, 0xffff800000002000L, 2));
        device.script.add(ScriptedVmmKernel.repOutsb64(0x3f8, 0x0000700000000000L, 1));
        VmExit exit = cpu.run();
        assertEquals(2, exit.ioCount());
        assertEquals('O', exit.ioData(0));
        assertEquals('K', exit.ioData(1));
        assertEquals(2, device.count(REQ_VM_GLA2GPA_NOFAULT));
        VmExit unmapped = cpu.run();
        assertThrows(VmmException.class, () -> unmapped.ioData(0), "an unmapped buffer is reported, not read");
    }

    @Test
    void inReplyIsNotLostWhenTheNextRunReportsAStop() {
        VirtualCpu cpu = vm.createVcpu(0);
        device.script.add(ScriptedVmmKernel.in(0x60, 1, 0));
        cpu.run().setIoData(0, 0x5a);
        cpu.requestStop();
        assertEquals(ExitKind.STOP_REQUESTED, cpu.run().kind());
        assertEquals(0x5a, device.regs(0)[register("RAX")]);
    }

    @Test
    void requestStopFromAnotherThreadEndsARunOfASpinningGuest() throws Exception {
        VirtualCpu cpu = vm.createVcpu(0);
        device.script.add(ScriptedVmmKernel.SPIN);
        device.script.add(ScriptedVmmKernel.hlt());
        CompletableFuture<ExitKind> running =
                CompletableFuture.supplyAsync(() -> cpu.run().kind());
        // A stop that lands before VM_RUN takes the SPIN step ends the run without running the guest (as
        // the kernel does): wait until the guest spins, so that the stop is the one that ends the spin.
        Await.until("the guest to spin in VM_RUN", Duration.ofSeconds(5), () -> device.spinsStarted() > 0);
        assertFalse(running.isDone(), "the spinning guest returned before it was stopped");
        long start = System.nanoTime();
        cpu.requestStop();
        assertEquals(ExitKind.STOP_REQUESTED, running.get(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < 100_000_000L, "stop took longer than 100 ms");
        assertEquals(1, device.count(REQ_VM_SUSPEND_CPU));
        assertEquals(1, device.count(REQ_VM_RESUME_CPU));
        assertFalse(device.debugCpus.contains(0), "the vCPU was left suspended");
        assertEquals(ExitKind.HLT, cpu.run().kind(), "the request was not consumed by the run that reported it");
    }

    @Test
    void stopRequestsRacingWithExitsNeverLeakDebugExitsOrSuspendedVcpus() throws Exception {
        VirtualCpu cpu = vm.createVcpu(0);
        int spins = 200;
        for (int i = 0; i < spins; i++) {
            device.script.add(ScriptedVmmKernel.SPIN);
            device.script.add(ScriptedVmmKernel.hlt());
        }
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread stopper = new Thread(() -> {
            while (!done.get()) {
                cpu.requestStop();
                Thread.onSpinWait();
            }
        });
        stopper.start();
        int hlts = 0;
        int stops = 0;
        try {
            while (hlts < spins) {
                ExitKind kind = cpu.run().kind();
                if (kind == ExitKind.HLT) {
                    hlts++;
                } else {
                    assertEquals(ExitKind.STOP_REQUESTED, kind);
                    stops++;
                }
            }
        } finally {
            done.set(true);
            stopper.join();
        }
        assertTrue(stops >= spins, "every spinning run ended by a stop");
        device.script.add(ScriptedVmmKernel.hlt());
        ExitKind last = cpu.run().kind(); // consumes a request still pending, if any
        if (last == ExitKind.STOP_REQUESTED) {
            assertEquals(ExitKind.HLT, cpu.run().kind());
        }
        assertEquals(device.count(REQ_VM_SUSPEND_CPU), device.count(REQ_VM_RESUME_CPU));
        assertFalse(device.debugCpus.contains(0));
    }

    @Test
    void stopRequestedBeforeRunMakesTheNextRunReturnAtOnce() {
        VirtualCpu cpu = vm.createVcpu(0);
        device.script.add(ScriptedVmmKernel.hlt());
        cpu.requestStop();
        cpu.requestStop(); // a second request before the run is the same request
        assertEquals(ExitKind.STOP_REQUESTED, cpu.run().kind());
        assertEquals(0, device.count(REQ_VM_RUN));
        assertEquals(ExitKind.HLT, cpu.run().kind());
        assertEquals(device.count(REQ_VM_SUSPEND_CPU), device.count(REQ_VM_RESUME_CPU));
    }

    @Test
    void debugExitWithoutAStopRequestIsReportedAsDebug() {
        VirtualCpu cpu = vm.createVcpu(0);
        device.script.add(ScriptedVmmKernel.exit(ScriptedVmmKernel.EXIT_DEBUG, 0x2000, e -> {}));
        VmExit exit = cpu.run();
        assertEquals(ExitKind.DEBUG, exit.kind());
        assertEquals(0x2000, exit.debugPc());
    }

    @Test
    void eintrWithoutAStopRequestIsAnInterruption() {
        VirtualCpu cpu = vm.createVcpu(0);
        device.script.add(ScriptedVmmKernel.error(Errno.EINTR));
        assertEquals(ExitKind.INTERRUPTED, cpu.run().kind());
    }

    @Test
    void kernelErrorFromRunThrowsWithErrnoAndOperation() {
        VirtualCpu cpu = vm.createVcpu(0);
        device.script.add(ScriptedVmmKernel.error(Errno.EFAULT));
        VmmException e = assertThrows(VmmException.class, cpu::run);
        assertEquals(Errno.EFAULT, e.errno());
        assertTrue(e.operation().contains("VM_RUN"), e.operation());
    }

    @Test
    void suspendSendsHowAndTheSuspendedExitReportsIt() {
        VirtualCpu cpu = vm.createVcpu(0);
        vm.suspend(Vmm.VM_SUSPEND_POWEROFF);
        assertEquals(suspendHow("POWEROFF"), device.suspendedHow);
        device.script.add(ScriptedVmmKernel.exit(
                ScriptedVmmKernel.EXIT_SUSPENDED,
                0,
                e -> e.putInt(ScriptedVmmKernel.EXIT_SUSPENDED_HOW, suspendHow("POWEROFF"))));
        VmExit exit = cpu.run();
        assertEquals(ExitKind.SUSPENDED, exit.kind());
        assertEquals(SuspendReason.POWER_OFF, exit.suspendReason());
        assertThrows(IllegalArgumentException.class, () -> vm.suspend(Vmm.VM_SUSPEND_LAST));
    }

    @Test
    void registersRoundTripThroughTheRegisterSetIoctls() {
        VirtualCpu cpu = vm.createVcpu(0);
        Registers regs = Registers.builder()
                .rax(1)
                .rbx(2)
                .rcx(3)
                .rdx(4)
                .rsi(5)
                .rdi(6)
                .rsp(7)
                .rbp(8)
                .r8(9)
                .r15(16)
                .rip(0xfff0)
                .rflags(0x202)
                .build();
        cpu.setRegisters(regs);
        assertEquals(0xfff0, device.regs(0)[register("RIP")]);
        assertEquals(7, device.regs(0)[register("RSP")]);
        assertEquals(8, device.regs(0)[register("RBP")]);
        assertEquals(regs, cpu.registers());
    }

    @Test
    void specialRegistersRoundTripWithAccessRights() {
        VirtualCpu cpu = vm.createVcpu(0);
        Segment code = Segment.long64(0x8, true);
        Segment data = Segment.long64(0x10, false);
        Segment tr = new Segment(0, 0x67, 0x18, 0xb, true, 0, false, false, false, false, false, false);
        Segment ldt = new Segment(0, 0, 0, 0x2, false, 0, false, false, false, false, false, true);
        SpecialRegisters sregs = new SpecialRegisters(
                code,
                data,
                data,
                data,
                data,
                data,
                tr,
                ldt,
                new DescriptorTable(0x500, 0x17),
                new DescriptorTable(0, 0xfff),
                0x8000_0011L,
                0,
                0x9000,
                0x20,
                0,
                0x500,
                0);
        cpu.setSpecialRegisters(sregs);
        long[] cs = device.descs.get(register("CS"));
        assertEquals(0xa09b, cs[2], "CS access rights: G, L, P, S, type 0xb");
        assertEquals(0x18, device.regs(0)[register("TR")]);
        assertEquals(sregs, cpu.specialRegisters());
    }

    @Test
    void statsNamesAreReadOnceAndPollCoversMoreThanOneBatch() {
        BhyveVcpu cpu = (BhyveVcpu) vm.createVcpu(0);
        java.util.List<String> names = new java.util.ArrayList<>();
        long[] values = new long[MAX_VM_STATS + 6];
        for (int i = 0; i < values.length; i++) {
            names.add("stat " + i);
            values[i] = 1000L + i;
        }
        device.statNames = names;
        device.statValues = values;
        BhyveStats a = cpu.stats();
        assertSame(a, cpu.stats(), "one handle per vCPU");
        assertEquals(names, a.names());
        assertEquals(names.size() + 1, device.count(REQ_VM_STAT_DESC), "descriptors read once, until EINVAL");
        a.poll();
        assertEquals(2, device.count(REQ_VM_STATS));
        assertEquals(1000 + MAX_VM_STATS + 5, a.value(MAX_VM_STATS + 5));
        assertEquals(1003, a.value("stat 3"));
        device.statValues[0] = 7;
        assertEquals(7, a.poll().value(0));
        BhyveVcpu other = (BhyveVcpu) vm.createVcpu(1);
        assertNotSame(a, other.stats());
        assertEquals(names.size() + 1, device.count(REQ_VM_STAT_DESC), "names are read once per VM");
        cpu.close();
        assertThrows(IllegalStateException.class, a::poll, "the handle is closed with its vCPU");
    }

    @Test
    void memoryAtZeroIsSystemMemoryAndOthersAreDeviceSegments() {
        GuestMemory low = vm.allocateMemory(0, 0x10000);
        GuestMemory rom = vm.allocateMemory(0xfff0_0000L, 0x10000, MemoryOption.READ_ONLY);
        assertEquals(memseg("VM_SYSMEM"), device.mappings.get(0)[0]);
        assertEquals(memseg("VM_BOOTROM"), device.mappings.get(1)[0]);
        assertEquals(1, device.mappings.get(1)[3]);
        assertTrue(rom.readOnly());
        low.putInt(0x100, 0xcafe);
        assertEquals(0xcafe, vm.memoryAt(0x100).getInt(0x100));
        assertThrows(IllegalArgumentException.class, () -> vm.allocateMemory(0x8000, 0x10000));
        assertThrows(
                UnsupportedOperationException.class,
                () -> vm.allocateMemory(0x100000, 0x1000, MemoryOption.LOG_DIRTY_PAGES));
        vm.removeMemory(rom);
        assertEquals(1, vm.memoryRegions().size());
        assertThrows(RuntimeException.class, () -> rom.getByte(0), "a removed region is unmapped");
        vm.close();
        assertThrows(RuntimeException.class, () -> low.getInt(0x100), "memory of a closed VM is unmapped");
    }

    @Test
    void closingAVcpuWhileItRunsStopsTheRunFirst() throws Exception {
        VirtualCpu cpu = vm.createVcpu(0);
        device.script.add(ScriptedVmmKernel.SPIN);
        CompletableFuture<ExitKind> running =
                CompletableFuture.supplyAsync(() -> cpu.run().kind());
        // A stop that lands before VM_RUN takes the SPIN step ends the run without running the guest (as
        // the kernel does): wait until the guest spins, so that the stop is the one that ends the spin.
        Await.until("the guest to spin in VM_RUN", Duration.ofSeconds(5), () -> device.spinsStarted() > 0);
        cpu.close();
        assertEquals(ExitKind.STOP_REQUESTED, running.get(5, TimeUnit.SECONDS));
        assertTrue(cpu.isClosed());
        assertThrows(IllegalStateException.class, cpu::run);
        assertTrue(vm.vcpus().isEmpty());
    }

    @Test
    void closeDestroysTheVmInTheKernel() {
        vm.createVcpu(0);
        vm.close();
        assertTrue(device.destroyed);
        assertTrue(vm.isClosed());
        assertThrows(IllegalStateException.class, () -> vm.createVcpu(1));
    }

    @Test
    void createVmSkipsNamesThatAlreadyExist() {
        ScriptedVmmKernel k = new ScriptedVmmKernel();
        BhyveHypervisor hv = new BhyveHypervisor(k, "taken");
        // Pre-create the next few names the counter could produce.
        for (int i = 0; i < 3; i++) {
            k.preexisting.add("taken-" + (i + 1));
        }
        try (BhyveVm created = hv.createVm()) {
            assertFalse(k.preexisting.contains(created.name()));
            assertTrue(created.name().startsWith("taken-"));
        }
    }
}
