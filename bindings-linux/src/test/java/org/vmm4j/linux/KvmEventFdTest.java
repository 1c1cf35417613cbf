package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmm4j.DescriptorTable;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;
import org.vmm4j.VmmException;
import org.vmm4j.boot.Layout;
import org.vmm4j.event.EventFd;
import org.vmm4j.event.EventFdRouting;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;

/**
 * KVM_IOEVENTFD and KVM_IRQFD on the real /dev/kvm: guest writes to a registered address signal an
 * eventfd with no exit to the run loop, and signalling an irqfd runs the guest's interrupt handler
 * with no ioctl from the signalling thread.
 */
@Timeout(60)
@RequiresHost(kvm = true)
class KvmEventFdTest {
    private static final long NOTIFY = 0xd000_0050L;
    private static final long ANY_VALUE = 0xd000_0060L;
    private static final int PORT = 0x600;
    private static final int DONE_PORT = 0xe9;
    private static final int VECTOR = 0x40;
    private static final int GSI = 24;

    private KvmSystem kvm;
    private KvmVm vm;
    private final List<EventFd> eventFds = new ArrayList<>();

    @BeforeEach
    void open() {
        kvm = KvmSystem.open();
        vm = kvm.createVm();
    }

    @AfterEach
    void close() {
        vm.close();
        kvm.close();
        eventFds.forEach(EventFd::close);
    }

    private EventFd eventFd() {
        EventFd e = EventFd.create();
        eventFds.add(e);
        return e;
    }

    /** {@code mov dword [address], value}. */
    private static void movToMemory(ByteBuffer code, long address, int value) {
        code.put((byte) 0xc7).put((byte) 0x05).putInt((int) address).putInt(value);
    }

    /**
     * Two writes of 1 and 2 to {@link #NOTIFY}, one of 7 to {@link #ANY_VALUE}, {@code OUT} of 5 and 6 to
     * {@link #PORT}, {@code HLT}.
     */
    private KvmVcpu notifyingGuest() {
        GuestMemory mem = vm.allocateMemory(0, 0x10000);
        ByteBuffer code = ByteBuffer.allocate(0x100).order(ByteOrder.LITTLE_ENDIAN);
        movToMemory(code, NOTIFY, 1);
        movToMemory(code, NOTIFY, 2);
        movToMemory(code, ANY_VALUE, 7);
        code.put(bytes(0x66, 0xba, 0x00, 0x06, 0xb0, 0x05, 0xee)); // mov dx, PORT; mov al, 5; out dx, al
        code.put(bytes(0xb0, 0x06, 0xee, 0xf4)); // mov al, 6; out dx, al; hlt
        mem.write(GuestSetup.CODE, Arrays.copyOf(code.array(), code.position()));
        KvmVcpu cpu = vm.createVcpu(0);
        GuestSetup.protectedMode32(cpu, GuestSetup.CODE);
        return cpu;
    }

    private static String describe(VmExit e) {
        return switch (e.kind()) {
            case MMIO_WRITE -> "MMIO_WRITE 0x" + Long.toHexString(e.mmioAddress()) + "=" + e.mmioData();
            case IO_OUT -> "IO_OUT 0x" + Integer.toHexString(e.ioPort()) + "=" + e.ioData(0);
            default -> e.kind().toString();
        };
    }

    /** Runs to HLT; the exits the run loop saw on the way. */
    private static List<String> exitsUntilHalt(KvmVcpu cpu) {
        List<String> exits = new ArrayList<>();
        while (true) {
            VmExit e = cpu.run();
            exits.add(describe(e));
            if (e.kind() == ExitKind.HLT || exits.size() > 20) {
                return exits;
            }
            assertTrue(e.kind() == ExitKind.MMIO_WRITE || e.kind() == ExitKind.IO_OUT, exits::toString);
        }
    }

