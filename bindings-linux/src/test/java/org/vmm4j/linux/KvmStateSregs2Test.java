package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;
import static org.vmm4j.linux.KvmStateTest.assertRefusedBeforeAnyRegister;
import static org.vmm4j.linux.KvmStateTest.byName;
import static org.vmm4j.linux.KvmStateTest.le;
import static org.vmm4j.linux.KvmStateTest.sections;
import static org.vmm4j.linux.abi.KvmHeader.KVM_CAP_SREGS2;
import static org.vmm4j.linux.abi.KvmHeader.KVM_SREGS2_FLAGS_PDPTRS_VALID;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.StateSection;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;

/**
 * {@code kvm.sregs2}: a 32-bit PAE guest's page-directory pointers survive a save and restore even when the guest
 * changed its page-directory-pointer table after loading CR3; old {@code kvm.sregs} snapshots still restore; a host
 * without KVM_CAP_SREGS2 refuses the section by name. On the real /dev/kvm.
 */
@RequiresHost(kvm = true)
class KvmStateSregs2Test {
    private static final long RAM = 4L << 20;
    private static final long PDPT = 0x3000, PD_LOW = 0x4000, PD_HIGH = 0x6000;
    /** What the guest reads at linear 0x8000: through PD_LOW from physical 0x8000, through PD_HIGH from 0x208000. */
    private static final int LOW = 0x1111_1111, HIGH = 0x2222_2222;

    @AutoClose
    private final TestVms vms = new TestVms();

    @Test
    void aPaeGuestKeepsThePageDirectoryPointersItLoadedNotWhatMemoryHoldsLater() {
        assumeSregs2();
        KvmVm first = vms.prepared(Irqchip.KERNEL);
        GuestMemory mem = first.allocateMemory(0, RAM);
        paeGuest(mem);
        KvmVcpu cpu = (KvmVcpu) first.x86().createBootVcpu(0, 1);
        GuestSetup.protectedMode32(cpu, CODE);
        SpecialRegisters s = cpu.specialRegisters();
        cpu.setSpecialRegisters(s.toBuilder()
                .cr3(PDPT)
                .cr4(s.cr4() | SpecialRegisters.CR4_PAE)
                .cr0(s.cr0() | SpecialRegisters.CR0_PG)
                .build());
        // PVM (a KVM for nested use without VMX, as on the machine this was written on) runs no 32-bit paged guest:
        // it drops CR0.PG outside long mode.
        long cr0 = cpu.specialRegisters().cr0();
        assumeTrue(
                (cr0 & SpecialRegisters.CR0_PG) != 0,
                String.format("this KVM does not run 32-bit paged guests (CR0.PG dropped: CR0 = 0x%x)", cr0));

        List<StateSection> state = first.x86().saveVcpuState(cpu);
        Map<String, byte[]> named = byName(state);
        assertTrue(
                named.containsKey("kvm.sregs2") && !named.containsKey("kvm.sregs"),
                named.keySet().toString());
        byte[] sregs2 = named.get("kvm.sregs2");
        assertEquals(KvmStructs.Sregs2.SIZE, sregs2.length);
        assertEquals(
                KVM_SREGS2_FLAGS_PDPTRS_VALID,
                le(sregs2).getLong(KvmStructs.Sregs2.FLAGS),
                "PAE paging: the PDPTRs are valid");
        assertEquals(PD_LOW | 1, le(sregs2).getLong(KvmStructs.Sregs2.PDPTRS), "PDPTR 0 as loaded from CR3");
        assertEquals(PDPT, le(sregs2).getLong(KvmStructs.Sregs2.CR3));

        // The guest rewrites its PDPT after loading CR3: a real CPU keeps using the PDPTRs it loaded.
        mem.putLong(PDPT, PD_HIGH | 1);
        byte[] ram = new byte[(int) RAM];
        mem.read(0, ram, 0, ram.length);

        KvmVcpu restored = restoredInto(ram, state);
        byte[] again = byName(restored.vm().x86().saveVcpuState(restored)).get("kvm.sregs2");
        assertArrayEquals(sregs2, again, "the restored vCPU holds the saved special registers and PDPTRs");
        assertEquals(ExitKind.HLT, restored.run().kind());
        assertEquals(LOW, (int) restored.registers().rax(), "the read went through the saved PDPTR 0");

        // The same registers as an old kvm.sregs section: KVM_SET_SREGS loads the PDPTRs from memory again.
        Map<String, byte[]> old = byName(state);
        old.remove("kvm.sregs2");
        old.put("kvm.sregs", sregsOf(sregs2));
        KvmVcpu fromOld = restoredInto(ram, sections(old));
        assertEquals(
                PD_HIGH | 1,
                le(byName(fromOld.vm().x86().saveVcpuState(fromOld)).get("kvm.sregs2"))
                        .getLong(KvmStructs.Sregs2.PDPTRS));
        assertEquals(ExitKind.HLT, fromOld.run().kind());
        assertEquals(HIGH, (int) fromOld.registers().rax(), "an old snapshot restores, without its PDPTRs");
    }

