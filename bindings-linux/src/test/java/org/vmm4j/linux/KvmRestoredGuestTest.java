package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;
import static org.vmm4j.linux.KvmStateTest.byName;
import static org.vmm4j.linux.KvmStateTest.le;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.StateSection;
import org.vmm4j.VmExit;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;

/** Guests saved mid-run on the real /dev/kvm continue in another VM where they stopped. */
@RequiresHost(kvm = true)
class KvmRestoredGuestTest {
    @AutoClose
    private final TestVms vms = new TestVms();

    @Test
    void aRealModeGuestKeepsCountingAfterRestoreInAnotherVm(@TempDir Path dir) throws Exception {
        byte[] code = bytes(
                0xba, 0xe9, 0x00, // mov dx, 0xe9
                0x43, // loop: inc bx
                0x89, 0xd8, // mov ax, bx
                0xef, // out dx, ax
                0xeb, 0xfa); // jmp loop
        keepsCountingAfterRestore(dir, code, (cpu, mem) -> GuestSetup.realMode(cpu, CODE, Registers.builder()));
    }

    @Test
    void aLongModeGuestKeepsCountingAfterRestoreInAnotherVm(@TempDir Path dir) throws Exception {
        byte[] code = bytes(
                0xba, 0xe9, 0x00, 0x00, 0x00, // mov edx, 0xe9
                0x48, 0xff, 0xc3, // loop: inc rbx
                0x48, 0x89, 0xd8, // mov rax, rbx
                0xef, // out dx, eax
                0xeb, 0xf7); // jmp loop
        keepsCountingAfterRestore(dir, code, (cpu, mem) -> GuestSetup.longMode64(cpu, mem, CODE));
    }

    private void keepsCountingAfterRestore(Path dir, byte[] code, BiConsumer<KvmVcpu, GuestMemory> mode)
            throws Exception {
        KvmVm first = vms.prepared(Irqchip.KERNEL);
        GuestMemory mem = first.allocateMemory(0, 0x10000);
        mem.write(CODE, code, 0, code.length);
        KvmVcpu cpu = (KvmVcpu) first.x86().createBootVcpu(0, 1);
        mode.accept(cpu, mem);
        int steps = 5;
        for (int i = 1; i <= steps; i++) {
            VmExit exit = cpu.run();
            assertEquals(ExitKind.IO_OUT, exit.kind());
            assertEquals(i, exit.ioData(0));
        }
        List<StateSection> vcpuState = first.x86().saveVcpuState(cpu);
        List<StateSection> vmState = first.x86().saveVmState();
        byte[] ram = new byte[(int) mem.size()];
        mem.read(0, ram, 0, ram.length);
        Path file = dir.resolve("ram");
        Files.write(file, ram);
        long cr0 = cpu.specialRegisters().cr0();
        first.close();

        KvmVm second = vms.prepared(Irqchip.KERNEL);
        second.mapMemoryFile(0, ram.length, file, 0);
        KvmVcpu copy = second.createVcpu(0);
        second.x86().restoreVcpuState(copy, vcpuState);
        second.x86().restoreVmState(vmState);
        assertEquals(cr0, copy.specialRegisters().cr0(), "the same CPU mode");
        for (int i = steps + 1; i <= steps + 3; i++) {
            VmExit exit = copy.run();
            assertEquals(ExitKind.IO_OUT, exit.kind());
            assertEquals(i, exit.ioData(0), "the count continues after the restore");
        }
        assertEquals(steps + 3, copy.registers().rbx());
    }

    @Test
    void aPendingInterruptIsDeliveredAfterRestoreInAnotherVm() {
        byte[] code = bytes(
                0xfa, // cli
                0xb0, 0x11, 0xe6, 0x20, // PIC ICW1: edge, cascade, ICW4 follows
                0xb0, 0x20, 0xe6, 0x21, // ICW2: vectors 0x20-0x27
                0xb0, 0x04, 0xe6, 0x21, // ICW3: slave on IRQ 2
                0xb0, 0x01, 0xe6, 0x21, // ICW4: 8086 mode
                0xb0, 0xfe, 0xe6, 0x21, // OCW1: only IRQ 0 unmasked
                0xb0, 0x01, 0xe6, 0xe9, // out 0xe9, 1: ready
                0xb0, 0x02, 0xe6, 0xe9, // out 0xe9, 2: the save point, IRQ 0 pending under CLI
                0xfb, // sti
                0xf4, // hlt
                0xeb, 0xfd); // jmp hlt
        byte[] handler = bytes(0xb0, 0x77, 0xe6, 0xe9, 0xf4); // out 0xe9, 0x77; hlt
        KvmVm first = vms.prepared(Irqchip.KERNEL);
        GuestMemory mem = first.allocateMemory(0, 0x10000);
        mem.write(CODE, code, 0, code.length);
        mem.write(0x1100, handler, 0, handler.length);
        mem.putShort(0x20 * 4, (short) 0x1100); // IVT[0x20] = 0000:1100
        mem.putShort(0x20 * 4 + 2, (short) 0);
        KvmVcpu cpu = (KvmVcpu) first.x86().createBootVcpu(0, 1);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        VmExit ready = cpu.run();
        assertEquals(ExitKind.IO_OUT, ready.kind());
        assertEquals(1, ready.ioData(0));
        first.x86().interruptLine(0).setLevel(true);
        first.x86().interruptLine(0).setLevel(false);
        VmExit savePoint = cpu.run();
        assertEquals(ExitKind.IO_OUT, savePoint.kind());
        assertEquals(2, savePoint.ioData(0), "no interrupt under CLI");
        List<StateSection> vcpuState = first.x86().saveVcpuState(cpu);
        List<StateSection> vmState = first.x86().saveVmState();
        assertEquals(1, byName(vmState).get("kvm.pic-master")[KvmStructs.PicState.IRR] & 1, "IRQ 0 requested");
        byte[] ram = new byte[(int) mem.size()];
        mem.read(0, ram, 0, ram.length);
        first.close();

        KvmVm second = vms.prepared(Irqchip.KERNEL);
        second.allocateMemory(0, ram.length).write(0, ram, 0, ram.length);
        KvmVcpu copy = second.createVcpu(0);
        second.x86().restoreVcpuState(copy, vcpuState);
        second.x86().restoreVmState(vmState);
        VmExit handled = copy.run();
        assertEquals(ExitKind.IO_OUT, handled.kind());
        assertEquals(0x77, handled.ioData(0), "the restored PIC delivered the pending IRQ 0 after STI");
    }

