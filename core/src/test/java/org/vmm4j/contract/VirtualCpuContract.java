package org.vmm4j.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.contract.ClosedAssertions.assertClosed;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;

/**
 * What every {@link VirtualCpu} and its {@link VmExit} do: registers round-trip, a run reports the
 * exit the guest caused, accessors of another kind of exit throw, a stop request ends a run, and a
 * closed vCPU refuses work. The guest code is a few bytes of real-mode x86 ({@link GuestProgram}). A
 * backend's test extends this class and implements the hooks.
 */
public abstract class VirtualCpuContract {
    /** Guest-physical address where {@link #loadProgram} puts the program. */
    public static final long PROGRAM_ADDRESS = 0x1000;
    /** Size of the memory mapped at guest-physical 0 for every test. */
    public static final long MEMORY_SIZE = 0x10000;

    private static final String[] VCPU_NAMES = {"vcpu", "virtual cpu"};
    /** What "promptly" means for a stop request: generous for a loaded machine, far below a hang. */
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(5);

    private Hypervisor hypervisor;
    private VirtualMachine vm;
    private GuestMemory ram;
    private VirtualCpu cpu;

    /**
     * Opens a fresh hypervisor of the backend under test; called once per test and closed by the
     * contract. A backend that cannot run here aborts with an assumption saying why.
     */
    protected abstract Hypervisor openHypervisor();

    /**
     * Makes {@code cpu}'s next runs execute {@code program}. The default writes the code at
     * {@link #PROGRAM_ADDRESS} of {@code ram} (mapped at guest-physical 0) and points the vCPU at it in
     * real mode (CS selector and base 0); a backend whose kernel is scripted instead overrides this to
     * script the exits the program produces.
     */
    protected void loadProgram(VirtualCpu cpu, GuestMemory ram, GuestProgram program) {
        ram.write(PROGRAM_ADDRESS, program.code());
        cpu.setSpecialRegisters(
                cpu.specialRegisters().toBuilder().cs(Segment.realMode(0, true)).build());
        cpu.setRegisters(Registers.builder().rip(PROGRAM_ADDRESS).build());
    }

    /**
     * Whether a run can stay in the guest until another thread stops it ({@link GuestProgram#SPIN}).
     * A scripted kernel that cannot block returns {@code false}, and the cross-thread stop test is
     * aborted (reported as skipped, with this reason).
     */
    protected boolean spinsInTheGuest() {
        return true;
    }

    /** Whether {@link VirtualCpu#stats()} works; if not, it must throw {@link UnsupportedOperationException}. */
    protected boolean supportsStats() {
        return false;
    }

    @BeforeEach
    final void createTheVcpu() {
        hypervisor = openHypervisor();
        vm = hypervisor.createVm();
        ram = vm.allocateMemory(0, MEMORY_SIZE);
        cpu = vm.createVcpu(0);
    }

    @AfterEach
    final void closeTheVm() {
        vm.close();
        hypervisor.close();
    }

    @Test
    void knowsItsIdAndVm() {
        VirtualCpu three = vm.createVcpu(3);
        assertEquals(3, three.id());
        assertSame(vm, three.vm());
        assertEquals(List.of(cpu, three), vm.vcpus());
    }

    @Test
    void registersRoundTrip() {
        Registers set = Registers.builder()
                .rax(0x1111_2222_3333_4444L)
                .rbx(2)
                .rcx(3)
                .rdx(4)
                .rsi(5)
                .rdi(6)
                .rsp(0x8000)
                .rbp(0x7ff0)
                .r8(8)
                .r9(9)
                .r10(10)
                .r11(11)
                .r12(12)
                .r13(13)
                .r14(14)
                .r15(-1L)
                .rip(0x1234)
                .rflags(Registers.RFLAGS_RESERVED | 0x1 | 0x40)
                .build();
        cpu.setRegisters(set);
        assertEquals(set, cpu.registers());
    }