    @Test
    void registeredWritesSignalTheEventfdWithoutAnExit() {
        EventFd matching = eventFd(), other = eventFd(), any = eventFd(), port = eventFd();
        // Through the backend-neutral interface a Machine uses.
        EventFdRouting routing = ((VirtualMachine) vm).eventFdRouting().orElseThrow();
        routing.registerIoEventFd(matching, NOTIFY, 4, OptionalLong.of(1));
        routing.registerIoEventFd(other, NOTIFY, 4, OptionalLong.of(3)); // same register, another queue
        routing.registerIoEventFd(any, ANY_VALUE, 4, OptionalLong.empty());
        routing.registerPortIoEventFd(port, PORT, 1, OptionalLong.of(5));
        KvmVcpu cpu = notifyingGuest();

        assertEquals(
                List.of("MMIO_WRITE 0x" + Long.toHexString(NOTIFY) + "=2", "IO_OUT 0x600=6", "HLT"),
                exitsUntilHalt(cpu),
                "only the writes no datamatch claimed reach the run loop");
        assertEquals(1, matching.tryRead(), "the write of 1 signalled the datamatch-1 eventfd");
        assertEquals(0, other.tryRead(), "no write of 3");
        assertEquals(1, any.tryRead(), "a registration without datamatch takes any value");
        assertEquals(1, port.tryRead(), "the OUT of 5 signalled the port eventfd");

        // Unregistered, the same writes are ordinary exits again.
        routing.unregisterIoEventFd(matching, NOTIFY, OptionalLong.of(1));
        routing.unregisterPortIoEventFd(port, PORT, OptionalLong.of(5));
        cpu.setRegisters(Registers.builder().rip(GuestSetup.CODE).rsp(0x8000).build());
        assertEquals(
                List.of(
                        "MMIO_WRITE 0x" + Long.toHexString(NOTIFY) + "=1",
                        "MMIO_WRITE 0x" + Long.toHexString(NOTIFY) + "=2",
                        "IO_OUT 0x600=5",
                        "IO_OUT 0x600=6",
                        "HLT"),
                exitsUntilHalt(cpu));
        assertEquals(0, matching.tryRead(), "unregistered: not signalled");
        assertEquals(0, port.tryRead(), "unregistered: not signalled");
        assertEquals(1, any.tryRead(), "still registered");
    }

    /**
     * A guest loop of {@code n} notifications: with an ioeventfd the run loop sees one exit (the final
     * HLT) and the counter reads {@code n}; without, {@code n} MMIO exits. Prints both timings.
     */
    @Test
    void aNotificationLoopCostsTheRunLoopOneExitWithAnIoeventfd() {
        int n = 20_000;
        GuestMemory mem = vm.allocateMemory(0, 0x10000);
        ByteBuffer code = ByteBuffer.allocate(0x40).order(ByteOrder.LITTLE_ENDIAN);
        code.put((byte) 0xb9).putInt(n); // mov ecx, n
        movToMemory(code, NOTIFY, 1); // loop: mov dword [NOTIFY], 1
        code.put(bytes(0x49, 0x75, 0xf3, 0xf4)); // dec ecx; jnz loop; hlt
        mem.write(GuestSetup.CODE, Arrays.copyOf(code.array(), code.position()));
        KvmVcpu cpu = vm.createVcpu(0);

        GuestSetup.protectedMode32(cpu, GuestSetup.CODE);
        int mmioExits = 0;
        long start = System.nanoTime();
        while (true) {
            VmExit e = cpu.run();
            if (e.kind() == ExitKind.HLT) {
                break;
            }
            assertEquals(ExitKind.MMIO_WRITE, e.kind(), () -> describe(e));
            mmioExits++;
        }
        long exitNanos = System.nanoTime() - start;
        assertEquals(n, mmioExits, "unregistered: every notification is an exit");

        EventFd notify = eventFd();
        vm.registerIoEventFd(notify, NOTIFY, 4, OptionalLong.of(1));
        GuestSetup.protectedMode32(cpu, GuestSetup.CODE);
        start = System.nanoTime();
        VmExit only = cpu.run();
        long eventNanos = System.nanoTime() - start;
        assertEquals(ExitKind.HLT, only.kind(), () -> "registered: straight to HLT, got " + describe(only));
        assertEquals(n, notify.tryRead(), "every notification signalled the eventfd");
        System.out.printf(
                "%d notifications: %.2f us each as MMIO exits, %.2f us each through the ioeventfd%n",
                n, exitNanos / 1e3 / n, eventNanos / 1e3 / n);
    }

