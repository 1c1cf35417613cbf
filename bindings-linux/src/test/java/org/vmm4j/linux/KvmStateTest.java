package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;
import static org.vmm4j.linux.abi.KvmHeader.KVM_GET_TSC_KHZ;
import static org.vmm4j.linux.abi.KvmHeader.KVM_MP_STATE_RUNNABLE;
import static org.vmm4j.linux.abi.KvmHeader.KVM_MP_STATE_UNINITIALIZED;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.StateSection;
import org.vmm4j.VmExit;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;
import org.vmm4j.x86.X86Platform;

/** Saving a vCPU's and a VM's KVM state and restoring it into another VM, on the real /dev/kvm. */
@RequiresHost(kvm = true)
class KvmStateTest {
    private static final int MSR_IA32_SYSENTER_EIP = 0x176;
    private static final int MSR_STAR = 0xc000_0081;
    private static final int MSR_IA32_TSC = 0x10;
    private static final int LAPIC_TPR = 0x80;
    /** XMM0 in the legacy (FXSAVE) part of the XSAVE area. */
    private static final int XSAVE_XMM0 = 160;
    /** XSTATE_BV, the first field of the XSAVE header after the 512-byte legacy area. */
    private static final int XSAVE_HEADER = 512;

    private KvmSystem kvm;
    private final List<KvmVm> vms = new ArrayList<>();

    @BeforeEach
    void open() {
        kvm = KvmSystem.open();
    }

    @AfterEach
    void close() {
        vms.forEach(KvmVm::close);
        kvm.close();
    }

    private KvmVm newVm(Irqchip irqchip) {
        KvmVm vm = kvm.createVm();
        vms.add(vm);
        vm.x86().prepare(irqchip);
        return vm;
    }

