package org.vmm4j.machine;

/**
 * PCI configuration mechanism #1: the address register at 0xcf8 and the data window at
 * 0xcfc-0xcff. Bus 0 functions can be attached; every other address answers "no device"
 * (all ones), which is what a guest's enumeration expects for an empty slot.
 *
 * <p>Register it at {@link #ADDRESS_PORT} with a length of {@link #PORT_SPAN}.
 */
public final class PciConfigSpace implements PortIoDevice {

    public static final int ADDRESS_PORT = 0xcf8;
    public static final int DATA_PORT = 0xcfc;
    public static final int PORT_SPAN = 8;
    public static final int ENABLE = 0x8000_0000;
    public static final int DEVICES_PER_BUS = 32;
    public static final int FUNCTIONS_PER_DEVICE = 8;

    /** One PCI function's 256-byte configuration space. */
    public interface Function {

        /** Reads {@code size} bytes at {@code register} (0-255, naturally aligned). */
        int readConfig(int register, int size);

        /** Writes {@code size} bytes at {@code register}. */
        void writeConfig(int register, int size, int value);
    }

    private final Function[] functions = new Function[DEVICES_PER_BUS * FUNCTIONS_PER_DEVICE];
    private int address;

    /** Configuration space with no device attached. */
    public PciConfigSpace() {}

    /**
     * Attaches {@code function} at bus 0, {@code device}, {@code function number}.
     *
     * @throws IllegalArgumentException if the slot is out of range or taken
     */
    public synchronized void attach(int device, int functionNumber, Function function) {
        if (device < 0 || device >= DEVICES_PER_BUS || functionNumber < 0 || functionNumber >= FUNCTIONS_PER_DEVICE) {
            throw new IllegalArgumentException("no PCI slot 00:" + device + "." + functionNumber);
        }
        int slot = device * FUNCTIONS_PER_DEVICE + functionNumber;
        if (functions[slot] != null) {
            throw new IllegalArgumentException("PCI slot 00:" + device + "." + functionNumber + " is taken");
        }
        functions[slot] = function;
    }

    @Override
    public synchronized int ioRead(int offset, int size) {
        if (offset < 4) {
            return address >>> (offset * 8);
        }
        Function f = selected();
        if (f == null) {
            return -1;
        }
        return f.readConfig((address & 0xfc) + (offset - 4), size);
    }

    @Override
    public synchronized void ioWrite(int offset, int size, int value) {
        if (offset < 4) {
            int shift = offset * 8;
            int mask = PortIoBus.mask(size) << shift;
            address = (address & ~mask) | ((value << shift) & mask);
            address &= 0x80ff_fffc; // reserved bits 30:24 and 1:0 read as zero
            return;
        }
        Function f = selected();
        if (f != null) {
            f.writeConfig((address & 0xfc) + (offset - 4), size, value);
        }
    }

    /** The function the address register selects, or {@code null} for "no device". */
    private Function selected() {
        if ((address & ENABLE) == 0 || ((address >>> 16) & 0xff) != 0) {
            return null;
        }
        return functions[(address >>> 8) & 0xff];
    }
}