    @Test
    void badRegistrationsAreRefusedNamingTheProblem() {
        EventFd a = eventFd(), b = eventFd();
        var length = assertThrows(
                IllegalArgumentException.class, () -> vm.registerIoEventFd(a, NOTIFY, 3, OptionalLong.empty()));
        assertTrue(length.getMessage().contains("not 3"), length.getMessage());
        var zero = assertThrows(
                IllegalArgumentException.class, () -> vm.registerIoEventFd(a, NOTIFY, 0, OptionalLong.of(1)));
        assertTrue(zero.getMessage().contains("datamatch"), zero.getMessage());
        var wide = assertThrows(
                IllegalArgumentException.class, () -> vm.registerIoEventFd(a, NOTIFY, 1, OptionalLong.of(0x100)));
        assertTrue(wide.getMessage().contains("0x100"), wide.getMessage());
        var port = assertThrows(
                IllegalArgumentException.class, () -> vm.registerPortIoEventFd(a, 0xffff, 2, OptionalLong.empty()));
        assertTrue(port.getMessage().contains("0xffff"), port.getMessage());

        vm.registerIoEventFd(a, NOTIFY, 4, OptionalLong.of(1));
        var overlap = assertThrows(
                IllegalArgumentException.class, () -> vm.registerIoEventFd(b, NOTIFY, 4, OptionalLong.empty()));
        assertTrue(overlap.getMessage().contains("overlaps"), overlap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> vm.registerIoEventFd(b, NOTIFY, 0, OptionalLong.empty()));
        vm.registerIoEventFd(b, NOTIFY, 4, OptionalLong.of(2)); // another value: no conflict
        vm.registerPortIoEventFd(b, (int) (NOTIFY & 0xffff), 4, OptionalLong.of(1)); // port space: no conflict

        var missing = assertThrows(
                IllegalArgumentException.class, () -> vm.unregisterIoEventFd(a, NOTIFY, OptionalLong.of(2)));
        assertTrue(missing.getMessage().contains("not registered"), missing.getMessage());

        EventFd closed = EventFd.create();
        closed.close();
        assertThrows(
                IllegalStateException.class, () -> vm.registerIoEventFd(closed, 0xd000_1000L, 4, OptionalLong.empty()));
    }

    @Test
    void irqfdWithoutAnIrqchipFailsNamingTheIoctl() {
        EventFd a = eventFd();
        var e = assertThrows(VmmException.class, () -> vm.registerIrqFd(a, 5));
        assertTrue(e.getMessage().contains("KVM_IRQFD"), e.getMessage());
        assertTrue(e.getMessage().contains("irqchip"), e.getMessage());
        assertTrue(e.errno() != 0);
    }

    /**
     * Split irqchip, GSI 24 routed as an MSI to vector 0x40 of APIC 0. The guest enables its LAPIC and
     * halts with interrupts on; its handler reports the vector on port 0xe9, EOIs and halts again.
     */
    @Test
    void signallingTheIrqfdRunsTheGuestsHandlerUntilUnregistered() throws Exception {
        KvmX86Platform platform = new KvmX86Platform(vm);
        platform.prepare(Irqchip.SPLIT);
        GuestMemory mem = vm.allocateMemory(0, 0x10000);
        ByteBuffer gdt = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        gdt.putLong(0).putLong(0x00cf_9a00_0000_ffffL).putLong(0x00cf_9200_0000_ffffL);
        mem.write(0x2000, gdt.array());
        long handler = 0x1100;
        ByteBuffer gate = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        gate.putShort((short) handler)
                .putShort((short) 0x08)
                .put((byte) 0)
                .put((byte) 0x8e)
                .putShort((short) 0);
        mem.write(0x3000 + VECTOR * 8L, gate.array());
        ByteBuffer main = ByteBuffer.allocate(0x100).order(ByteOrder.LITTLE_ENDIAN);
        movToMemory(main, Layout.LAPIC_ADDRESS + 0xf0, 0x1ff); // software-enable the LAPIC
        main.put(bytes(0x66, 0xba, DONE_PORT, 0x00, 0xb0, 0x01, 0xee)); // out 0xe9, 1: ready
        main.put(bytes(0xfb, 0xf4, 0xeb, 0xfd)); // sti; hlt; jmp hlt
        mem.write(GuestSetup.CODE, Arrays.copyOf(main.array(), main.position()));
        // The handler never returns (KVM cannot emulate a protected-mode IRET under nested PVM): it
        // reports, EOIs, resets the stack and halts with interrupts on.
        ByteBuffer h = ByteBuffer.allocate(0x40).order(ByteOrder.LITTLE_ENDIAN);
        h.put(bytes(0x66, 0xba, DONE_PORT, 0x00, 0xb0, VECTOR, 0xee));
        movToMemory(h, Layout.LAPIC_ADDRESS + 0xb0, 0);
        h.put(bytes(0xbc, 0x00, 0x80, 0x00, 0x00, 0xfb, 0xf4, 0xeb, 0xfd));
        mem.write(handler, Arrays.copyOf(h.array(), h.position()));

        long[] addresses = new long[GSI + 1];
        int[] data = new int[GSI + 1];
        boolean[] enabled = new boolean[GSI + 1];
        addresses[GSI] = 0xfee0_0000L; // APIC 0, physical destination
        data[GSI] = VECTOR; // fixed, edge
        enabled[GSI] = true;
        vm.setMsiRoutes(addresses, data, enabled);
        EventFd irq = eventFd();
        vm.registerIrqFd(irq, GSI);
        var twice = assertThrows(IllegalArgumentException.class, () -> vm.registerIrqFd(irq, GSI + 1));
        assertTrue(twice.getMessage().contains("GSI " + GSI), twice.getMessage());

        KvmVcpu cpu = platform.createBootVcpu(0, 1);
        GuestSetup.protectedMode32(cpu, GuestSetup.CODE);
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .gdt(new DescriptorTable(0x2000, 23))
                .idt(new DescriptorTable(0x3000, (VECTOR + 1) * 8 - 1))
                .build());
        assertEquals(1, runToOut(cpu), "the guest's ready signal");