    @Test
    void vcpuStateRoundTripsIntoAnotherVm() {
        KvmVm first = newVm(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu) first.x86().createBootVcpu(0, 1);
        cpu.setRegisters(Registers.builder()
                .rax(0x1122_3344_5566_7788L)
                .rbx(0x99)
                .r15(-2)
                .rip(0x1234)
                .rsp(0x8000)
                .build());
        SpecialRegisters s = cpu.specialRegisters();
        cpu.setSpecialRegisters(s.toBuilder().cr2(0xdead_b000L).build());
        cpu.setMsrs(
                new int[] {MSR_IA32_SYSENTER_EIP, MSR_STAR}, new long[] {0xffff_8000_1234_5678L, 0x0023_0010L << 32});
        byte[] lapic = cpu.lapic();
        lapic[LAPIC_TPR] = 0x30;
        cpu.setLapic(lapic);
        // debug registers, an XMM register and XCR0 have no setter of their own: edit the saved sections
        Map<String, byte[]> edited = byName(first.x86().saveVcpuState(cpu));
        ByteBuffer debug = le(edited.get("kvm.debugregs"));
        debug.putLong(KvmStructs.Debugregs.DB, 0x4000);
        debug.putLong(KvmStructs.Debugregs.DB + 8, 0x5000);
        ByteBuffer xsave = le(edited.get("kvm.xsave"));
        xsave.putLong(XSAVE_XMM0, 0x0123_4567_89ab_cdefL);
        xsave.putLong(XSAVE_XMM0 + 8, 0x7eed_f00d_cafe_beefL);
        // XSTATE_BV in the XSAVE header: the SSE component is not in its initial state
        xsave.putLong(XSAVE_HEADER, xsave.getLong(XSAVE_HEADER) | 2);
        ByteBuffer xcrs = le(edited.get("kvm.xcrs"));
        assertEquals(1, xcrs.getInt(KvmStructs.Xcrs.NR_XCRS), "KVM reports XCR0");
        assertEquals(0, xcrs.getInt(KvmStructs.Xcrs.XCRS + KvmStructs.Xcrs.XCR_XCR));
        xcrs.putLong(KvmStructs.Xcrs.XCRS + KvmStructs.Xcrs.XCR_VALUE, 0x3); // x87 | SSE
        first.x86().restoreVcpuState(cpu, sections(edited));
        List<StateSection> saved = first.x86().saveVcpuState(cpu);
        Map<String, byte[]> a = byName(saved);
        assertEquals(0x4000, le(a.get("kvm.debugregs")).getLong(KvmStructs.Debugregs.DB));
        assertEquals(0x7eed_f00d_cafe_beefL, le(a.get("kvm.xsave")).getLong(XSAVE_XMM0 + 8));
        assertEquals(3, le(a.get("kvm.xcrs")).getLong(KvmStructs.Xcrs.XCRS + KvmStructs.Xcrs.XCR_VALUE));
        assertEquals(0x30, a.get("kvm.lapic")[LAPIC_TPR]);
        assertEquals(0xffff_8000_1234_5678L, msr(a.get("kvm.msrs"), MSR_IA32_SYSENTER_EIP));
        long tscSaved = msr(a.get("kvm.msrs"), MSR_IA32_TSC);

        KvmVm second = newVm(Irqchip.KERNEL);
        KvmVcpu copy = second.createVcpu(0);
        assertNotEquals(0x1122_3344_5566_7788L, copy.registers().rax(), "a fresh vCPU");
        second.x86().restoreVcpuState(copy, saved);
        Map<String, byte[]> b = byName(second.x86().saveVcpuState(copy));

        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            if (!name.equals("kvm.msrs")) {
                assertArrayEquals(a.get(name), b.get(name), name);
            }
        }
        assertEquals(0x1122_3344_5566_7788L, copy.registers().rax());
        assertEquals(0xdead_b000L, copy.specialRegisters().cr2());
        Map<Integer, Long> msrsA = msrs(a.get("kvm.msrs"));
        Map<Integer, Long> msrsB = msrs(b.get("kvm.msrs"));
        assertEquals(msrsA.keySet(), msrsB.keySet(), "the same MSRs");
        long tscRestored = msrsB.get(MSR_IA32_TSC);
        assertTrue(
                tscRestored >= tscSaved && tscRestored - tscSaved < 60_000_000_000L,
                "TSC continues from the saved " + tscSaved + ", got " + tscRestored);
        List<String> differing = new ArrayList<>();
        for (var e : msrsA.entrySet()) {
            if (e.getKey() != MSR_IA32_TSC && !e.getValue().equals(msrsB.get(e.getKey()))) {
                differing.add(String.format("0x%x: 0x%x -> 0x%x", e.getKey(), e.getValue(), msrsB.get(e.getKey())));
            }
        }
        assertEquals(List.of(), differing, "MSRs other than the TSC come back as saved");
    }

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
        KvmVm first = newVm(Irqchip.KERNEL);
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

        KvmVm second = newVm(Irqchip.KERNEL);
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
        KvmVm first = newVm(Irqchip.KERNEL);
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

        KvmVm second = newVm(Irqchip.KERNEL);
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
        KvmVm first = newVm(Irqchip.KERNEL);
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

        KvmVm second = newVm(Irqchip.KERNEL);
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
        KvmVm first = newVm(Irqchip.KERNEL);
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

        KvmVm second = newVm(Irqchip.KERNEL);
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

    @Test
    void pitAndIoapicSurviveSaveAndRestore() {
        KvmVm first = newVm(Irqchip.KERNEL);
        first.x86().createBootVcpu(0, 1);
        Map<String, byte[]> state = byName(first.x86().saveVmState());
        assertEquals(
                List.of("kvm.pic-master", "kvm.pic-slave", "kvm.ioapic", "kvm.pit2", "kvm.clock"),
                List.copyOf(state.keySet()));
        ByteBuffer pit = le(state.get("kvm.pit2"));
        int ch0 = KvmStructs.PitState2.CHANNELS;
        pit.putInt(ch0 + KvmStructs.PitChannelState.COUNT, 0x1234);
        pit.put(ch0 + KvmStructs.PitChannelState.MODE, (byte) 2);
        pit.put(ch0 + KvmStructs.PitChannelState.RW_MODE, (byte) 3);
        long redirection4 = 0x31L | (1L << 15) | (3L << 56); // vector 0x31, level-triggered, CPU 3
        le(state.get("kvm.ioapic")).putLong(KvmStructs.IoapicState.REDIRTBL + 4 * 8, redirection4);
        first.x86().restoreVmState(sections(state));
        Map<String, byte[]> saved = byName(first.x86().saveVmState());
        assertEquals(0x1234, le(saved.get("kvm.pit2")).getInt(ch0 + KvmStructs.PitChannelState.COUNT));
        assertEquals(redirection4, le(saved.get("kvm.ioapic")).getLong(KvmStructs.IoapicState.REDIRTBL + 32));

        KvmVm second = newVm(Irqchip.KERNEL);
        second.x86().createBootVcpu(0, 1);
        second.x86().restoreVmState(sections(saved));
        Map<String, byte[]> again = byName(second.x86().saveVmState());
        assertArrayEquals(saved.get("kvm.pic-master"), again.get("kvm.pic-master"));
        assertArrayEquals(saved.get("kvm.pic-slave"), again.get("kvm.pic-slave"));
        assertArrayEquals(saved.get("kvm.ioapic"), again.get("kvm.ioapic"));
        ByteBuffer pitA = le(saved.get("kvm.pit2"));
        ByteBuffer pitB = le(again.get("kvm.pit2"));
        for (int c = 0; c < 3; c++) {
            int at = KvmStructs.PitState2.CHANNELS + c * KvmStructs.PitChannelState.SIZE;
            // everything but the host time the count was loaded at
            for (int i = 0; i < KvmStructs.PitChannelState.COUNT_LOAD_TIME; i++) {
                assertEquals(pitA.get(at + i), pitB.get(at + i), "PIT channel " + c + " byte " + i);
            }
        }
        assertEquals(pitA.getInt(KvmStructs.PitState2.FLAGS), pitB.getInt(KvmStructs.PitState2.FLAGS));
        long clockA = le(saved.get("kvm.clock")).getLong(KvmStructs.ClockData.CLOCK);
        long clockB = le(again.get("kvm.clock")).getLong(KvmStructs.ClockData.CLOCK);
        assertTrue(clockB >= clockA && clockB - clockA < 60_000_000_000L, clockA + " -> " + clockB);
    }

    @Test
    void eachVcpuKeepsItsMpStateAndApicId() {
        KvmVm first = newVm(Irqchip.KERNEL);
        KvmVcpu boot = (KvmVcpu) first.x86().createBootVcpu(0, 2);
        KvmVcpu ap = (KvmVcpu) first.x86().createBootVcpu(1, 2);
        List<StateSection> bootState = first.x86().saveVcpuState(boot);
        List<StateSection> apState = first.x86().saveVcpuState(ap);
        assertEquals(KVM_MP_STATE_RUNNABLE, mpState(bootState));
        assertEquals(KVM_MP_STATE_UNINITIALIZED, mpState(apState), "an AP waits for INIT/SIPI");

        KvmVm second = newVm(Irqchip.KERNEL);
        KvmVcpu boot2 = second.createVcpu(0);
        KvmVcpu ap2 = second.createVcpu(1);
        second.x86().restoreVcpuState(boot2, bootState);
        second.x86().restoreVcpuState(ap2, apState);
        assertEquals(KVM_MP_STATE_RUNNABLE, boot2.mpState());
        assertEquals(KVM_MP_STATE_UNINITIALIZED, ap2.mpState());
        // the APIC ID register (0x20, ID in bits 24-31)
        assertEquals(1, le(ap2.lapic()).getInt(0x20) >>> 24);
        assertArrayEquals(byName(apState).get("kvm.lapic"), ap2.lapic());
    }

    private static int mpState(List<StateSection> state) {
        return le(byName(state).get("kvm.mpstate")).getInt(0);
    }

    @Test
    void aVmWithoutIrqchipSavesNoApicAndOnlyTheClock() {
        KvmVm vm = kvm.createVm();
        vms.add(vm);
        KvmVcpu cpu = vm.createVcpu(0);
        List<StateSection> state = vm.x86().saveVcpuState(cpu);
        List<String> names = state.stream().map(StateSection::name).toList();
        assertTrue(names.contains("kvm.regs") && !names.contains("kvm.lapic"), names.toString());
        assertEquals(
                List.of("kvm.clock"),
                vm.x86().saveVmState().stream().map(StateSection::name).toList());
        KvmVm copy = kvm.createVm();
        vms.add(copy);
        KvmVcpu restored = copy.createVcpu(0);
        copy.x86().restoreVcpuState(restored, state);
        assertEquals(
                byName(state).get("kvm.sregs").length,
                byName(copy.x86().saveVcpuState(restored)).get("kvm.sregs").length);
        assertArrayEquals(
                byName(state).get("kvm.sregs"),
                byName(copy.x86().saveVcpuState(restored)).get("kvm.sregs"));
    }

    @Test
    void theTscFrequencyIsSavedAndAnotherOneIsScaledOrRefusedByName() {
        KvmVm vm = newVm(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu) vm.x86().createBootVcpu(0, 1);
        Map<String, byte[]> state = byName(vm.x86().saveVcpuState(cpu));
        int khz = le(state.get("kvm.tsc-khz")).getInt(0);
        assertEquals(cpu.ioctl(KVM_GET_TSC_KHZ, 0), khz);
        assertTrue(khz > 100_000, khz + " kHz");
        int half = khz / 2;
        le(state.get("kvm.tsc-khz")).putInt(0, half);
        KvmVm other = newVm(Irqchip.KERNEL);
        KvmVcpu copy = other.createVcpu(0);
        try {
            other.x86().restoreVcpuState(copy, sections(state));
            assertEquals(half, copy.ioctl(KVM_GET_TSC_KHZ, 0), "scaled by KVM");
        } catch (IllegalArgumentException e) {
            assertTrue(
                    e.getMessage().contains("kvm.tsc-khz") && e.getMessage().contains("KVM_SET_TSC_KHZ, " + half),
                    e.getMessage());
        }
    }

    @Test
    void splitIrqchipSavesOnlyTheClock() {
        KvmVm vm = newVm(Irqchip.SPLIT);
        vm.x86().createBootVcpu(0, 1);
        List<StateSection> state = vm.x86().saveVmState();
        assertEquals(
                List.of("kvm.clock"), state.stream().map(StateSection::name).toList());
        vm.x86().restoreVmState(state);
    }

    @Test
    void missingOrMisSizedSectionsAreRefusedByName() {
        KvmVm vm = newVm(Irqchip.KERNEL);
        X86Platform x86 = vm.x86();
        KvmVcpu cpu = (KvmVcpu) x86.createBootVcpu(0, 1);
        List<StateSection> state = x86.saveVcpuState(cpu);

        List<StateSection> noLapic = new ArrayList<>(state);
        noLapic.removeIf(s -> s.name().equals("kvm.lapic"));
        var missing = assertThrows(IllegalArgumentException.class, () -> x86.restoreVcpuState(cpu, noLapic));
        assertTrue(missing.getMessage().contains("kvm.lapic is missing"), missing.getMessage());

        Map<String, byte[]> shortRegs = byName(state);
        shortRegs.put("kvm.regs", new byte[100]);
        var size = assertThrows(IllegalArgumentException.class, () -> x86.restoreVcpuState(cpu, sections(shortRegs)));
        assertTrue(size.getMessage().contains("kvm.regs is 100 bytes"), size.getMessage());

        Map<String, byte[]> badXcr = byName(state);
        le(badXcr.get("kvm.xcrs")).putLong(KvmStructs.Xcrs.XCRS + KvmStructs.Xcrs.XCR_VALUE, 0x2); // SSE without x87
        var refused = assertThrows(IllegalArgumentException.class, () -> x86.restoreVcpuState(cpu, sections(badXcr)));
        assertTrue(
                refused.getMessage().contains("kvm.xcrs")
                        && refused.getMessage().contains("KVM_SET_XCRS"),
                refused.getMessage());

        Map<String, byte[]> unknownMsr = byName(state);
        byte[] msrs = unknownMsr.get("kvm.msrs");
        byte[] more = Arrays.copyOf(msrs, msrs.length + KvmStructs.Msrs.ENTRY_SIZE);
        le(more).putInt(msrs.length, 0x5eed_0001).putLong(msrs.length + 8, 5); // no such MSR
        unknownMsr.put("kvm.msrs", more);
        var msr = assertThrows(IllegalArgumentException.class, () -> x86.restoreVcpuState(cpu, sections(unknownMsr)));
        assertTrue(
                msr.getMessage().contains("kvm.msrs") && msr.getMessage().contains("refused MSR 0x5eed0001 = 0x5"),
                msr.getMessage());

        List<StateSection> vmState = new ArrayList<>(x86.saveVmState());
        vmState.removeIf(s -> s.name().equals("kvm.pit2"));
        var noPit = assertThrows(IllegalArgumentException.class, () -> x86.restoreVmState(vmState));
        assertTrue(noPit.getMessage().contains("kvm.pit2 is missing"), noPit.getMessage());
    }

    @Test
    void aRunningVcpuOrAnotherVmsVcpuIsRefused() throws Exception {
        KvmVm vm = newVm(Irqchip.KERNEL);
        vm.allocateMemory(0, 0x10000).write(CODE, bytes(0xeb, 0xfe), 0, 2); // jmp $
        KvmVcpu cpu = (KvmVcpu) vm.x86().createBootVcpu(0, 1);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        KvmVm other = newVm(Irqchip.KERNEL);
        KvmVcpu foreign = (KvmVcpu) other.x86().createBootVcpu(0, 1);
        var notOurs =
                assertThrows(IllegalArgumentException.class, () -> vm.x86().saveVcpuState(foreign));
        assertTrue(notOurs.getMessage().contains("not a vCPU of this VM"), notOurs.getMessage());

        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<ExitKind> stopped = new AtomicReference<>();
        Thread runner = new Thread(() -> {
            started.countDown();
            stopped.set(cpu.run().kind());
        });
        runner.start();
        started.await();
        IllegalStateException running = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (running == null && System.nanoTime() < deadline) {
            try {
                vm.x86().saveVmState(); // touches no vCPU: it cannot disturb the runner's start
                Thread.sleep(5);
            } catch (IllegalStateException e) {
                running = e;
            }
        }
        assertTrue(running != null && running.getMessage().contains("is running"), String.valueOf(running));
        var vcpu = assertThrows(IllegalStateException.class, () -> vm.x86().saveVcpuState(cpu));
        assertTrue(vcpu.getMessage().contains("vCPU 0 is running"), vcpu.getMessage());
        cpu.requestStop();
        runner.join(30_000);
        assertEquals(ExitKind.STOP_REQUESTED, stopped.get());
        assertEquals(
                CODE,
                Registers.of(longs(byName(vm.x86().saveVcpuState(cpu)).get("kvm.regs")))
                        .rip());
    }

    private static long[] longs(byte[] data) {
        long[] v = new long[data.length / 8];
        le(data).asLongBuffer().get(v);
        return v;
    }

    @Test
    void measuresSaveAndRestoreTimes() {
        KvmVm vm = newVm(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu) vm.x86().createBootVcpu(0, 1);
        int rounds = 50;
        long save = 0, restore = 0, saveVm = 0, restoreVm = 0;
        List<StateSection> state = vm.x86().saveVcpuState(cpu);
        List<StateSection> vmState = vm.x86().saveVmState();
        KvmVm target = newVm(Irqchip.KERNEL);
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            state = vm.x86().saveVcpuState(cpu);
            long t1 = System.nanoTime();
            vmState = vm.x86().saveVmState();
            long t2 = System.nanoTime();
            KvmVcpu copy = target.createVcpu(i);
            long t3 = System.nanoTime();
            target.x86().restoreVcpuState(copy, state);
            long t4 = System.nanoTime();
            target.x86().restoreVmState(vmState);
            long t5 = System.nanoTime();
            if (i >= rounds / 2) {
                save += t1 - t0;
                saveVm += t2 - t1;
                restore += t4 - t3;
                restoreVm += t5 - t4;
            }
        }
        int n = rounds - rounds / 2;
        System.out.printf(
                "KVM state, mean of %d after %d warm-up: saveVcpuState %.1f us, restoreVcpuState %.1f us,"
                        + " saveVmState %.1f us, restoreVmState %.1f us (%d vCPU sections, %d bytes)%n",
                n,
                rounds / 2,
                save / 1e3 / n,
                restore / 1e3 / n,
                saveVm / 1e3 / n,
                restoreVm / 1e3 / n,
                state.size(),
                state.stream().mapToInt(StateSection::size).sum());
        assertTrue(restore / n < 1_000_000_000L, "a restore takes less than a second");
    }

    @Test
    void measuresARestoreOf256MiBGuestToItsNextExit(@TempDir Path dir) throws Exception {
        long size = 256L << 20;
        byte[] code = bytes(
                0xba, 0xe9, 0x00, // mov dx, 0xe9
                0x43, // loop: inc bx
                0x89, 0xd8, // mov ax, bx
                0xef, // out dx, ax
                0xeb, 0xfa); // jmp loop
        KvmVm first = newVm(Irqchip.KERNEL);
        GuestMemory mem = first.allocateMemory(0, size);
        mem.write(CODE, code, 0, code.length);
        KvmVcpu cpu = (KvmVcpu) first.x86().createBootVcpu(0, 1);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        assertEquals(1, cpu.run().ioData(0));
        List<StateSection> vcpuState = first.x86().saveVcpuState(cpu);
        List<StateSection> vmState = first.x86().saveVmState();
        Path file = dir.resolve("ram");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size); // sparse: only the code page is written, as a snapshot of touched pages would be
            byte[] page = new byte[4096];
            mem.read(CODE, page, 0, page.length);
            f.seek(CODE);
            f.write(page);
        }
        int rounds = 20;
        long[] nanos = new long[rounds];
        long[] phases = new long[7];
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            try (KvmVm vm = kvm.createVm()) {
                long[] t = new long[8];
                t[0] = System.nanoTime();
                // memory before the irqchip: KVM's first memory slot after KVM_SET_TSS_ADDR and the irqchip
                // costs 4-9 ms here, before them 0.4 ms (prepare then takes 0.2-1.5 ms)
                vm.mapMemoryFile(0, size, file, 0);
                t[1] = System.nanoTime();
                vm.x86().prepare(Irqchip.KERNEL);
                t[2] = System.nanoTime();
                KvmVcpu copy = vm.createVcpu(0);
                t[3] = System.nanoTime();
                vm.x86().restoreVcpuState(copy, vcpuState);
                t[4] = System.nanoTime();
                vm.x86().restoreVmState(vmState);
                t[5] = System.nanoTime();
                VmExit exit = copy.run();
                nanos[i] = System.nanoTime() - t0;
                phases[0] += t[0] - t0;
                for (int p = 1; p <= 5; p++) {
                    phases[p] += t[p] - t[p - 1];
                }
                phases[6] += t0 + nanos[i] - t[5];
                assertEquals(ExitKind.IO_OUT, exit.kind());
                assertEquals(2, exit.ioData(0), "the restored guest counts on");
            }
        }
        Arrays.sort(nanos);
        System.out.printf(
                "restore of a 256 MiB guest (new VM, file mapped, irqchip, vCPU and VM state) to its next exit:"
                        + " median %.2f ms, min %.2f ms, max %.2f ms over %d rounds%n",
                nanos[rounds / 2] / 1e6, nanos[0] / 1e6, nanos[rounds - 1] / 1e6, rounds);
        System.out.printf(
                "  mean per phase: createVm %.2f ms, mapMemoryFile %.2f ms, prepare %.2f ms, createVcpu %.2f ms,"
                        + " restoreVcpuState %.2f ms, restoreVmState %.2f ms, first run %.2f ms%n",
                phases[0] / 1e6 / rounds,
                phases[1] / 1e6 / rounds,
                phases[2] / 1e6 / rounds,
                phases[3] / 1e6 / rounds,
                phases[4] / 1e6 / rounds,
                phases[5] / 1e6 / rounds,
                phases[6] / 1e6 / rounds);
        assertTrue(nanos[0] > 0);
    }

    static Map<String, byte[]> byName(List<StateSection> sections) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (StateSection s : sections) {
            m.put(s.name(), s.data());
        }
        return m;
    }

    static List<StateSection> sections(Map<String, byte[]> byName) {
        List<StateSection> list = new ArrayList<>();
        byName.forEach((name, data) -> list.add(new StateSection(name, data)));
        return list;
    }

    static ByteBuffer le(byte[] data) {
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    static Map<Integer, Long> msrs(byte[] section) {
        Map<Integer, Long> m = new LinkedHashMap<>();
        ByteBuffer b = le(section);
        for (int at = 0; at < section.length; at += KvmStructs.Msrs.ENTRY_SIZE) {
            m.put(b.getInt(at + KvmStructs.Msrs.ENTRY_INDEX), b.getLong(at + KvmStructs.Msrs.ENTRY_DATA));
        }
        return m;
    }

    static long msr(byte[] section, int index) {
        Long v = msrs(section).get(index);
        if (v == null) {
            throw new AssertionError(String.format("MSR 0x%x is not in the saved MSRs", index));
        }
        return v;
    }
}
