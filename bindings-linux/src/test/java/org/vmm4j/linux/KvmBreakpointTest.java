package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.DescriptorTable;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.VmExit;
import org.vmm4j.linux.abi.KvmHeader;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.EmulationFailure;

/**
 * INT3 on real KVM, in a 64-bit guest of the test's own: an IDT whose 32 gates each push their vector
 * and jump to one handler that reports, on port 0xE9, the vector, the pushed frame (RIP, CS, RFLAGS,
 * RSP, SS), the stack it runs on and its own RFLAGS, then returns with IRETQ to code that reports a
 * marker and halts. Where KVM's emulator cannot deliver the INT3 (KVM nested through PVM), vmm4j does;
 * elsewhere the CPU does: the guest must see the same either way.
 */
@RequiresHost(kvm = true)
class KvmBreakpointTest {
    private static final int IDT = 0x5000;
    private static final int GDT = 0x6000;
    private static final int TSS = 0x7000;
    private static final long STACK = 0x8000;
    private static final long RSP0 = 0x9000;
    private static final long IST1 = 0xb000;
    private static final int STUBS = 0xc000;
    private static final int HANDLER = 0xd000;
    private static final long MARKER = 0xdeadbeefL;
    private static final int PORT = 0xe9;

    private KvmSystem kvm;
    private KvmVm vm;
    private GuestMemory mem;
    private KvmVcpu cpu;