        irq.signal(); // pending before the guest halts
        assertEquals(VECTOR, runToOut(cpu), "the handler ran");

        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            // The vCPU is halted inside KVM_RUN when another thread signals: KVM wakes it.
            ScheduledFuture<?> signal = timer.schedule(irq::signal, 200, TimeUnit.MILLISECONDS);
            assertEquals(VECTOR, runToOut(cpu), "the handler ran again, woken from HLT");
            signal.get(5, TimeUnit.SECONDS);

            vm.unregisterIrqFd(irq, GSI);
            irq.signal();
            ScheduledFuture<?> stop = timer.schedule(cpu::requestStop, 300, TimeUnit.MILLISECONDS);
            VmExit last = cpu.run();
            assertEquals(ExitKind.STOP_REQUESTED, last.kind(), "no interrupt after unregistering: " + describe(last));
            stop.get(5, TimeUnit.SECONDS);
        } finally {
            timer.shutdownNow();
        }
        assertEquals(1, irq.tryRead(), "the unregistered irqfd kept its signal: KVM no longer consumes it");
    }

    /**
     * The in-kernel irqchip, as a {@code Machine} has it: the guest programs IOAPIC pin 21 edge-triggered
     * (a plain irqfd, as virtio-mmio uses) and pin 20 level-triggered (an irqfd with a resample eventfd,
     * which KVM signals when the guest's EOI reaches the IOAPIC). Pins 16-23 are the IOAPIC's alone, so
     * the uninitialised PIC takes no part.
     */
    @Test
    void inKernelIoApicTakesEdgeIrqfdsAndResamplesLevelOnes() throws Exception {
        assertTrue(vm.checkExtension(org.vmm4j.linux.abi.KvmHeader.KVM_CAP_IRQFD_RESAMPLE) > 0, "resample support");
        KvmX86Platform platform = new KvmX86Platform(vm);
        platform.prepare(Irqchip.KERNEL);
        GuestMemory mem = vm.allocateMemory(0, 0x10000);
        ByteBuffer gdt = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        gdt.putLong(0).putLong(0x00cf_9a00_0000_ffffL).putLong(0x00cf_9200_0000_ffffL);
        mem.write(0x2000, gdt.array());
        long[] handlers = {0x1100, 0x1200};
        int[] vectors = {VECTOR, VECTOR + 1};
        for (int i = 0; i < 2; i++) {
            ByteBuffer gate = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            gate.putShort((short) handlers[i])
                    .putShort((short) 0x08)
                    .put((byte) 0)
                    .put((byte) 0x8e)
                    .putShort((short) 0);
            mem.write(0x3000 + vectors[i] * 8L, gate.array());
            ByteBuffer h = ByteBuffer.allocate(0x40).order(ByteOrder.LITTLE_ENDIAN);
            h.put(bytes(0x66, 0xba, DONE_PORT, 0x00, 0xb0, vectors[i], 0xee));
            movToMemory(h, Layout.LAPIC_ADDRESS + 0xb0, 0);
            h.put(bytes(0xbc, 0x00, 0x80, 0x00, 0x00, 0xfb, 0xf4, 0xeb, 0xfd));
            mem.write(handlers[i], Arrays.copyOf(h.array(), h.position()));
        }
        ByteBuffer main = ByteBuffer.allocate(0x100).order(ByteOrder.LITTLE_ENDIAN);
        movToMemory(main, Layout.LAPIC_ADDRESS + 0xf0, 0x1ff); // software-enable the LAPIC
        movToMemory(main, Layout.IOAPIC_ADDRESS, 0x10 + 2 * 21); // pin 21: edge, fixed, APIC 0
        movToMemory(main, Layout.IOAPIC_ADDRESS + 0x10, VECTOR);
        movToMemory(main, Layout.IOAPIC_ADDRESS, 0x10 + 2 * 21 + 1);
        movToMemory(main, Layout.IOAPIC_ADDRESS + 0x10, 0);
        movToMemory(main, Layout.IOAPIC_ADDRESS, 0x10 + 2 * 20); // pin 20: level-triggered
        movToMemory(main, Layout.IOAPIC_ADDRESS + 0x10, 0x8000 | (VECTOR + 1));
        movToMemory(main, Layout.IOAPIC_ADDRESS, 0x10 + 2 * 20 + 1);
        movToMemory(main, Layout.IOAPIC_ADDRESS + 0x10, 0);
        main.put(bytes(0x66, 0xba, DONE_PORT, 0x00, 0xb0, 0x01, 0xee)); // out 0xe9, 1: ready
        main.put(bytes(0xfb, 0xf4, 0xeb, 0xfd)); // sti; hlt; jmp hlt
        mem.write(GuestSetup.CODE, Arrays.copyOf(main.array(), main.position()));

        EventFd edge = eventFd(), level = eventFd(), resample = eventFd();
        vm.registerIrqFd(edge, 21);
        vm.registerIrqFd(level, 20, resample);

        KvmVcpu cpu = platform.createBootVcpu(0, 1);
        GuestSetup.protectedMode32(cpu, GuestSetup.CODE);
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .gdt(new DescriptorTable(0x2000, 23))
                .idt(new DescriptorTable(0x3000, (VECTOR + 2) * 8 - 1))
                .build());
        assertEquals(1, runToOut(cpu), "the guest's ready signal");

        edge.signal();
        assertEquals(VECTOR, runToOut(cpu), "edge pin 21's handler ran");
        edge.signal();
        assertEquals(VECTOR, runToOut(cpu), "and again: an edge irqfd needs no resampling");
        assertEquals(0, resample.tryRead(), "edge pins and the edge irqfd never resample the level one");

        level.signal();
        assertEquals(VECTOR + 1, runToOut(cpu), "level pin 20's handler ran");
        // The handler's EOI reaches the IOAPIC inside KVM, which drops the line and signals resample.
        // (On this nested-PVM host the resample is already signalled when the handler's OUT exits,
        // before its EOI instruction, for a reason not traced yet; so the test asserts the signal and
        // the absence of re-delivery, not their exact moment.)
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            ScheduledFuture<?> stop = timer.schedule(cpu::requestStop, 300, TimeUnit.MILLISECONDS);
            VmExit last = cpu.run();
            assertEquals(ExitKind.STOP_REQUESTED, last.kind(), "no re-delivery once resampled: " + describe(last));
            stop.get(5, TimeUnit.SECONDS);
        } finally {
            timer.shutdownNow();
        }
        assertEquals(1, resample.tryRead(), "KVM signalled the resample eventfd at the guest's EOI");
        level.signal(); // the device still has work: assert the line again
        assertEquals(VECTOR + 1, runToOut(cpu), "re-asserted after the resample");
    }

    @Test
    void closingTheVmReleasesEveryDescriptor() throws IOException {
        vm.close();
        kvm.close();
        long before = openFds();
        kvm = KvmSystem.open();
        vm = kvm.createVm();
        vm.x86().prepare(Irqchip.KERNEL);
        EventFd io = EventFd.create(), irq = EventFd.create();
        vm.registerIoEventFd(io, NOTIFY, 4, OptionalLong.empty());
        vm.registerPortIoEventFd(io, PORT, 2, OptionalLong.of(9));
        vm.registerIrqFd(irq, 5);
        vm.close();
        kvm.close();
        io.close();
        irq.close();
        assertEquals(before, openFds(), "VM, vCPU-less KVM fds and both eventfds all closed");
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static int runToOut(KvmVcpu cpu) {
        VmExit e = cpu.run();
        assertEquals(ExitKind.IO_OUT, e.kind(), () -> "expected an OUT, got " + describe(e));
        assertEquals(DONE_PORT, e.ioPort());
        return (int) e.ioData(0) & 0xff;
    }
}
