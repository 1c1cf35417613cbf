package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmm4j.DescriptorTable;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.VmExit;
import org.vmm4j.boot.Layout;
import org.vmm4j.machine.IoApic;
import org.vmm4j.machine.MmioBus;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;

/**
 * A split irqchip on the real /dev/kvm: the local APIC in KVM, vmm4j's {@link IoApic} programmed
 * by a 32-bit guest through MMIO exits, interrupts delivered with KVM_SIGNAL_MSI into the guest's
 * IDT handlers, and the end-of-interrupt of a level-triggered vector coming back as
 * KVM_EXIT_IOAPIC_EOI.
 */
@Timeout(60)
@RequiresHost(kvm = true)
class SplitIrqchipTest {
    private static final int PORT = 0xe9;
    private static final int EDGE_VECTOR = 0x40;
    private static final int LEVEL_VECTOR = 0x41;

    @AutoClose
    private final TestVms vms = new TestVms();

    private final KvmVm vm = vms.create();

    /** {@code mov dword [address], value}. */
    private static void movToMemory(ByteBuffer code, long address, int value) {
        code.put((byte) 0xc7).put((byte) 0x05).putInt((int) address).putInt(value);
    }

    /**
     * A handler: {@code out 0xe9, vector; mov [LAPIC EOI], 0; mov esp, 0x8000; sti; hlt; jmp hlt}. It
     * never returns: KVM's instruction emulator (all guest code is emulated under nested PVM) cannot
     * emulate a protected-mode IRET.
     */
    private static void handler(ByteBuffer code, int vector) {
        code.put(bytes(0x66, 0xba, PORT, 0x00, 0xb0, vector, 0xee));
        movToMemory(code, Layout.LAPIC_ADDRESS + 0xb0, 0);
        code.put(bytes(0xbc, 0x00, 0x80, 0x00, 0x00, 0xfb, 0xf4, 0xeb, 0xfd));
    }

    @Test
    void guestProgramsTheUserSpaceIoApicAndTakesEdgeAndLevelInterrupts() throws Exception {
        KvmX86Platform platform = new KvmX86Platform(vm);
        platform.prepare(Irqchip.SPLIT);
        GuestMemory mem = vm.allocateMemory(0, 0x10000);
        IoApic ioapic = new IoApic(platform.msiController(), 1);
        MmioBus mmio = new MmioBus();
        mmio.register(Layout.IOAPIC_ADDRESS, IoApic.MMIO_SIZE, ioapic);

        // GDT at 0x2000 (null, flat 32-bit code 0x08, flat data 0x10); IDT at 0x3000.
        ByteBuffer gdt = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        gdt.putLong(0).putLong(0x00cf_9a00_0000_ffffL).putLong(0x00cf_9200_0000_ffffL);
        mem.write(0x2000, gdt.array());
        long[] handlers = {0x1100, 0x1200};
        for (int i = 0; i < 2; i++) {
            long h = handlers[i];
            ByteBuffer gate = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            gate.putShort((short) h)
                    .putShort((short) 0x08)
                    .put((byte) 0)
                    .put((byte) 0x8e)
                    .putShort((short) (h >>> 16));
            mem.write(0x3000 + (EDGE_VECTOR + i) * 8L, gate.array());
        }
        ByteBuffer main = ByteBuffer.allocate(0x100).order(ByteOrder.LITTLE_ENDIAN);
        movToMemory(main, Layout.LAPIC_ADDRESS + 0xf0, 0x1ff); // software-enable the LAPIC
        long ioregsel = Layout.IOAPIC_ADDRESS + IoApic.IOREGSEL;
        long iowin = Layout.IOAPIC_ADDRESS + IoApic.IOWIN;
        movToMemory(main, ioregsel, 0x18); // pin 4: edge, fixed, unmasked, APIC 0
        movToMemory(main, iowin, EDGE_VECTOR);
        movToMemory(main, ioregsel, 0x19);
        movToMemory(main, iowin, 0);
        movToMemory(main, ioregsel, 0x1a); // pin 5: level-triggered
        movToMemory(main, iowin, 0x8000 | LEVEL_VECTOR);
        movToMemory(main, ioregsel, 0x1b);
        movToMemory(main, iowin, 0);
        main.put(bytes(0x66, 0xba, PORT, 0x00, 0xb0, 0x01, 0xee)); // out 0xe9, 1: ready
        main.put(bytes(0xfb, 0xf4, 0xeb, 0xfd)); // sti; hlt; jmp hlt
        mem.write(GuestSetup.CODE, java.util.Arrays.copyOf(main.array(), main.position()));
        for (int i = 0; i < 2; i++) {
            ByteBuffer h = ByteBuffer.allocate(0x40).order(ByteOrder.LITTLE_ENDIAN);
            handler(h, EDGE_VECTOR + i);
            mem.write(handlers[i], java.util.Arrays.copyOf(h.array(), h.position()));
        }

        KvmVcpu cpu = platform.createBootVcpu(0, 1);
        GuestSetup.protectedMode32(cpu, GuestSetup.CODE);
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .gdt(new DescriptorTable(0x2000, 23))
                .idt(new DescriptorTable(0x3000, (EDGE_VECTOR + 2) * 8 - 1))
                .build());

