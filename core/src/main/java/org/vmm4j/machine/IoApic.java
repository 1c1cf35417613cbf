package org.vmm4j.machine;

import org.vmm4j.StateSection;
import org.vmm4j.x86.InterruptLine;
import org.vmm4j.x86.Irqchip;
import org.vmm4j.x86.MsiController;

/**
 * An 82093AA-style I/O APIC for {@link Irqchip#SPLIT} machines: 24 pins whose redirection entries
 * the guest programs through IOREGSEL (offset 0x00) and IOWIN (offset 0x10) at
 * {@link org.vmm4j.boot.Layout#IOAPIC_ADDRESS}; an interrupt is sent to the local APICs as the MSI
 * its entry describes.
 *
 * <ul>
 *   <li>Edge-triggered pins send one message per rising edge. An edge that arrives while the pin
 *   is masked is remembered and sent when the guest unmasks it (as QEMU's IOAPIC does; the
 *   UART raises its line once and waits, so a lost edge would hang its driver).</li>
 *   <li>Level-triggered pins send while the line is high and the entry's remote IRR is clear, set
 *   remote IRR, and send again after the guest's end-of-interrupt ({@link #endOfInterrupt}) if the
 *   line is still high.</li>
 *   <li>Lines are logical: {@code setLevel(true)} means "asserted" whatever the entry's polarity
 *   bit says (QEMU and KVM treat device lines the same way).</li>
 *   <li>ExtINT entries are never sent: this machine has no 8259 PIC.</li>
 * </ul>
 *
 * Thread-safe; delivering allocates nothing. The pins' lines never call back into devices.
 */
public final class IoApic implements MmioDevice {
    public static final int PINS = Irqchip.IOAPIC_PINS;
    /** The MMIO window the machine maps the IOAPIC at. */
    public static final long MMIO_SIZE = 0x1000;

    public static final int IOREGSEL = 0x00;
    public static final int IOWIN = 0x10;
    /** Register 1: version 0x11 (82093AA), maximum redirection entry 23. */
    public static final int VERSION = 0x11 | (PINS - 1) << 16;

    static final long RTE_VECTOR = 0xffL;
    static final int RTE_DELIVERY_MODE_SHIFT = 8;
    static final long RTE_DEST_LOGICAL = 1L << 11;
    static final long RTE_DELIVERY_STATUS = 1L << 12;
    static final long RTE_POLARITY_LOW = 1L << 13;
    static final long RTE_REMOTE_IRR = 1L << 14;
    static final long RTE_LEVEL = 1L << 15;
    static final long RTE_MASKED = 1L << 16;
    static final int DELIVERY_LOWEST_PRIORITY = 1;
    static final int DELIVERY_EXTINT = 7;
    /** Bits of the low dword the guest may write (delivery status and remote IRR are read-only). */
    private static final long RTE_LOW_WRITABLE = 0x1_afffL;

    private final MsiController msi;
    private final long[] entries = new long[PINS];
    private final boolean[] lineHigh = new boolean[PINS];
    /** Edge pins: a rising edge not yet sent because the pin was masked. */
    private final boolean[] edgePending = new boolean[PINS];

    private final InterruptLine[] lines = new InterruptLine[PINS];
    private final long[] routeAddresses = new long[PINS];
    private final int[] routeData = new int[PINS];
    private final boolean[] routeEnabled = new boolean[PINS];
    private int select;
    private int id;
    private long delivered;

    /**
     * @param msi where interrupts go (the hypervisor's local APICs)
     * @param id  the IOAPIC's APIC id, as the MP table announces it
     */
    public IoApic(MsiController msi, int id) {
        if (msi == null) {
            throw new IllegalArgumentException("msi is null");
        }
        if (id < 0 || id > 254) {
            throw new IllegalArgumentException("IOAPIC id must be 0-254, not " + id);
        }
        this.msi = msi;
        this.id = id;
        for (int pin = 0; pin < PINS; pin++) {
            entries[pin] = RTE_MASKED;
            int p = pin;
            lines[pin] = asserted -> setLevel(p, asserted);
        }
    }

