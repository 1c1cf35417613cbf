package org.vmm4j.machine;

import java.io.OutputStream;
import java.util.function.IntFunction;
import org.vmm4j.x86.InterruptLine;
import org.vmm4j.x86.Irqchip;

/**
 * The legacy PC devices a Linux guest expects, wired onto fresh buses at their standard places:
 * COM1 (0x3f8, IRQ 4), the i8042 (0x60/0x64, IRQ 1), the CMOS RTC (0x70/0x71), PCI configuration
 * space (0xcf8-0xcff), the boot timer (port {@link BootTimer#DEFAULT_PORT} and MMIO
 * {@link #BOOT_TIMER_MMIO_ADDRESS}) and, if asked for, a debug-exit port (0x501). The PIC, PIT,
 * IOAPIC and local APICs are the hypervisor's (KVM's in-kernel irqchip and PIT), or, on an
 * {@link Irqchip#SPLIT} machine, the IOAPIC is vmm4j's ({@link IoApic}, mapped by {@link Machine}).
 */
public final class PcDevices {

    /**
     * The boot timer's MMIO page: in the 32-bit MMIO hole, right after the virtio-mmio slots
     * ({@link org.vmm4j.boot.Layout#virtioMmioAddress}), which start the hole.
     */
    public static final long BOOT_TIMER_MMIO_ADDRESS = org.vmm4j.boot.Layout.VIRTIO_MMIO_BASE
            + org.vmm4j.boot.Layout.VIRTIO_MMIO_SLOTS * org.vmm4j.boot.Layout.VIRTIO_MMIO_WINDOW;

    public static final long BOOT_TIMER_MMIO_SIZE = 0x1000;

    private final PortIoBus ports = new PortIoBus();
    private final MmioBus mmio = new MmioBus();
    private final Uart16550 serial;
    private final I8042 keyboardController;
    private final CmosRtc rtc = new CmosRtc();
    private final PciConfigSpace pci = new PciConfigSpace();
    private final BootTimer bootTimer;
    private final ExitDispatcher dispatcher;

    /**
     * @param console       where the guest's serial output goes
     * @param irqLine       the interrupt line for an ISA IRQ number (the machine's irqchip)
     * @param resetListener called when the guest resets the machine through the i8042
     * @param bootListener  told when the guest's init writes the boot timer, or {@code null}
     * @param debugExit     told when the guest writes the debug-exit port, or {@code null} for no such port
     */
    public PcDevices(
            OutputStream console,
            IntFunction<InterruptLine> irqLine,
            Runnable resetListener,
            BootTimer.Listener bootListener,
            DebugExit.Listener debugExit) {
        serial = new Uart16550(console, irqLine.apply(Uart16550.COM1_IRQ));
        keyboardController = new I8042(resetListener, irqLine.apply(I8042.KEYBOARD_IRQ));
        bootTimer = new BootTimer(bootListener);
        ports.register(Uart16550.COM1_PORT, Uart16550.REGISTER_COUNT, serial);
        ports.register(I8042.DATA_PORT, I8042.PORT_SPAN, keyboardController);
        ports.register(CmosRtc.INDEX_PORT, CmosRtc.PORT_SPAN, rtc);
        ports.register(PciConfigSpace.ADDRESS_PORT, PciConfigSpace.PORT_SPAN, pci);
        ports.register(BootTimer.DEFAULT_PORT, 1, bootTimer);
        mmio.register(BOOT_TIMER_MMIO_ADDRESS, BOOT_TIMER_MMIO_SIZE, bootTimer);
        if (debugExit != null) {
            ports.register(DebugExit.DEFAULT_PORT, 2, new DebugExit(debugExit));
        }
        dispatcher = new ExitDispatcher(ports, mmio);
    }

    public PortIoBus ports() {
        return ports;
    }

    public MmioBus mmio() {
        return mmio;
    }

    /** Routes I/O and MMIO exits to these devices. */
    public ExitDispatcher dispatcher() {
        return dispatcher;
    }

    /** COM1: queue console input with {@link Uart16550#queueInput}. */
    public Uart16550 serial() {
        return serial;
    }

    public I8042 keyboardController() {
        return keyboardController;
    }

    public CmosRtc rtc() {
        return rtc;
    }

    public PciConfigSpace pci() {
        return pci;
    }

    /** Call {@link BootTimer#start()} when the vCPUs start. */
    public BootTimer bootTimer() {
        return bootTimer;
    }
}