    @Test
    void anOldSnapshotWithKvmSregsStillRestores() {
        assumeSregs2();
        KvmVm first = vms.prepared(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu) first.x86().createBootVcpu(0, 1);
        GuestSetup.protectedMode32(cpu, CODE);
        cpu.setSpecialRegisters(
                cpu.specialRegisters().toBuilder().cr2(0xdead_b000L).build());
        Map<String, byte[]> state = byName(first.x86().saveVcpuState(cpu));
        byte[] sregs2 = state.remove("kvm.sregs2");
        state.put("kvm.sregs", sregsOf(sregs2));

        KvmVm second = vms.prepared(Irqchip.KERNEL);
        KvmVcpu copy = second.createVcpu(0);
        second.x86().restoreVcpuState(copy, sections(state));
        assertEquals(0xdead_b000L, copy.specialRegisters().cr2());
        assertArrayEquals(sregs2, byName(second.x86().saveVcpuState(copy)).get("kvm.sregs2"));
    }

    @Test
    void aHostWithoutSregs2RefusesTheSectionNamingTheIoctl() {
        KvmVm vm = vms.prepared(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu) vm.x86().createBootVcpu(0, 1);
        Map<String, byte[]> state = byName(vm.x86().saveVcpuState(cpu));
        state.remove("kvm.sregs");
        state.put("kvm.sregs2", new byte[KvmStructs.Sregs2.SIZE]);
        assertRefusedBeforeAnyRegister(cpu, shape(false), state, "kvm.sregs2", "KVM_SET_SREGS2", "KVM_CAP_SREGS2");
    }

    @Test
    void bothSpecialRegisterSectionsOrNeitherAreRefusedByName() {
        KvmVm vm = vms.prepared(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu) vm.x86().createBootVcpu(0, 1);
        Map<String, byte[]> state = byName(vm.x86().saveVcpuState(cpu));
        state.put("kvm.sregs", new byte[KvmStructs.Sregs.SIZE]);
        state.put("kvm.sregs2", new byte[KvmStructs.Sregs2.SIZE]);
        var both = assertThrows(
                IllegalArgumentException.class, () -> KvmVcpuState.restore(cpu, shape(true), sections(state)));
        assertTrue(both.getMessage().contains("kvm.sregs and kvm.sregs2 both appear"), both.getMessage());

        state.remove("kvm.sregs");
        state.remove("kvm.sregs2");
        var neither = assertThrows(
                IllegalArgumentException.class, () -> KvmVcpuState.restore(cpu, shape(true), sections(state)));
        assertTrue(neither.getMessage().contains("kvm.sregs2 is missing"), neither.getMessage());
        var neitherOld = assertThrows(
                IllegalArgumentException.class, () -> KvmVcpuState.restore(cpu, shape(false), sections(state)));
        assertTrue(neitherOld.getMessage().contains("kvm.sregs is missing"), neitherOld.getMessage());

        state.put("kvm.sregs2", new byte[KvmStructs.Sregs.SIZE]);
        var size = assertThrows(
                IllegalArgumentException.class, () -> KvmVcpuState.restore(cpu, shape(true), sections(state)));
        assertTrue(size.getMessage().contains("kvm.sregs2 is " + KvmStructs.Sregs.SIZE + " bytes"), size.getMessage());
    }