    /** The line wired to {@code pin} (ISA IRQ n is pin n, as the MP table says). */
    public InterruptLine line(int pin) {
        checkPin(pin);
        return lines[pin];
    }

    private static void checkPin(int pin) {
        if (pin < 0 || pin >= PINS) {
            throw new IllegalArgumentException("IOAPIC pin must be 0-" + (PINS - 1) + ", not " + pin);
        }
    }

    /** Drives {@code pin}'s line. */
    public synchronized void setLevel(int pin, boolean asserted) {
        checkPin(pin);
        boolean was = lineHigh[pin];
        lineHigh[pin] = asserted;
        long e = entries[pin];
        if ((e & RTE_LEVEL) != 0) {
            if (asserted) {
                serviceLevel(pin);
            }
        } else if (asserted && !was) {
            if ((e & RTE_MASKED) != 0) {
                edgePending[pin] = true;
            } else {
                send(e);
            }
        }
    }

    private void serviceLevel(int pin) {
        long e = entries[pin];
        if (lineHigh[pin] && (e & (RTE_MASKED | RTE_REMOTE_IRR)) == 0) {
            entries[pin] = e | RTE_REMOTE_IRR;
            send(e);
        }
    }

    /**
     * The guest's end-of-interrupt for {@code vector} (KVM_EXIT_IOAPIC_EOI): clears remote IRR of
     * the level-triggered pins with that vector and sends again those whose line is still high.
     */
    public synchronized void endOfInterrupt(int vector) {
        for (int pin = 0; pin < PINS; pin++) {
            long e = entries[pin];
            if ((e & RTE_LEVEL) != 0 && (e & RTE_REMOTE_IRR) != 0 && (e & RTE_VECTOR) == (vector & 0xff)) {
                entries[pin] = e & ~RTE_REMOTE_IRR;
                serviceLevel(pin);
            }
        }
    }

    private void send(long e) {
        int mode = (int) (e >>> RTE_DELIVERY_MODE_SHIFT) & 7;
        if (mode == DELIVERY_EXTINT) {
            return;
        }
        delivered++;
        msi.signalMsi(msiAddress(e), msiData(e));
    }

    /** The MSI address a redirection entry sends to: destination in bits 19:12, logical mode in bit 2. */
    static long msiAddress(long entry) {
        int mode = (int) (entry >>> RTE_DELIVERY_MODE_SHIFT) & 7;
        long dest = entry >>> 56;
        return 0xfee0_0000L
                | dest << 12
                | (mode == DELIVERY_LOWEST_PRIORITY ? 1L << 3 : 0)
                | ((entry & RTE_DEST_LOGICAL) != 0 ? 1L << 2 : 0);
    }

    /** The MSI data: vector, delivery mode, trigger mode (bit 15) and, for level, assert (bit 14). */
    static int msiData(long entry) {
        int data = (int) (entry & (RTE_VECTOR | 7L << RTE_DELIVERY_MODE_SHIFT));
        return (entry & RTE_LEVEL) != 0 ? data | 1 << 15 | 1 << 14 : data;
    }

    /** How many interrupts this IOAPIC has sent. */
    public synchronized long deliveredCount() {
        return delivered;
    }

    /** Redirection entry {@code pin}, both dwords. */
    public synchronized long redirectionEntry(int pin) {
        checkPin(pin);
        return entries[pin];
    }

    @Override
    public synchronized long mmioRead(long offset, int size) {
        if (offset == IOREGSEL) {
            return select;
        }
        if (offset == IOWIN) {
            return readRegister(select) & 0xffff_ffffL;
        }
        return 0;
    }

    @Override
    public synchronized void mmioWrite(long offset, int size, long value) {
        if (offset == IOREGSEL) {
            select = (int) value & 0xff;
        } else if (offset == IOWIN) {
            writeRegister(select, (int) value);
        }
    }

    private int readRegister(int register) {
        switch (register) {
            case 0x00:
            case 0x02:
                return id << 24;
            case 0x01:
                return VERSION;
            default:
                int pin = (register - 0x10) >> 1;
                if (register < 0x10 || pin >= PINS) {
                    return 0;
                }
                return (register & 1) == 0 ? (int) entries[pin] : (int) (entries[pin] >>> 32);
        }
    }

