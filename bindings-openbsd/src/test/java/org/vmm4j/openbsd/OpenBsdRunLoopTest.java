package org.vmm4j.openbsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VmExit;
import org.vmm4j.VmmException;
import org.vmm4j.openbsd.ScriptedVmmKernel.In;
import org.vmm4j.openbsd.ScriptedVmmKernel.Interrupted;
import org.vmm4j.openbsd.ScriptedVmmKernel.Out;
import org.vmm4j.openbsd.ScriptedVmmKernel.Reason;
import org.vmm4j.openbsd.ScriptedVmmKernel.WaitForKick;
import org.vmm4j.openbsd.abi.VmmAbi;

/** The tier-1 VM and run loop over {@link ScriptedVmmKernel} (a test-only vmm(4) double). */
class OpenBsdRunLoopTest {
    private ScriptedVmmKernel kernel;
    private OpenBsdHypervisor hv;
    private OpenBsdVm vm;

    private void open(VmmAbi abi) {
        kernel = new ScriptedVmmKernel(abi);
        hv = new OpenBsdHypervisor(kernel);
        vm = hv.createVm("test");
    }

    @AfterEach
    void close() {
        if (vm != null) {
            vm.close();
        }
        if (hv != null) {
            hv.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"7.4", "7.8"})
    void createPassesEveryRegionAsARangeOfThisProcessesMemory(String release) {
        open(VmmAbi.forRelease(release).orElseThrow());
        GuestMemory low = vm.allocateMemory(0, 0x10000);
        GuestMemory high = vm.allocateMemory(0x100000, 0x20000);
        vm.createVcpu(0);
        vm.createVcpu(1);
        vm.create();
        assertEquals(2, kernel.createdRanges.size());
        assertEquals(0, kernel.createdRanges.get(0)[0]);
        assertEquals(0x10000, kernel.createdRanges.get(0)[2]);
        assertEquals(0x100000, kernel.createdRanges.get(1)[0]);
        assertEquals(0x20000, kernel.createdRanges.get(1)[2]);
        assertEquals(2, kernel.vms.get(vm.vmId()).vcpus.length);
        assertEquals("test", kernel.vms.get(vm.vmId()).name);
        low.putInt(0, 7);
        high.putInt(0, 9);
        assertTrue(vm.vmId() > 0);
    }

    @Test
    void memoryAndVcpusAreFixedOnceTheKernelVmExists() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu = vm.createVcpu(0);
        kernel.script(0, new Reason(12));
        cpu.run();
        assertThrows(IllegalStateException.class, () -> vm.allocateMemory(0x1000, 0x1000));
        assertThrows(IllegalStateException.class, () -> vm.createVcpu(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"7.4", "7.8"})
    void everyVcpuStartsFromThePowerOnStateInTheReleasesLayout(String release) {
        open(VmmAbi.forRelease(release).orElseThrow());
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu0 = vm.createVcpu(0);
        VirtualCpu cpu1 = vm.createVcpu(1);
        vm.create();
        for (VirtualCpu cpu : List.of(cpu0, cpu1)) {
            assertEquals(0xFFF0, cpu.registers().rip());
            assertEquals(0x2, cpu.registers().rflags());
            SpecialRegisters s = cpu.specialRegisters();
            assertEquals(0xF000, s.cs().selector());
            assertEquals(0xF0000, s.cs().base());
            assertTrue(s.cs().present());
            assertEquals(0xFFFF, s.ds().limit());
            assertEquals(0x60000010L, s.cr0());
            assertEquals(0xFFFF, s.gdt().limit());
        }
    }