    @Test
    void specialRegistersRoundTrip() {
        SpecialRegisters initial = cpu.specialRegisters();
        SpecialRegisters set = initial.toBuilder()
                .cs(Segment.realMode(0x100, true))
                .dataSegments(Segment.realMode(0x200, false))
                .cr2(0xdead_0000L)
                .cr3(0x5000)
                .build();
        cpu.setSpecialRegisters(set);
        SpecialRegisters read = cpu.specialRegisters();
        assertEquals(set.cs().selector(), read.cs().selector());
        assertEquals(set.cs().base(), read.cs().base());
        assertEquals(set.ds().selector(), read.ds().selector());
        assertEquals(set.ss().base(), read.ss().base());
        assertEquals(set.cr2(), read.cr2());
        assertEquals(set.cr3(), read.cr3());
        assertEquals(set.cr0(), read.cr0());
        assertEquals(set.efer(), read.efer());
    }

    @Test
    void runReportsThePortWriteThenTheHalt() {
        loadProgram(cpu, ram, GuestProgram.OUT_THEN_HLT);
        VmExit exit = cpu.run();
        assertEquals(ExitKind.IO_OUT, exit.kind());
        assertEquals(GuestProgram.PORT, exit.ioPort());
        assertEquals(1, exit.ioSize());
        assertEquals(1, exit.ioCount());
        assertEquals(GuestProgram.VALUE, exit.ioData(0));
        VmExit next = cpu.run();
        assertSame(exit, next, "the exit view is reused, not allocated per run");
        assertEquals(ExitKind.HLT, next.kind());
    }

    @Test
    void accessorsOfAnotherKindOfExitThrowIllegalState() {
        loadProgram(cpu, ram, GuestProgram.OUT_THEN_HLT);
        VmExit io = cpu.run();
        assertEquals(ExitKind.IO_OUT, io.kind());
        assertNotThisKind("mmioAddress", io::mmioAddress);
        assertNotThisKind("mmioSize", io::mmioSize);
        assertNotThisKind("mmioData", io::mmioData);
        assertNotThisKind("setMmioData", () -> io.setMmioData(1));
        assertNotThisKind("failureReason", io::failureReason);
        assertNotThisKind("internalErrorSuberror", io::internalErrorSuberror);
        assertNotThisKind("systemEvent", io::systemEvent);
        assertNotThisKind("eoiVector", io::eoiVector);
        assertNotThisKind("debugPc", io::debugPc);
        assertNotThisKind("debugException", io::debugException);
        assertNotThisKind("suspendReason", io::suspendReason);

        VmExit halt = cpu.run();
        assertEquals(ExitKind.HLT, halt.kind());
        assertNotThisKind("ioPort", halt::ioPort);
        assertNotThisKind("ioSize", halt::ioSize);
        assertNotThisKind("ioCount", halt::ioCount);
        assertNotThisKind("ioData", () -> halt.ioData(0));
        assertNotThisKind("setIoData", () -> halt.setIoData(0, 1));
        assertNotThisKind("mmioAddress", halt::mmioAddress);
    }

    private static void assertNotThisKind(String accessor, Executable call) {
        assertThrows(IllegalStateException.class, call, accessor + " of another kind of exit");
    }

    @Test
    void stopRequestedBeforeARunEndsTheNextRunOnly() {
        loadProgram(cpu, ram, GuestProgram.OUT_THEN_HLT);
        cpu.requestStop();
        assertEquals(ExitKind.STOP_REQUESTED, cpu.run().kind());
        assertEquals(ExitKind.IO_OUT, cpu.run().kind(), "the request is consumed by the run that reports it");
    }

