package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;
import static org.vmm4j.linux.abi.KvmHeader.KVM_CAP_XSAVE2;
import static org.vmm4j.linux.abi.KvmHeader.KVM_GET_TSC_KHZ;
import static org.vmm4j.linux.abi.KvmHeader.KVM_MP_STATE_RUNNABLE;
import static org.vmm4j.linux.abi.KvmHeader.KVM_MP_STATE_UNINITIALIZED;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.Registers;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.StateSection;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;
import org.vmm4j.x86.X86Platform;

/** Saving a vCPU's and a VM's KVM state and restoring it into another VM: what the sections hold and what a restore refuses, on the real /dev/kvm. */
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

    @AutoClose
    private final TestVms vms = new TestVms();

    @Test
    void vcpuStateRoundTripsIntoAnotherVm() {
        KvmVm first = vms.prepared(Irqchip.KERNEL);
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

        KvmVm second = vms.prepared(Irqchip.KERNEL);
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
    void pitAndIoapicSurviveSaveAndRestore() {
        KvmVm first = vms.prepared(Irqchip.KERNEL);
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

        KvmVm second = vms.prepared(Irqchip.KERNEL);
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
        KvmVm first = vms.prepared(Irqchip.KERNEL);
        KvmVcpu boot = (KvmVcpu) first.x86().createBootVcpu(0, 2);
        KvmVcpu ap = (KvmVcpu) first.x86().createBootVcpu(1, 2);
        List<StateSection> bootState = first.x86().saveVcpuState(boot);
        List<StateSection> apState = first.x86().saveVcpuState(ap);
        assertEquals(KVM_MP_STATE_RUNNABLE, mpState(bootState));
        assertEquals(KVM_MP_STATE_UNINITIALIZED, mpState(apState), "an AP waits for INIT/SIPI");

        KvmVm second = vms.prepared(Irqchip.KERNEL);
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
        KvmVm vm = vms.create();
        KvmVcpu cpu = vm.createVcpu(0);
        List<StateSection> state = vm.x86().saveVcpuState(cpu);
        List<String> names = state.stream().map(StateSection::name).toList();
        assertTrue(names.contains("kvm.regs") && !names.contains("kvm.lapic"), names.toString());
        assertEquals(
                List.of("kvm.clock"),
                vm.x86().saveVmState().stream().map(StateSection::name).toList());
        KvmVm copy = vms.create();
        KvmVcpu restored = copy.createVcpu(0);
        copy.x86().restoreVcpuState(restored, state);
        // kvm.sregs2 where KVM has KVM_CAP_SREGS2 (KvmStateSregs2Test), else kvm.sregs
        String sregs = names.contains("kvm.sregs2") ? "kvm.sregs2" : "kvm.sregs";
        assertTrue(names.contains("kvm.sregs") != names.contains("kvm.sregs2"), "one of them: " + names);
        assertArrayEquals(
                byName(state).get(sregs),
                byName(copy.x86().saveVcpuState(restored)).get(sregs));
    }

    @Test
    void theTscFrequencyIsSavedAndAnotherOneIsScaledOrRefusedByName() {
        KvmVm vm = vms.prepared(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu) vm.x86().createBootVcpu(0, 1);
        Map<String, byte[]> state = byName(vm.x86().saveVcpuState(cpu));
        int khz = le(state.get("kvm.tsc-khz")).getInt(0);
        assertEquals(cpu.ioctl(KVM_GET_TSC_KHZ, 0), khz);
        assertTrue(khz > 100_000, khz + " kHz");
        int half = khz / 2;
        le(state.get("kvm.tsc-khz")).putInt(0, half);
        KvmVm other = vms.prepared(Irqchip.KERNEL);
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
        KvmVm vm = vms.prepared(Irqchip.SPLIT);
        vm.x86().createBootVcpu(0, 1);
        List<StateSection> state = vm.x86().saveVmState();
        assertEquals(
                List.of("kvm.clock"), state.stream().map(StateSection::name).toList());
        vm.x86().restoreVmState(state);
    }

    @Test
    void missingOrMisSizedSectionsAreRefusedByName() {
        KvmVm vm = vms.prepared(Irqchip.KERNEL);
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
        KvmVm vm = vms.prepared(Irqchip.KERNEL);
        vm.allocateMemory(0, 0x10000).write(CODE, bytes(0xeb, 0xfe), 0, 2); // jmp $
        KvmVcpu cpu = (KvmVcpu) vm.x86().createBootVcpu(0, 1);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        KvmVm other = vms.prepared(Irqchip.KERNEL);
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

    /**
     * What {@code kvm}'s VMs save (its XSAVE size, and XCRs, debug registers, an in-kernel LAPIC, the TSC
     * frequency and kvmclock control), with the special-register and nested-state sections the test chooses.
     */
    static KvmVcpuState.Shape shape(KvmSystem kvm, boolean sregs2, int nestedStateSize) {
        int xsave2 = kvm.checkExtension(KVM_CAP_XSAVE2);
        return new KvmVcpuState.Shape(
                Math.max(xsave2, KvmStructs.Xsave.SIZE),
                xsave2 >= KvmStructs.Xsave.SIZE,
                true,
                true,
                true,
                true,
                true,
                sregs2,
                nestedStateSize);
    }

    /**
     * Restoring {@code state} (its RAX changed first) on {@code cpu} is refused with a message naming each of
     * {@code named}, and before any register was set: the vCPU's RAX is not the state's.
     */
    static void assertRefusedBeforeAnyRegister(
            KvmVcpu cpu, KvmVcpuState.Shape shape, Map<String, byte[]> state, String... named) {
        le(state.get("kvm.regs")).putLong(KvmStructs.Regs.RAX, 0x5eed);
        var e = assertThrows(IllegalArgumentException.class, () -> KvmVcpuState.restore(cpu, shape, sections(state)));
        for (String name : named) {
            assertTrue(e.getMessage().contains(name), name + " not in: " + e.getMessage());
        }
        assertTrue(cpu.registers().rax() != 0x5eed, "refused before any register was set");
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