    @Test
    void createRejectsGapsInVcpuIds() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        vm.createVcpu(1);
        assertThrows(IllegalStateException.class, vm::create);
    }

    @ParameterizedTest
    @ValueSource(strings = {"7.4", "7.8"})
    void ioInReplyAndRipAdvanceReachTheKernelOnTheNextRun(String release) {
        open(VmmAbi.forRelease(release).orElseThrow());
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu = vm.createVcpu(0);
        cpu.setRegisters(
                Registers.builder().rip(0x100).rax(0xAAAA_0000_1111_2200L).build());
        kernel.script(0, new In(0x60, 1, 1), new Out(0x3f8, 1, 0x41, 2), new Reason(12));

        VmExit in = cpu.run();
        assertEquals(ExitKind.IO_IN, in.kind());
        assertEquals(0x60, in.ioPort());
        in.setIoData(0, 0x5A);
        assertEquals(0x101, cpu.registers().rip(), "registers show RIP past the IN before the next run");
        assertEquals(0xAAAA_0000_1111_225AL, cpu.registers().rax());

        VmExit out = cpu.run();
        assertEquals(ExitKind.IO_OUT, out.kind());
        assertEquals(0x41, out.ioData(0));
        assertEquals(ExitKind.HLT, cpu.run().kind());

        ScriptedVmmKernel.Vcpu k = kernel.vcpu(vm.vmId(), 0);
        assertEquals(List.of(0x100L, 0x101L, 0x103L), k.ripAtEntry);
        assertEquals(0xAAAA_0000_1111_225AL, k.raxAtEntry.get(1), "the IN's reply is in AL on re-entry");
    }

    @Test
    void openBsd74RunsSayWhetherTheyContinueAnExit() {
        open(VmmAbi.OPENBSD_7_4);
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu = vm.createVcpu(0);
        kernel.script(0, new Reason(12), new Reason(12));
        cpu.run();
        cpu.run();
        assertEquals(List.of(0, 1), kernel.vcpu(vm.vmId(), 0).continued);
    }

    @Test
    void interruptIsInjectedOnlyOnceTheGuestIsReadyAndPendingUntilThen() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        OpenBsdVcpu cpu = (OpenBsdVcpu) vm.createVcpu(0);
        kernel.script(0, new Reason(12), new Reason(12), new Reason(12));
        cpu.injectInterrupt(0x20);
        cpu.run(); // no exit yet says irqready: marked pending, not injected
        cpu.run(); // the double reported irqready: injected
        cpu.run();
        ScriptedVmmKernel.Vcpu k = kernel.vcpu(vm.vmId(), 0);
        assertEquals(List.of(0x20), k.injected);
        assertEquals(List.of(1, 0, 0), k.intrPending);
    }

    @Test
    void openBsd74MarksPendingInterruptsWithVmmIocIntrAndInjectsThroughVrpIrq() {
        open(VmmAbi.OPENBSD_7_4);
        vm.allocateMemory(0, 0x1000);
        OpenBsdVcpu cpu = (OpenBsdVcpu) vm.createVcpu(0);
        kernel.script(0, new Reason(12), new Reason(12));
        cpu.injectInterrupt(0x21);
        cpu.run();
        cpu.run();
        assertEquals(List.of(0x21), kernel.vcpu(vm.vmId(), 0).injected);
        assertEquals(
                List.of(1, 0),
                kernel.intrCalls.stream().map(c -> c[2]).toList(),
                "set while pending, cleared once delivered");
    }

    @Test
    void tripleFaultIsShutdownAndResetRestoresTheGivenState() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        OpenBsdVcpu cpu = (OpenBsdVcpu) vm.createVcpu(0);
        kernel.script(0, new Reason(2));
        assertEquals(ExitKind.SHUTDOWN, cpu.run().kind());
        SpecialRegisters sregs = cpu.specialRegisters().toBuilder()
                .cs(Segment.realMode(0xf000, true))
                .dataSegments(Segment.realMode(0, false))
                .tr(Segment.realMode(0, false))
                .ldt(Segment.realMode(0, false))
                .gdt(new org.vmm4j.DescriptorTable(0, 0xffff))
                .idt(new org.vmm4j.DescriptorTable(0, 0xffff))
                .cr0(0x60000010L)
                .build();
        cpu.reset(Registers.builder().rip(0xfff0).build(), sregs);
        assertEquals(0xfff0, cpu.registers().rip());
        assertEquals(0xf000, cpu.specialRegisters().cs().selector());
        assertEquals(0xf0000, cpu.specialRegisters().cs().base());
        assertEquals(0x60000010L, cpu.specialRegisters().cr0());
    }

    @ParameterizedTest
    @ValueSource(strings = {"7.4", "7.8"})
    void registersRoundTripThroughTheKernelInTheReleasesOrder(String release) {
        open(VmmAbi.forRelease(release).orElseThrow());
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu = vm.createVcpu(0);
        Registers r = new Registers(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 0x202);
        cpu.setRegisters(r);
        assertEquals(r, cpu.registers());
        SpecialRegisters s = cpu.specialRegisters().toBuilder()
                .cs(Segment.long64(0x8, true))
                .dataSegments(Segment.long64(0x10, false))
                .cr0(0x80050033L)
                .cr3(0x9000)
                .cr4(0x20)
                .efer(0x500)
                .build();
        cpu.setSpecialRegisters(s);
        SpecialRegisters back = cpu.specialRegisters();
        assertEquals(Segment.long64(0x8, true), back.cs());
        assertEquals(Segment.long64(0x10, false), back.ss());
        assertEquals(0x80050033L, back.cr0());
        assertEquals(0x9000, back.cr3());
        assertEquals(0x500, back.efer());
    }

    @Test
    void rbxLandsAtTheCurrentHeadersIndexThree() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu = vm.createVcpu(0);
        cpu.setRegisters(Registers.builder().rbx(0xB0B).build());
        // read the kernel double's raw vcpu_reg_state: vrs_gprs[3] is RBX in vmmvar.h 1.117
        assertEquals(0xB0B, kernel.vcpu(vm.vmId(), 0).regs.getLong(3 * 8));
    }

    @Test
    void requestStopFromAnotherThreadEndsARunInTheGuest() throws Exception {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        OpenBsdVcpu cpu = (OpenBsdVcpu) vm.createVcpu(0);
        kernel.script(0, new WaitForKick());
        vm.create();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<ExitKind> result = pool.submit(() -> cpu.run().kind());
            assertTrue(
                    kernel.vcpu(vm.vmId(), 0).waitingForKick.await(5, TimeUnit.SECONDS),
                    "the run blocks in the kernel");
            long start = System.nanoTime();
            cpu.requestStop();
            assertEquals(ExitKind.STOP_REQUESTED, result.get(5, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(100));
            assertFalse(kernel.intrCalls.isEmpty(), "the stop kicked the vCPU with VMM_IOC_INTR");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void stopRequestedBetweenRunsIsReportedByTheNextRunWithoutEnteringTheGuest() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu = vm.createVcpu(0);
        kernel.script(0, new Reason(12));
        cpu.requestStop();
        assertEquals(ExitKind.STOP_REQUESTED, cpu.run().kind());
        assertEquals(ExitKind.HLT, cpu.run().kind(), "the request was consumed by the run that reported it");
        assertEquals(1, kernel.vcpu(vm.vmId(), 0).ripAtEntry.size());
    }

    @Test
    void ioExitCompletedAfterAStopRequestStillAdvancesRip() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu = vm.createVcpu(0);
        cpu.setRegisters(Registers.builder().rip(0x200).build());
        kernel.script(0, new In(0x71, 1, 2), new Reason(12));
        VmExit in = cpu.run();
        in.setIoData(0, 0x33);
        cpu.requestStop();
        assertEquals(ExitKind.STOP_REQUESTED, cpu.run().kind());
        assertEquals(0x202, cpu.registers().rip());
        assertEquals(0x33, cpu.registers().rax() & 0xff);
        assertEquals(ExitKind.HLT, cpu.run().kind());
        ScriptedVmmKernel.Vcpu k = kernel.vcpu(vm.vmId(), 0);
        assertEquals(List.of(0x200L, 0x202L), k.ripAtEntry);
        assertEquals(0x33, k.raxAtEntry.get(1) & 0xff);
    }

    @ParameterizedTest
    @ValueSource(strings = {"7.4", "7.8"})
    void mmioReadIsDecodedFromGuestMemoryAndItsResultLandsInTheRegister(String release) {
        open(VmmAbi.forRelease(release).orElseThrow());
        GuestMemory ram = vm.allocateMemory(0, 0x10000);
        VirtualCpu cpu = vm.createVcpu(0);
        ram.write(0x1000, new byte[] {(byte) 0x8B, 0x03}); // mov eax, [ebx]
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .cs(Segment.flat32(0x8, true))
                .dataSegments(Segment.flat32(0x10, false))
                .cr0(0x11)
                .build());
        cpu.setRegisters(Registers.builder()
                .rip(0x1000)
                .rbx(0xF000_0010L)
                .rax(0xAAAA_AAAA_0000_0000L)
                .build());
        kernel.script(0, new ScriptedVmmKernel.Ept(2), new Reason(12));

        VmExit e = cpu.run();
        assertEquals(ExitKind.MMIO_READ, e.kind());
        assertEquals(0xF000_0010L, e.mmioAddress());
        assertEquals(4, e.mmioSize());
        e.setMmioData(0x1234_5678L);
        assertEquals(ExitKind.HLT, cpu.run().kind());
        ScriptedVmmKernel.Vcpu k = kernel.vcpu(vm.vmId(), 0);
        assertEquals(0x1002, k.ripAtEntry.get(1));
        assertEquals(0xAAAA_AAAA_1234_5678L, k.raxAtEntry.get(1), "32-bit code keeps RAX's upper half");
    }

    @Test
    void mmioWriteInLongModeReportsTheValue() {
        open(VmmAbi.CURRENT);
        GuestMemory ram = vm.allocateMemory(0, 0x10000);
        VirtualCpu cpu = vm.createVcpu(0);
        // identity-map the first GiB with a 1 GiB page, and 0xC0000000.. with another
        ram.putLong(0x2000, 0x3000 | 3); // PML4[0] -> PDPT
        ram.putLong(0x3000, 0x83); // PDPT[0]: 1 GiB page at 0
        ram.putLong(0x3000 + 3 * 8, 0xC000_0000L | 0x83); // PDPT[3]: 1 GiB page at 0xC0000000
        ram.write(0x1000, new byte[] {0x48, (byte) 0x89, 0x48, 0x08}); // mov [rax+8], rcx
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .cs(Segment.long64(0x8, true))
                .dataSegments(Segment.long64(0x10, false))
                .cr0(0x8000_0011L)
                .cr3(0x2000)
                .cr4(0x20)
                .efer(0x500)
                .build());
        cpu.setRegisters(
                Registers.builder().rip(0x1000).rax(0xFEE0_0000L).rcx(0x55).build());
        kernel.script(0, new ScriptedVmmKernel.Ept(2), new Reason(12));
        VmExit e = cpu.run();
        assertEquals(ExitKind.MMIO_WRITE, e.kind());
        assertEquals(0xFEE0_0008L, e.mmioAddress());
        assertEquals(8, e.mmioSize());
        assertEquals(0x55, e.mmioData());
        cpu.run();
        assertEquals(0x1004, kernel.vcpu(vm.vmId(), 0).ripAtEntry.get(1));
    }

    @Test
    void undecodableEptExitStaysUnknownWithItsFaultType() {
        open(VmmAbi.CURRENT);
        GuestMemory ram = vm.allocateMemory(0, 0x10000);
        VirtualCpu cpu = vm.createVcpu(0);
        ram.write(0x1000, new byte[] {(byte) 0xF3, (byte) 0xA5}); // rep movsd
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .cs(Segment.flat32(0x8, true))
                .cr0(0x11)
                .build());
        cpu.setRegisters(Registers.builder().rip(0x1000).build());
        kernel.script(0, new ScriptedVmmKernel.Ept(2));
        OpenBsdExit e = (OpenBsdExit) cpu.run();
        assertEquals(ExitKind.UNKNOWN, e.kind());
        assertEquals(48, e.rawReason());
        assertEquals(2, e.eptFaultType());
    }

    @Test
    void eintrWithoutStopRequestIsInterrupted() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu = vm.createVcpu(0);
        kernel.script(0, new Interrupted());
        assertEquals(ExitKind.INTERRUPTED, cpu.run().kind());
    }

    @Test
    void kernelErrorBecomesVmmExceptionNamingTheIoctl() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x1000);
        VirtualCpu cpu = vm.createVcpu(0);
        VmmException e = assertThrows(VmmException.class, cpu::run); // empty script: the double fails with EIO
        assertTrue(e.getMessage().contains("VMM_IOC_RUN"), e.getMessage());
        assertEquals(5, e.errno());
    }

    @Test
    void infoReportsThisVmAndCloseTerminatesIt() {
        open(VmmAbi.CURRENT);
        vm.allocateMemory(0, 0x4000);
        vm.createVcpu(0);
        vm.createVcpu(1);
        vm.create();
        VmmVmInfo info = vm.info().orElseThrow();
        assertEquals("test", info.name());
        assertEquals(0x4000, info.memorySize());
        assertEquals(2, info.vcpus());
        assertEquals(4242, info.creatorPid());
        assertEquals("running", VmmVmInfo.describeVcpuState(info.vcpuStates()[1]));
        int id = vm.vmId();
        vm.close();
        assertEquals(List.of(id), kernel.terminated);
        assertTrue(hv.kernelVms().isEmpty());
    }

    @Test
    void deviceClosesWhenHypervisorAndLastVmAreClosed() {
        open(VmmAbi.CURRENT);
        hv.close();
        assertFalse(kernel.closed, "a VM is still open");
        vm.close();
        assertTrue(kernel.closed);
    }
}
