package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.Registers;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.linux.abi.KvmHeader;
import org.vmm4j.linux.abi.KvmStructs;

/** Resource lifecycle and bad input: nothing leaks, and every mistake gets an exception that names it. */
class KvmLifecycleTest {

    @BeforeAll
    static void needsKvm() {
        KvmAvailable.require();
    }

    @Test
    void thousandCreateRunCloseCyclesLeakNoFdOrMapping() throws IOException {
        try (Hypervisor hv = Hypervisor.open()) {
            cycles(hv, 50); // warm up class loading, JIT, thread-local buffers
            long fds = openFds();
            long maps = mappings().size();
            cycles(hv, 1000);
            assertEquals(fds, openFds(), "open file descriptors");
            // Our own mappings are named by the kernel (anon_inode:kvm-vcpu) or are guest RAM: none may remain.
            assertEquals(0, mappings().stream().filter(l -> l.contains("kvm")).count(), "kvm_run mappings left");
            // The JVM maps and unmaps on its own (code cache, malloc arenas); a leak of one mapping per
            // cycle would add 1000 or more.
            long growth = mappings().size() - maps;
            assertTrue(growth < 16, "mappings grew by " + growth + " over 1000 cycles");
        }
    }

    private static void cycles(Hypervisor hv, int n) {
        for (int i = 0; i < n; i++) {
            try (VirtualMachine vm = hv.createVm()) {
                GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
                mem.write(0, bytes(0xf4));
                VirtualCpu cpu = vm.createVcpu(0);
                GuestSetup.realMode(cpu, CODE, Registers.builder());
                assertEquals(ExitKind.HLT, cpu.run().kind());
            }
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static java.util.List<String> mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps"));
    }

    @Test
    void rejectsBadMemoryRegionsNamingTheProblem() {
        try (KvmSystem kvm = KvmSystem.open(); KvmVm vm = kvm.createVm()) {
            var unaligned = assertThrows(IllegalArgumentException.class, () -> vm.allocateMemory(0x1001, 0x1000));
            assertTrue(unaligned.getMessage().contains("not aligned"), unaligned.getMessage());
            var oddSize = assertThrows(IllegalArgumentException.class, () -> vm.allocateMemory(0x1000, 100));
            assertTrue(oddSize.getMessage().contains("multiple of the 4096-byte page size"), oddSize.getMessage());
            var zero = assertThrows(IllegalArgumentException.class, () -> vm.allocateMemory(0x1000, 0));
            assertTrue(zero.getMessage().contains("must be positive"), zero.getMessage());
            vm.allocateMemory(0x10000, 0x4000);
            var overlap = assertThrows(IllegalArgumentException.class, () -> vm.allocateMemory(0x12000, 0x4000));
            assertTrue(overlap.getMessage().contains("overlaps"), overlap.getMessage());
            assertEquals(1, vm.memoryRegions().size());
        }
    }

    @Test
    void rejectsVcpuIdsOutOfRangeAndDuplicates() {
        try (KvmSystem kvm = KvmSystem.open(); KvmVm vm = kvm.createVm()) {
            var negative = assertThrows(IllegalArgumentException.class, () -> vm.createVcpu(-1));
            assertTrue(negative.getMessage().contains("out of range"), negative.getMessage());
            var tooBig = assertThrows(IllegalArgumentException.class, () -> vm.createVcpu(vm.maxVcpus()));
            assertTrue(tooBig.getMessage().contains("out of range"), tooBig.getMessage());
            vm.createVcpu(0);
            var twice = assertThrows(IllegalArgumentException.class, () -> vm.createVcpu(0));
            assertTrue(twice.getMessage().contains("already exists"), twice.getMessage());
        }
    }

    @Test
    void useAfterCloseFailsCleanly() {
        KvmSystem kvm = KvmSystem.open();
        KvmVm vm = kvm.createVm();
        GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
        KvmVcpu cpu = vm.createVcpu(0);
        vm.close();
        kvm.close();
        assertTrue(cpu.isClosed());
        var run = assertThrows(IllegalStateException.class, cpu::run);
        assertTrue(run.getMessage().contains("closed"), run.getMessage());
        assertThrows(IllegalStateException.class, () -> vm.createVcpu(1));
        assertThrows(IllegalStateException.class, () -> vm.allocateMemory(0x2000, 0x1000));
        assertThrows(IllegalStateException.class, () -> mem.getByte(0), "guest memory is unmapped after close");
        assertThrows(IllegalStateException.class, kvm::createVm);
        vm.close(); // idempotent
    }

    @Test
    void removedMemoryIsUnmappedAndItsRangeReusable() {
        try (KvmSystem kvm = KvmSystem.open(); KvmVm vm = kvm.createVm()) {
            GuestMemory first = vm.allocateMemory(CODE, 0x1000);
            vm.removeMemory(first);
            assertThrows(IllegalStateException.class, () -> first.getByte(0));
            GuestMemory again = vm.allocateMemory(CODE, 0x1000);
            again.write(0, bytes(0xf4));
            VirtualCpu cpu = vm.createVcpu(0);
            GuestSetup.realMode(cpu, CODE, Registers.builder());
            assertEquals(ExitKind.HLT, cpu.run().kind());
        }
    }

    @Test
    void deviceThatIsNotKvmIsRejectedWithTheReason() {
        var e = assertThrows(HypervisorUnavailableException.class, () -> KvmSystem.open("/dev/null"));
        assertTrue(e.getMessage().contains("/dev/null is not a KVM device"), e.getMessage());
        var missing = assertThrows(HypervisorUnavailableException.class, () -> KvmSystem.open("/dev/no-such-kvm"));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }

    @Test
    void systemAnswersCapabilitiesCpuidAndMsrList() {
        try (KvmSystem kvm = KvmSystem.open()) {
            assertEquals(12, kvm.apiVersion());
            assertTrue(kvm.vcpuMmapSize() >= 4096);
            assertTrue(kvm.checkExtension(KvmHeader.KVM_CAP_USER_MEMORY) > 0);
            var cpuid = kvm.supportedCpuid();
            assertTrue(cpuid.stream().anyMatch(e -> e.function() == 0), "leaf 0 present");
            assertTrue(cpuid.stream().anyMatch(e -> e.function() == 1), "leaf 1 present");
            int[] msrs = kvm.msrIndexList();
            assertTrue(java.util.Arrays.stream(msrs).anyMatch(m -> m == 0x10), "IA32_TIME_STAMP_COUNTER listed");
        }
    }

    @Test
    void vcpuStateRoundTripsThroughKvm() {
        try (KvmSystem kvm = KvmSystem.open(); KvmVm vm = kvm.createVm()) {
            KvmVcpu cpu = vm.createVcpu(0);
            var cpuid = kvm.supportedCpuid();
            cpu.setCpuid(cpuid);
            assertEquals(cpuid.size(), cpu.cpuid().size());
            cpu.setMsrs(new int[] {0x174}, new long[] {0x10}); // IA32_SYSENTER_CS
            assertEquals(0x10, cpu.msrs(0x174)[0]);
            cpu.setFpu(0x27f, 0x1f80);
            byte[] fpu = cpu.fpu();
            assertEquals(0x27f, (fpu[KvmStructs.Fpu.FCW] & 0xff) | (fpu[KvmStructs.Fpu.FCW + 1] & 0xff) << 8);
            // MXCSR is not asserted: KVM keeps it in the XSAVE SSE component, which this (nested, PVM)
            // host reports as 0 until the guest has used SSE.
            Registers regs = Registers.builder().rax(1).r15(15).rip(0x1234).build();
            cpu.setRegisters(regs);
            assertEquals(regs, cpu.registers());
        }
    }
}