        assertEquals(1, runToOut(cpu, mmio), "the guest's ready signal");
        assertEquals(EDGE_VECTOR, ioapic.redirectionEntry(4) & 0x1ffff, "pin 4 as the guest programmed it");
        assertEquals(0x8000 | LEVEL_VECTOR, ioapic.redirectionEntry(5) & 0x1ffff, "pin 5 as the guest programmed it");

        ioapic.setLevel(4, true); // edge: one interrupt
        assertEquals(EDGE_VECTOR, runToOut(cpu, mmio));
        ioapic.setLevel(4, false);

        ioapic.setLevel(5, true); // level: until the line drops
        assertEquals(LEVEL_VECTOR, runToOut(cpu, mmio));
        assertTrue((ioapic.redirectionEntry(5) & 1 << 14) != 0, "remote IRR set while the guest handles it");
        VmExit eoi = runToExit(cpu, mmio);
        assertEquals(ExitKind.IOAPIC_EOI, eoi.kind(), "KVM reports the level vector's EOI: " + eoi);
        assertEquals(LEVEL_VECTOR, eoi.eoiVector());
        ioapic.endOfInterrupt(eoi.eoiVector()); // line still high: sent again
        assertEquals(LEVEL_VECTOR, runToOut(cpu, mmio), "re-delivered because the line is still high");
        ioapic.setLevel(5, false);
        eoi = runToExit(cpu, mmio);
        assertEquals(ExitKind.IOAPIC_EOI, eoi.kind());
        ioapic.endOfInterrupt(eoi.eoiVector());
        assertEquals(0, ioapic.redirectionEntry(5) & 1 << 14, "remote IRR cleared by the EOI");
        assertEquals(3, ioapic.deliveredCount());

        // Nothing is pending now: the guest halts until we stop it, with no further interrupt.
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            ScheduledFuture<?> stop = timer.schedule(cpu::requestStop, 200, TimeUnit.MILLISECONDS);
            VmExit last = runToExit(cpu, mmio);
            assertEquals(ExitKind.STOP_REQUESTED, last.kind(), "no interrupt after the line dropped: " + last);
            stop.get(5, TimeUnit.SECONDS); // and the stop request itself completed without an exception
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void splitIrqchipReplacesTheInKernelOneAndHasNoPit() {
        vm.x86().prepare(Irqchip.SPLIT);
        // With a split irqchip KVM refuses a second irqchip: the PIC and IOAPIC are not in the kernel.
        org.vmm4j.VmmException e =
                org.junit.jupiter.api.Assertions.assertThrows(org.vmm4j.VmmException.class, vm::createIrqchip);
        assertTrue(e.getMessage().contains("KVM_CREATE_IRQCHIP"), e.getMessage());
        assertFalse(vm.signalMsi(0xfee0_0000L, 0x30), "no vCPU yet: the MSI reaches no APIC");
    }

    /** Runs, serving MMIO from {@code mmio}, until an OUT to the test port; returns its byte. */
    private static int runToOut(KvmVcpu cpu, MmioBus mmio) {
        VmExit e = runToExit(cpu, mmio);
        assertEquals(
                ExitKind.IO_OUT,
                e.kind(),
                () -> "expected an OUT, got " + e + " at rip 0x"
                        + Long.toHexString(cpu.registers().rip())
                        + (e.kind() == ExitKind.INTERNAL_ERROR ? " suberror " + e.internalErrorSuberror() : ""));
        assertEquals(PORT, e.ioPort());
        return (int) e.ioData(0) & 0xff;
    }

    /** Runs, serving MMIO exits, until any other exit. */
    private static VmExit runToExit(KvmVcpu cpu, MmioBus mmio) {
        while (true) {
            VmExit e = cpu.run();
            if (e.kind() == ExitKind.MMIO_WRITE) {
                mmio.write(e.mmioAddress(), e.mmioSize(), e.mmioData());
            } else if (e.kind() == ExitKind.MMIO_READ) {
                e.setMmioData(mmio.read(e.mmioAddress(), e.mmioSize()));
            } else {
                return e;
            }
        }
    }
}