    @Test
    void stopRequestedFromAnotherThreadEndsASpinningRun() throws Exception {
        Assumptions.assumeTrue(spinsInTheGuest(), "this backend's vCPU cannot stay in the guest until stopped");
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<ExitKind> run = runner.submit(() -> {
                loadProgram(cpu, ram, GuestProgram.SPIN);
                return cpu.run().kind();
            });
            assertThrows(
                    TimeoutException.class,
                    () -> run.get(200, TimeUnit.MILLISECONDS),
                    "the spinning guest must not exit on its own");
            cpu.requestStop();
            assertEquals(ExitKind.STOP_REQUESTED, run.get(STOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            throw new AssertionError("requestStop() did not end the run within " + STOP_DEADLINE, e);
        } catch (ExecutionException e) {
            throw new AssertionError("the run failed", e.getCause());
        } finally {
            runner.shutdownNow();
        }
    }

    @Test
    void aSecondThreadsRunFailsAtOnceWhileTheFirstIsInTheGuest() throws Exception {
        Assumptions.assumeTrue(spinsInTheGuest(), "this backend's vCPU cannot stay in the guest until stopped");
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "first-runner"));
        try {
            Future<ExitKind> run = runner.submit(() -> {
                loadProgram(cpu, ram, GuestProgram.SPIN);
                return cpu.run().kind();
            });
            assertThrows(
                    TimeoutException.class,
                    () -> run.get(200, TimeUnit.MILLISECONDS),
                    "the spinning guest must not exit on its own");
            IllegalStateException refused = assertTimeoutPreemptively(
                    STOP_DEADLINE,
                    () -> assertThrows(IllegalStateException.class, cpu::run),
                    "a second run() must fail at once, not wait for the first");
            assertTrue(
                    refused.getMessage().contains("vCPU 0 is already running on thread 'first-runner'"),
                    refused.getMessage());
            cpu.requestStop();
            assertEquals(ExitKind.STOP_REQUESTED, run.get(STOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
            loadProgram(cpu, ram, GuestProgram.OUT_THEN_HLT);
            assertEquals(ExitKind.IO_OUT, cpu.run().kind(), "once the first run returned, another thread may run");
        } catch (TimeoutException e) {
            throw new AssertionError("requestStop() did not end the run within " + STOP_DEADLINE, e);
        } catch (ExecutionException e) {
            throw new AssertionError("the first run failed", e.getCause());
        } finally {
            runner.shutdownNow();
        }
    }

    @Test
    void statsWhereSupported() {
        if (!supportsStats()) {
            assertThrows(UnsupportedOperationException.class, cpu::stats);
            return;
        }
        assertSame(cpu.stats(), cpu.stats(), "stats() is one reusable handle");
    }

    @Test
    void closingTwiceIsANoOp() {
        cpu.close();
        cpu.close();
        assertTrue(cpu.isClosed());
        assertFalse(vm.isClosed(), "closing a vCPU leaves its VM open");
    }

    @Test
    void everyOperationOnAClosedVcpuThrowsIllegalState() {
        Registers registers = cpu.registers();
        SpecialRegisters special = cpu.specialRegisters();
        cpu.close();
        assertTrue(cpu.isClosed());
        assertClosed("run", cpu::run, VCPU_NAMES);
        assertClosed("requestStop", cpu::requestStop, VCPU_NAMES);
        assertClosed("registers", cpu::registers, VCPU_NAMES);
        assertClosed("setRegisters", () -> cpu.setRegisters(registers), VCPU_NAMES);
        assertClosed("specialRegisters", cpu::specialRegisters, VCPU_NAMES);
        assertClosed("setSpecialRegisters", () -> cpu.setSpecialRegisters(special), VCPU_NAMES);
        assertClosed("setSingleStep", () -> cpu.setSingleStep(true), VCPU_NAMES);
        if (supportsStats()) {
            assertClosed("stats", cpu::stats, VCPU_NAMES);
        }
        assertEquals(0, cpu.id(), "id() still answers after close");
        assertSame(vm, cpu.vm(), "vm() still answers after close");
    }

    @Test
    void closedVcpuLeavesTheVmsVcpuList() {
        VirtualCpu other = vm.createVcpu(1);
        cpu.close();
        assertEquals(List.of(other), vm.vcpus());
    }

    @Test
    void vcpusOfAClosedVmAreClosed() {
        vm.close();
        assertTrue(cpu.isClosed());
        assertClosed("run", cpu::run, VCPU_NAMES);
        assertClosed("registers", cpu::registers, VCPU_NAMES);
    }
}