    private void writeRegister(int register, int value) {
        if (register == 0x00) {
            id = value >>> 24 & 0xff;
            return;
        }
        int pin = (register - 0x10) >> 1;
        if (register < 0x10 || pin >= PINS) {
            return; // version, arbitration and unimplemented registers are read-only
        }
        long old = entries[pin];
        long e;
        if ((register & 1) == 0) {
            e = (old & 0xffff_ffff_0000_0000L) | (old & 0xffff_ffffL & ~RTE_LOW_WRITABLE) | (value & RTE_LOW_WRITABLE);
            if ((e & RTE_LEVEL) == 0) {
                e &= ~RTE_REMOTE_IRR; // an edge entry has no remote IRR
            }
        } else {
            e = (old & 0xffff_ffffL) | ((long) value << 32);
        }
        entries[pin] = e;
        if (routeOf(e) != routeOf(old) || routeEnabled[pin] != ((e & RTE_MASKED) == 0)) {
            publishRoutes();
        }
        if ((e & RTE_MASKED) == 0) {
            if ((e & RTE_LEVEL) != 0) {
                edgePending[pin] = false;
                serviceLevel(pin);
            } else if (edgePending[pin]) {
                edgePending[pin] = false;
                send(e);
            }
        }
    }

    /** The bits that decide where an entry's MSI goes. */
    private static long routeOf(long e) {
        return e & (RTE_VECTOR | 7L << RTE_DELIVERY_MODE_SHIFT | RTE_DEST_LOGICAL | RTE_LEVEL | 0xffL << 56);
    }

    private void publishRoutes() {
        for (int pin = 0; pin < PINS; pin++) {
            long e = entries[pin];
            routeAddresses[pin] = msiAddress(e);
            routeData[pin] = msiData(e);
            routeEnabled[pin] = (e & RTE_MASKED) == 0 && ((e >>> RTE_DELIVERY_MODE_SHIFT) & 7) != DELIVERY_EXTINT;
        }
        msi.setIoapicRoutes(routeAddresses, routeData, routeEnabled);
    }

    /** The section {@link #saveState} writes. */
    public static final String STATE_SECTION = "ioapic";

    /** The redirection entries, line levels, pending edges, the register select and the id. */
    public synchronized StateSection saveState() {
        StateEncoder out =
                new StateEncoder(STATE_SECTION, 1).u8(PINS).u8(select).u8(id).i64(delivered);
        for (int pin = 0; pin < PINS; pin++) {
            out.i64(entries[pin]).bool(lineHigh[pin]).bool(edgePending[pin]);
        }
        return out.toSection();
    }

    /**
     * Puts back what {@link #saveState} saved and gives the hypervisor the MSI routes of the entries. No
     * interrupt is sent: those in flight are in the local APICs' saved state.
     *
     * @throws IllegalArgumentException if the section is not an IOAPIC's or is damaged
     */
    public synchronized void restoreState(StateSection section) {
        StateDecoder in = new StateDecoder(section, STATE_SECTION, 1);
        int pins = in.u8();
        if (pins != PINS) {
            throw new IllegalArgumentException("the saved IOAPIC has " + pins + " pins, not " + PINS);
        }
        int newSelect = in.u8();
        int newId = in.u8();
        long newDelivered = in.i64();
        long[] newEntries = new long[PINS];
        boolean[] newHigh = new boolean[PINS];
        boolean[] newPending = new boolean[PINS];
        for (int pin = 0; pin < PINS; pin++) {
            newEntries[pin] = in.i64();
            newHigh[pin] = in.bool();
            newPending[pin] = in.bool();
        }
        in.end();
        select = newSelect;
        id = newId;
        delivered = newDelivered;
        System.arraycopy(newEntries, 0, entries, 0, PINS);
        System.arraycopy(newHigh, 0, lineHigh, 0, PINS);
        System.arraycopy(newPending, 0, edgePending, 0, PINS);
        publishRoutes();
    }
}
