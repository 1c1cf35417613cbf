package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.vmm4j.DirtyLog;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.MemoryOption;
import org.vmm4j.Registers;
import org.vmm4j.VmExit;
import org.vmm4j.testsupport.RequiresHost;

/** Real guest code on /dev/kvm: the LWN "Using the KVM API" guest and friends, in three CPU modes. */
@RequiresHost(kvm = true)
class KvmGuestCodeTest {
    @AutoClose
    private final TestVms vms = new TestVms();

    private final KvmVm vm = vms.create();

    @Test
    void lwnGuestPrintsSumReadsPortAndMmioThenHalts() {
        GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
        mem.write(
                0,
                bytes(
                        0xba, 0xf8, 0x03, // mov dx, 0x3f8
                        0x00, 0xd8, // add al, bl
                        0x04, '0', // add al, '0'
                        0xee, // out dx, al
                        0xec, // in al, dx
                        0x88, 0xc1, // mov cl, al
                        0xc6, 0x06, 0x00, 0x80, 0x99, // mov byte [0x8000], 0x99   (unbacked: MMIO write)
                        0xa0, 0x00, 0x80, // mov al, [0x8000]          (MMIO read)
                        0xf4)); // hlt
        KvmVcpu cpu = vm.createVcpu(0);
        GuestSetup.realMode(cpu, CODE, Registers.builder().rax(2).rbx(3));

        VmExit exit = cpu.run();
        assertEquals(ExitKind.IO_OUT, exit.kind());
        assertEquals(0x3f8, exit.ioPort());
        assertEquals(1, exit.ioSize());
        assertEquals('5', exit.ioData(0));

        exit = cpu.run();
        assertEquals(ExitKind.IO_IN, exit.kind());
        assertEquals(0x3f8, exit.ioPort());
        exit.setIoData(0, 0x42);

        exit = cpu.run();
        assertEquals(ExitKind.MMIO_WRITE, exit.kind());
        assertEquals(0x8000, exit.mmioAddress());
        assertEquals(1, exit.mmioSize());
        assertEquals(0x99, exit.mmioData());

        exit = cpu.run();
        assertEquals(ExitKind.MMIO_READ, exit.kind());
        assertEquals(0x8000, exit.mmioAddress());
        exit.setMmioData(0x77);

        exit = cpu.run();
        assertEquals(ExitKind.HLT, exit.kind());
        Registers regs = cpu.registers();
        assertEquals(0x77, regs.rax() & 0xff, "the MMIO read reply reached AL");
        assertEquals(0x42, regs.rcx() & 0xff, "the port read reply reached CL");
        assertEquals(CODE + 20, regs.rip());
    }

    @Test
    void stringOutputDeliversEveryElement() {
        GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
        mem.write(
                0,
                bytes(
                        0xba, 0xe9, 0x00, // mov dx, 0xe9
                        0xbe, 0x00, 0x11, // mov si, 0x1100
                        0xb9, 0x05, 0x00, // mov cx, 5
                        0xf3, 0x6e, // rep outsb
                        0xf4));
        mem.write(0x100, "hello".getBytes(StandardCharsets.UTF_8));
        KvmVcpu cpu = vm.createVcpu(0);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        StringBuilder out = new StringBuilder();
        VmExit exit;
        for (exit = cpu.run(); exit.kind() == ExitKind.IO_OUT; exit = cpu.run()) {
            for (int i = 0; i < exit.ioCount(); i++) {
                out.append((char) exit.ioData(i));
            }
        }
        assertEquals(ExitKind.HLT, exit.kind());
        assertEquals("hello", out.toString());
    }