    @BeforeEach
    void guest() {
        kvm = KvmSystem.open();
        vm = kvm.createVm();
        mem = vm.allocateMemory(0, 0x10000);
        mem.write(
                CODE,
                bytes(
                        0xcc, // 0x1000: int3
                        0x66, 0xba, 0xe9, 0x00, // mov dx, 0xe9
                        0xb8, 0xef, 0xbe, 0xad, 0xde, // mov eax, 0xdeadbeef
                        0xef, // out dx, eax
                        0xf4)); // hlt
        for (int vector = 0; vector < 32; vector++) {
            int stub = STUBS + vector * 16;
            int rel = HANDLER - (stub + 7);
            mem.write(stub, bytes(0x6a, vector, 0xe9, rel, rel >> 8, rel >> 16, rel >> 24)); // push v; jmp handler
            gate(vector, stub, 0);
        }
        mem.write(
                HANDLER,
                bytes(
                        0x58, // pop rax                 vector
                        0x66, 0xba, 0xe9, 0x00, // mov dx, 0xe9
                        0xef, // out dx, eax
                        0x48, 0x8b, 0x04, 0x24, // mov rax, [rsp]          pushed RIP
                        0xef, 0x48, 0x8b, 0x44, 0x24, 0x08, // mov rax, [rsp+8]  pushed CS
                        0xef, 0x48, 0x8b, 0x44, 0x24, 0x10, // pushed RFLAGS
                        0xef, 0x48, 0x8b, 0x44, 0x24, 0x18, // pushed RSP
                        0xef, 0x48, 0x8b, 0x44, 0x24, 0x20, // pushed SS
                        0xef, 0x48, 0x89, 0xe0, // mov rax, rsp            where the frame is
                        0xef, 0x9c, // pushfq
                        0x58, // pop rax                 RFLAGS inside the handler
                        0xef, 0x48, 0xcf)); // iretq
        mem.putLong(GDT + 0x08, 0x00af9a000000ffffL); // 64-bit code
        mem.putLong(GDT + 0x10, 0x00cf92000000ffffL); // data
        mem.putLong(GDT + 0x28, 0x0000890000000067L | (long) TSS << 16); // 64-bit TSS (base < 16 MiB)
        mem.putLong(TSS + 4, RSP0);
        mem.putLong(TSS + 0x24, IST1);
        cpu = vm.createVcpu(0);
        GuestSetup.longMode64(cpu, mem, CODE);
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .gdt(new DescriptorTable(GDT, 0x37))
                .idt(new DescriptorTable(IDT, 32 * 16 - 1))
                .tr(new Segment(TSS, 0x67, 0x28, 0xb, true, 0, false, false, false, false, false, false))
                .build());
        cpu.setRegisters(Registers.builder().rip(CODE).rsp(STACK).rflags(0x202).build());
    }

    @AfterEach
    void close() {
        vm.close();
        kvm.close();
    }

    /** KVM nested through PVM: every guest instruction goes through KVM's emulator. */
    private static boolean emulatingHost() {
        return Files.isDirectory(Path.of("/sys/module/kvm_pvm"));
    }

    /** An interrupt gate for {@code vector}, selector 0x08, DPL 0. */
    private void gate(int vector, long handler, int ist) {
        int at = IDT + vector * 16;
        mem.putShort(at, (short) handler);
        mem.putShort(at + 2, (short) 0x08);
        mem.putByte(at + 4, (byte) ist);
        mem.putByte(at + 5, (byte) 0x8e);
        mem.putShort(at + 6, (short) (handler >>> 16));
        mem.putInt(at + 8, (int) (handler >>> 32));
    }

    /** Runs until HLT, collecting what the guest reported on port 0xE9. */
    private List<Long> reports() {
        List<Long> out = new ArrayList<>();
        VmExit exit;
        for (exit = cpu.run(); exit.kind() == ExitKind.IO_OUT && exit.ioPort() == PORT; exit = cpu.run()) {
            out.add(exit.ioData(0));
        }
        assertEquals(ExitKind.HLT, exit.kind(), "after " + out + ": " + exit);
        return out;
    }

    @Test
    void handlerSeesVector3ReturnAddressAfterInt3AndTheFrameThenResumesAfterIretq() {
        List<Long> seen = reports();
        assertEquals(
                List.of(
                        3L, // vector
                        CODE + 1, // return RIP: after the one-byte INT3 (a trap)
                        0x8L, // CS
                        0x202L, // RFLAGS at the INT3, IF set
                        STACK, // RSP at the INT3
                        0x10L, // SS
                        STACK - 40, // no IST, no privilege change: the frame is on the current stack
                        0x2L, // an interrupt gate cleared IF
                        MARKER),
                seen);
        assertEquals(CODE + 12, cpu.registers().rip(), "halted after the marker (RIP past the HLT)");
        assertEquals(
                emulatingHost() ? 1 : 0,
                cpu.breakpointsDelivered(),
                "vmm4j delivers the INT3 where KVM's emulator runs guest code, the CPU elsewhere");
    }

    @Test
    void anIstGateMovesTheFrameToTheIstStack() {
        gate(3, STUBS + 3 * 16, 1);
        cpu.setRegisters(cpu.registers().toBuilder().rsp(STACK - 0x100 + 8).build()); // unaligned on purpose
        List<Long> seen = reports();
        assertEquals(3L, seen.get(0));
        assertEquals(CODE + 1, seen.get(1));
        assertEquals(STACK - 0x100 + 8, seen.get(4), "the interrupted RSP is pushed as it was");
        assertEquals(IST1 - 40, seen.get(6), "the frame is on IST1's stack");
        assertEquals(MARKER, seen.get(8));
    }

    @Test
    void aTrapGateLeavesIfSet() {
        mem.putByte(IDT + 3 * 16 + 5, (byte) 0x8f);
        List<Long> seen = reports();
        assertEquals(0x202L, seen.get(7), "a trap gate keeps IF");
        assertEquals(MARKER, seen.get(8));
    }

    /** The 32-bit frame (EIP, CS, EFLAGS on the current stack); the handler halts instead of returning. */
    @Test
    void protectedModeGuestGetsTheSame32BitFrame() {
        int handler = HANDLER + 0x100;
        mem.write(
                handler,
                bytes(
                        0x66, 0xba, 0xe9, 0x00, // mov dx, 0xe9
                        0xb8, 0x03, 0x00, 0x00, 0x00, // mov eax, 3  (this handler is gate 3's only)
                        0xef, // out dx, eax
                        0x8b, 0x04, 0x24, // mov eax, [esp]      pushed EIP
                        0xef, 0x8b, 0x44, 0x24, 0x04, // mov eax, [esp+4]  pushed CS
                        0xef, 0x8b, 0x44, 0x24, 0x08, // pushed EFLAGS
                        0xef, 0x89, 0xe0, // mov eax, esp
                        0xef, 0x9c, // pushfd
                        0x58, // pop eax
                        0xef, // out dx, eax
                        0xf4)); // hlt: KVM's emulator does IRET in real mode only, so this guest stops here
        int at = IDT + 3 * 8; // 8-byte 32-bit interrupt gate
        mem.putShort(at, (short) handler);
        mem.putShort(at + 2, (short) 0x08);
        mem.putByte(at + 4, (byte) 0);
        mem.putByte(at + 5, (byte) 0x8e);
        mem.putShort(at + 6, (short) (handler >>> 16));
        mem.putLong(GDT + 0x08, 0x00cf9a000000ffffL); // 32-bit code
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .cs(Segment.flat32(0x8, true))
                .dataSegments(Segment.flat32(0x10, false))
                .cr0(SpecialRegisters.CR0_PE | SpecialRegisters.CR0_ET | SpecialRegisters.CR0_NE)
                .cr4(0)
                .efer(0)
                .idt(new DescriptorTable(IDT, 32 * 8 - 1))
                .build());
        cpu.setRegisters(Registers.builder().rip(CODE).rsp(STACK).rflags(0x202).build());
        assertEquals(List.of(3L, CODE + 1, 0x8L, 0x202L, STACK - 12, 0x2L), reports());
        assertEquals(emulatingHost() ? 1 : 0, cpu.breakpointsDelivered());
    }

    @Test
    void anIdtOutsideGuestRamStopsWithTheReasonInsteadOfGuessing() {
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .idt(new DescriptorTable(0x4000_0000L, 32 * 16 - 1)) // mapped by the page tables, not RAM
                .build());
        EmulationFailure failure = undeliveredInt3();
        assertEquals(
                "vmm4j could not deliver the breakpoint either: IDT gate 3 at linear address 0x40000030 is not"
                        + " mapped to guest RAM",
                failure.detail().orElseThrow());
    }

    @Test
    void aNotPresentGateStopsWithTheReason() {
        mem.putByte(IDT + 3 * 16 + 5, (byte) 0x0e);
        assertEquals(
                "vmm4j could not deliver the breakpoint either: IDT gate 3 is not present",
                undeliveredInt3().detail().orElseThrow());
    }

    @Test
    void anUnmappedStackStopsWithTheReason() {
        cpu.setRegisters(cpu.registers().toBuilder().rsp(0x4000_8000L).build()); // no RAM there
        assertEquals(
                "vmm4j could not deliver the breakpoint either: the stack for the #BP frame (RSP 0x40008000) is"
                        + " not writable guest RAM",
                undeliveredInt3().detail().orElseThrow());
    }

    @Test
    void exitOnEmulationFailureIsOnWhereTheHostOffersIt() {
        assertEquals(vm.checkExtension(KvmHeader.KVM_CAP_EXIT_ON_EMULATION_FAILURE) > 0, vm.exitsOnEmulationFailure());
    }

    @Test
    void fwaitThatKvmCannotEmulateRunsAsTheNoOpItIs() {
        mem.putByte(CODE, (byte) 0x9b); // fwait instead of int3
        assertEquals(List.of(MARKER), reports(), "straight to the marker, no exception");
        assertEquals(emulatingHost() ? 1 : 0, cpu.waitsCompleted());
        assertEquals(0, cpu.breakpointsDelivered());
    }

    @Test
    void fwaitThatWouldRaiseNmStopsWithTheReason() {
        mem.putByte(CODE, (byte) 0x9b);
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .cr0(cpu.specialRegisters().cr0() | SpecialRegisters.CR0_MP | 1L << 3) // TS
                .build());
        VmExit exit = cpu.run();
        assumeTrue(exit.kind() == ExitKind.INTERNAL_ERROR, "the CPU ran the FWAIT on this host (" + exit + ")");
        EmulationFailure failure = exit.emulationFailure().orElseThrow();
        assertEquals("FWAIT", failure.instruction().orElseThrow().name());
        assertEquals(
                Optional.of("FWAIT with CR0.TS and CR0.MP set raises #NM, which vmm4j does not deliver"),
                failure.detail());
        assertEquals(0, cpu.waitsCompleted());
    }

    /** Runs into the INT3 and expects the exit that explains why it could not be delivered. */
    private EmulationFailure undeliveredInt3() {
        VmExit exit = cpu.run();
        if (exit.kind() != ExitKind.INTERNAL_ERROR) {
            // a CPU that runs INT3 natively delivers (or faults) without vmm4j: nothing to check here
            assumeTrue(false, "KVM delivered the INT3 itself on this host (" + exit + ")");
        }
        EmulationFailure failure = exit.emulationFailure().orElseThrow(() -> new AssertionError(exit.toString()));
        assertEquals(CODE, failure.rip());
        assertEquals("cc", HexFormat.of().formatHex(failure.instructionBytes()));
        assertTrue(exit.toString().contains("INT3"), exit.toString());
        assertEquals(0, cpu.breakpointsDelivered());
        return failure;
    }
}
