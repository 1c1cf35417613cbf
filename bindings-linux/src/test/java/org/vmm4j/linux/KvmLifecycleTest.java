package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.vmm4j.CpuidEntry;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.Registers;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmmException;
import org.vmm4j.linux.abi.KvmHeader;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.testsupport.RequiresHost;

/** Resource lifecycle and bad input: nothing leaks, and every mistake gets an exception that names it. */
@RequiresHost(kvm = true)
class KvmLifecycleTest {

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
            // The JVM maps and unmaps on its own (code cache, malloc arenas, thread stacks of its compiler and GC:
            // 16 once in a CI run on a loaded host); a leak of one mapping per cycle would add 1000 or more, one per
            // ten cycles 100.
            long growth = mappings().size() - maps;
            assertTrue(growth < 64, "mappings grew by " + growth + " over 1000 cycles");
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
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
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
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
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
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
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

    /**
     * KVM_SET_CPUID2 then KVM_GET_CPUID2. KVM keeps what it is given, with two liberties seen on real
     * hosts: it rewrites the feature-flag leaves to the vCPU (1, 7 and 0xD: OSXSAVE, OSPKE, APIC,
     * XSAVE sizes; PVM-based KVM replaces them with what its guests see natively), and PVM-based KVM
     * drops leaves that are all zero (0x1D, 0x1E, 0x24 on a Rocket Lake host: 59 entries set, 56
     * returned), which a guest cannot tell from absent ones below the maximum leaf. Everything else
     * comes back as set, and the brand string proves vmm4j's encoding field by field.
     */
    @Test
    void mpStateRoundTripsWithTheInKernelIrqchip() {
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            vm.createIrqchip(); // without an in-kernel LAPIC KVM accepts only RUNNABLE
            KvmVcpu cpu = vm.createVcpu(0);
            assertEquals(KvmHeader.KVM_MP_STATE_RUNNABLE, cpu.mpState(), "the boot vCPU starts runnable");
            cpu.setMpState(KvmHeader.KVM_MP_STATE_HALTED);
            assertEquals(KvmHeader.KVM_MP_STATE_HALTED, cpu.mpState());
            assertThrows(VmmException.class, () -> cpu.setMpState(99), "an unknown state is refused");
        }
    }

    @Test
    void vcpuStateRoundTripsThroughKvm() {
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            KvmVcpu cpu = vm.createVcpu(0);
            List<CpuidEntry> set = withBrand(kvm.supportedCpuid(), "vmm4j round-trip CPU @ 1.00GHz");
            cpu.setCpuid(set);
            List<CpuidEntry> got = cpu.cpuid();
            Map<Long, CpuidEntry> returned = new HashMap<>();
            for (CpuidEntry e : got) {
                assertNull(returned.put(leaf(e), e), "one entry per leaf: " + e);
            }
            for (CpuidEntry e : set) {
                CpuidEntry back = returned.remove(leaf(e));
                if (back == null) {
                    assertTrue(
                            e.eax() == 0 && e.ebx() == 0 && e.ecx() == 0 && e.edx() == 0,
                            "KVM dropped a leaf that is not empty: " + e);
                } else if (e.function() != 1 && e.function() != 7 && e.function() != 0xd) {
                    assertEquals(e, back);
                }
            }
            assertEquals(Map.of(), returned, "leaves KVM returned that were never set");
            for (int f = 0x8000_0002; f <= 0x8000_0004; f++) {
                assertTrue(got.contains(entry(set, f)), "brand string leaf 0x" + Integer.toHexString(f));
            }
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

    private static long leaf(CpuidEntry e) {
        return (long) e.function() << 32 | (e.index() & 0xffff_ffffL);
    }

    private static CpuidEntry entry(List<CpuidEntry> entries, int function) {
        return entries.stream()
                .filter(e -> e.function() == function)
                .findFirst()
                .orElseThrow();
    }

    /** {@code entries} with leaves 0x80000002-4 holding {@code brand} (48 bytes, NUL-padded, four per register). */
    private static List<CpuidEntry> withBrand(List<CpuidEntry> entries, String brand) {
        byte[] bytes = Arrays.copyOf(brand.getBytes(StandardCharsets.US_ASCII), 48);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<CpuidEntry> out = new ArrayList<>();
        for (CpuidEntry e : entries) {
            if (e.function() < 0x8000_0002 || e.function() > 0x8000_0004) {
                out.add(e);
            }
        }
        for (int f = 0x8000_0002; f <= 0x8000_0004; f++) {
            out.add(new CpuidEntry(f, 0, 0, b.getInt(), b.getInt(), b.getInt(), b.getInt()));
        }
        return out;
    }
}