    @Test
    void flagsKvmRefusesAreRefusedNamingTheSectionAndIoctl() {
        assumeSregs2();
        KvmVm vm = vms.prepared(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu) vm.x86().createBootVcpu(0, 1);
        Map<String, byte[]> state = byName(vm.x86().saveVcpuState(cpu));
        assertFalse(state.containsKey("kvm.sregs"));
        le(state.get("kvm.sregs2")).putLong(KvmStructs.Sregs2.FLAGS, 0x80);
        var e = assertThrows(IllegalArgumentException.class, () -> vm.x86().restoreVcpuState(cpu, sections(state)));
        assertTrue(e.getMessage().contains("kvm.sregs2") && e.getMessage().contains("KVM_SET_SREGS2"), e.getMessage());
        // valid PDPTRs for a vCPU that is not in PAE paging mode (it is in real mode)
        le(state.get("kvm.sregs2")).putLong(KvmStructs.Sregs2.FLAGS, KVM_SREGS2_FLAGS_PDPTRS_VALID);
        var notPae =
                assertThrows(IllegalArgumentException.class, () -> vm.x86().restoreVcpuState(cpu, sections(state)));
        assertTrue(
                notPae.getMessage().contains("kvm.sregs2")
                        && notPae.getMessage().contains("KVM_SET_SREGS2"),
                notPae.getMessage());
        le(state.get("kvm.sregs2")).putLong(KvmStructs.Sregs2.FLAGS, 0);
        vm.x86().restoreVcpuState(cpu, sections(state));
        assertEquals(
                0, le(byName(vm.x86().saveVcpuState(cpu)).get("kvm.sregs2")).getLong(KvmStructs.Sregs2.FLAGS));
    }

    private KvmVcpu restoredInto(byte[] ram, List<StateSection> state) {
        KvmVm vm = vms.prepared(Irqchip.KERNEL);
        vm.allocateMemory(0, RAM).write(0, ram);
        KvmVcpu cpu = vm.createVcpu(0);
        vm.x86().restoreVcpuState(cpu, state);
        return cpu;
    }

    /**
     * Identity-maps the first 2 MiB through PD_LOW and maps them to physical 2-4 MiB through PD_HIGH; the same
     * code at physical 0x1000 and 0x201000 ({@code mov eax, [0x8000]; hlt}) and a different value under each.
     */
    private static void paeGuest(GuestMemory mem) {
        mem.putLong(PDPT, PD_LOW | 1); // present; PAE PDPTEs have no R/W or U/S bit
        mem.putLong(PD_LOW, 0x83); // 2 MiB page at 0, present, writable
        mem.putLong(PD_HIGH, 0x20_0000 | 0x83); // 2 MiB page at 2 MiB
        byte[] code = bytes(0xa1, 0x00, 0x80, 0x00, 0x00, 0xf4); // mov eax, [0x8000]; hlt
        mem.write(CODE, code);
        mem.write(0x20_0000 + CODE, code);
        mem.putInt(0x8000, LOW);
        mem.putInt(0x20_8000, HIGH);
    }

    /** kvm_sregs from kvm_sregs2: the same fields up to apic_base, then an empty interrupt bitmap. */
    private static byte[] sregsOf(byte[] sregs2) {
        return Arrays.copyOf(Arrays.copyOf(sregs2, KvmStructs.Sregs2.FLAGS), KvmStructs.Sregs.SIZE);
    }

    private KvmVcpuState.Shape shape(boolean sregs2) {
        return KvmStateTest.shape(vms.kvm(), sregs2, 0);
    }

    private void assumeSregs2() {
        assumeTrue(
                vms.kvm().checkExtension(KVM_CAP_SREGS2) > 0,
                "this host's KVM lacks KVM_CAP_SREGS2 (Linux 5.14): nothing to save the PDPTRs with");
    }
}