    @Test
    void dirtyLogCountsTheTwoPagesTheGuestWrote() {
        GuestMemory code = vm.allocateMemory(CODE, 0x1000);
        GuestMemory data = vm.allocateMemory(0x10000, 0x4000, MemoryOption.LOG_DIRTY_PAGES);
        code.write(
                0,
                bytes(
                        0xb8, 0x00, 0x10, // mov ax, 0x1000
                        0x8e, 0xd8, // mov ds, ax   (base 0x10000)
                        0xc6, 0x06, 0x00, 0x00, 0x01, // mov byte [0x0000], 1
                        0xc6, 0x06, 0x00, 0x20, 0x01, // mov byte [0x2000], 1
                        0xf4));
        KvmVcpu cpu = vm.createVcpu(0);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        DirtyLog log = vm.dirtyLog(data);
        assertEquals(0, log.fetch().dirtyCount(), "nothing written yet");
        assertEquals(ExitKind.HLT, cpu.run().kind());
        log.fetch();
        assertEquals(4, log.pageCount());
        assertEquals(2, log.dirtyCount());
        assertTrue(log.isDirty(0));
        assertFalse(log.isDirty(1));
        assertTrue(log.isDirty(2));
        assertEquals(1, data.getByte(0x2000));
        assertEquals(0, log.fetch().dirtyCount(), "fetching resets the log");
    }

    @Test
    void singleStepVisitsEachInstruction() {
        GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
        mem.write(0, bytes(0x90, 0x90, 0x40, 0xf4)); // nop; nop; inc ax; hlt
        KvmVcpu cpu = vm.createVcpu(0);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        cpu.setSingleStep(true);
        List<Long> rips = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            VmExit exit = cpu.run();
            assertEquals(ExitKind.DEBUG, exit.kind());
            assertEquals(1, exit.debugException());
            rips.add(cpu.registers().rip());
        }
        assertEquals(List.of(CODE + 1, CODE + 2, CODE + 3), rips);
        assertEquals(1, cpu.registers().rax());
        cpu.setSingleStep(false);
        assertEquals(ExitKind.HLT, cpu.run().kind());
    }

    @Test
    void protectedModeGuestReportsProductThroughPortIo() {
        GuestMemory mem = vm.allocateMemory(0, 0x10000);
        mem.write(
                CODE,
                bytes(
                        0xb8, 0x06, 0x00, 0x00, 0x00, // mov eax, 6
                        0xbb, 0x07, 0x00, 0x00, 0x00, // mov ebx, 7
                        0x0f, 0xaf, 0xc3, // imul eax, ebx
                        0x66, 0xba, 0xe9, 0x00, // mov dx, 0xe9
                        0xef, // out dx, eax
                        0xf4));
        KvmVcpu cpu = vm.createVcpu(0);
        GuestSetup.protectedMode32(cpu, CODE);
        VmExit exit = cpu.run();
        assertEquals(ExitKind.IO_OUT, exit.kind());
        assertEquals(4, exit.ioSize());
        assertEquals(42, exit.ioData(0));
        assertEquals(ExitKind.HLT, cpu.run().kind());
        assertTrue((cpu.specialRegisters().cr0() & 1) != 0, "still in protected mode");
    }

    @Test
    void longModeGuestReportsBothHalvesOfA64BitSum() {
        GuestMemory mem = vm.allocateMemory(0, 0x10000);
        mem.write(
                CODE,
                bytes(
                        0x48, 0xb8, 0x89, 0x67, 0x45, 0x23, 0x01, 0x00, 0x00, 0x00, // mov rax, 0x123456789
                        0x48, 0xc7, 0xc3, 0x10, 0x00, 0x00, 0x00, // mov rbx, 0x10
                        0x48, 0x01, 0xd8, // add rax, rbx
                        0x66, 0xba, 0xe9, 0x00, // mov dx, 0xe9
                        0xef, // out dx, eax
                        0x48, 0xc1, 0xe8, 0x20, // shr rax, 32
                        0xef, // out dx, eax
                        0xf4));
        KvmVcpu cpu = vm.createVcpu(0);
        GuestSetup.longMode64(cpu, mem, CODE);
        VmExit exit = cpu.run();
        assertEquals(ExitKind.IO_OUT, exit.kind());
        assertEquals(0x23456799L, exit.ioData(0));
        exit = cpu.run();
        assertEquals(ExitKind.IO_OUT, exit.kind());
        assertEquals(1, exit.ioData(0));
        assertEquals(ExitKind.HLT, cpu.run().kind());
        assertEquals(1, cpu.registers().rax());
        assertTrue((cpu.specialRegisters().efer() & org.vmm4j.SpecialRegisters.EFER_LMA) != 0, "in long mode");
    }
}