    @Test
    void aHandledInputExitIsCompletedBeforeTheSave() {
        KvmVm first = vms.prepared(Irqchip.KERNEL);
        byte[] code = bytes(
                0xe4, 0xe9, // in al, 0xe9
                0xe6, 0xe9, // out 0xe9, al
                0xf4); // hlt
        first.allocateMemory(0, 0x10000).write(CODE, code, 0, code.length);
        KvmVcpu cpu = (KvmVcpu) first.x86().createBootVcpu(0, 1);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        VmExit in = cpu.run();
        assertEquals(ExitKind.IO_IN, in.kind());
        in.setIoData(0, 0x42);
        List<StateSection> state = first.x86().saveVcpuState(cpu);
        ByteBuffer regs = le(byName(state).get("kvm.regs"));
        assertEquals(0x42, regs.getLong(KvmStructs.Regs.RAX) & 0xff, "the IN's data is in AL");
        assertEquals(CODE + 2, regs.getLong(KvmStructs.Regs.RIP), "RIP is past the IN");

        KvmVm second = vms.prepared(Irqchip.KERNEL);
        second.allocateMemory(0, 0x10000).write(CODE, code, 0, code.length);
        KvmVcpu copy = second.createVcpu(0);
        second.x86().restoreVcpuState(copy, state);
        VmExit out = copy.run();
        assertEquals(ExitKind.IO_OUT, out.kind(), "the restored guest does not repeat the IN");
        assertEquals(0x42, out.ioData(0));
    }

    @Test
    void aStringOutputSavedHalfDoneContinuesAfterRestore() {
        byte[] code = bytes(
                0xba, 0xe9, 0x00, // mov dx, 0xe9
                0xbe, 0xfe, 0x2f, // mov si, 0x2ffe: two bytes before a page boundary, two after
                0xb9, 0x04, 0x00, // mov cx, 4
                0xf3, 0x6e, // rep outsb
                0xb0, 0x0a, // mov al, 10 (newline)
                0xee, // out dx, al
                0xf4); // hlt (in the kernel, with its LAPIC: no exit)
        byte[] text = bytes('a', 'b', 'c', 'd');
        KvmVm first = vms.prepared(Irqchip.KERNEL);
        GuestMemory mem = first.allocateMemory(0, 0x10000);
        mem.write(CODE, code, 0, code.length);
        mem.write(0x2ffe, text, 0, text.length);
        KvmVcpu cpu = (KvmVcpu) first.x86().createBootVcpu(0, 1);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        StringBuilder out = new StringBuilder();
        VmExit exit = cpu.run();
        assertEquals(ExitKind.IO_OUT, exit.kind());
        // KVM hands over at most the elements up to the page boundary (nested through PVM: one at a time)
        assertTrue(exit.ioCount() < 4, exit.ioCount() + " elements");
        for (int i = 0; i < exit.ioCount(); i++) {
            out.append((char) exit.ioData(i));
        }
        List<StateSection> vcpuState = first.x86().saveVcpuState(cpu);
        List<StateSection> vmState = first.x86().saveVmState();
        byte[] ram = new byte[(int) mem.size()];
        mem.read(0, ram, 0, ram.length);
        first.close();

        KvmVm second = vms.prepared(Irqchip.KERNEL);
        second.allocateMemory(0, ram.length).write(0, ram, 0, ram.length);
        KvmVcpu copy = second.createVcpu(0);
        second.x86().restoreVcpuState(copy, vcpuState);
        second.x86().restoreVmState(vmState);
        while (out.indexOf("\n") < 0 && out.length() < 10) {
            exit = copy.run();
            assertEquals(ExitKind.IO_OUT, exit.kind());
            for (int i = 0; i < exit.ioCount(); i++) {
                out.append((char) exit.ioData(i));
            }
        }
        assertEquals("abcd\n", out.toString(), "each element once, in order, across the restore");
    }
}
