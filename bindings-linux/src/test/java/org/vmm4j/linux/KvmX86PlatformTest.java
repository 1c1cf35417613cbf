package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.vmm4j.CpuidEntry;
import org.vmm4j.VirtualCpu;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;
import org.vmm4j.x86.X86Platform;

/** {@link KvmVm#x86()} on the real /dev/kvm: the order it insists on, and the vCPUs it creates. */
@RequiresHost(kvm = true)
class KvmX86PlatformTest {
    @AutoClose
    private final TestVms vms = new TestVms();

    private final KvmVm vm = vms.create();

    @Test
    void isOnePerVm() {
        assertSame(vm.x86(), vm.x86());
        try (KvmVm other = vms.kvm().createVm()) {
            assertNotSame(vm.x86(), other.x86(), "each VM has its own platform");
        }
    }

    @Test
    void preparingTwiceFailsAndNamesTheFirstChoice() {
        X86Platform x86 = vm.x86();
        x86.prepare(Irqchip.KERNEL);
        var again = assertThrows(IllegalStateException.class, () -> x86.prepare(Irqchip.SPLIT));
        assertTrue(again.getMessage().contains("prepared already (KERNEL)"), again.getMessage());
    }

    @Test
    void preparingAfterAVcpuExistsFails() {
        vm.createVcpu(0);
        var late = assertThrows(IllegalStateException.class, () -> vm.x86().prepare(Irqchip.KERNEL));
        assertTrue(late.getMessage().contains("before creating vCPUs"), late.getMessage());
    }

    @Test
    void splitIrqchipHasNoInterruptLines() {
        X86Platform x86 = vm.x86();
        x86.prepare(Irqchip.SPLIT);
        var e = assertThrows(IllegalStateException.class, () -> x86.interruptLine(4));
        assertTrue(e.getMessage().contains("is SPLIT; this needs KERNEL"), e.getMessage());
        assertSame(x86.msiController(), x86.msiController());
    }

    @Test
    void kernelIrqchipHasNoMsiControllerAndTwentyFourLines() {
        X86Platform x86 = vm.x86();
        x86.prepare(Irqchip.KERNEL);
        var e = assertThrows(IllegalStateException.class, x86::msiController);
        assertTrue(e.getMessage().contains("is KERNEL; this needs SPLIT"), e.getMessage());
        var outside = assertThrows(IllegalArgumentException.class, () -> x86.interruptLine(24));
        assertTrue(outside.getMessage().contains("0..23"), outside.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x86.interruptLine(-1));
    }

    @Test
    void unpreparedPlatformHasNeither() {
        var lines = assertThrows(IllegalStateException.class, () -> vm.x86().interruptLine(0));
        assertTrue(lines.getMessage().contains("not prepared"), lines.getMessage());
        assertThrows(IllegalStateException.class, () -> vm.x86().msiController());
    }

    @Test
    void bootVcpuIdMustBeBelowTheCount() {
        X86Platform x86 = vm.x86();
        x86.prepare(Irqchip.KERNEL);
        var tooBig = assertThrows(IllegalArgumentException.class, () -> x86.createBootVcpu(2, 2));
        assertTrue(tooBig.getMessage().contains("outside 0..1"), tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x86.createBootVcpu(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> x86.createBootVcpu(0, 0));
        assertEquals(List.of(), vm.vcpus(), "no vCPU was created for a refused id");
        x86.createBootVcpu(0, 2);
        var twice = assertThrows(IllegalArgumentException.class, () -> x86.createBootVcpu(0, 2));
        assertTrue(twice.getMessage().contains("already exists"), twice.getMessage());
    }

    @Test
    void bootVcpuSeesItsOwnApicIdAndTheMachinesTopology() {
        X86Platform x86 = vm.x86();
        x86.prepare(Irqchip.KERNEL);
        for (int id = 0; id < 4; id++) {
            VirtualCpu created = x86.createBootVcpu(id, 4);
            assertEquals(id, created.id());
            List<CpuidEntry> cpuid = ((KvmVcpu) created).cpuid();
            CpuidEntry leaf1 =
                    cpuid.stream().filter(e -> e.function() == 1).findFirst().orElseThrow();
            assertEquals(id, leaf1.ebx() >>> 24, "initial APIC id in CPUID.1:EBX[31:24]");
            assertEquals(4, (leaf1.ebx() >>> 16) & 0xff, "logical processors per package");
            for (CpuidEntry topology : cpuid) {
                if (topology.function() == 0xb || topology.function() == 0x1f) {
                    assertEquals(id, topology.edx(), "x2APIC id in " + topology);
                }
            }
        }
        assertEquals(4, vm.vcpus().size());
    }
}
