package org.vmm4j.machine;

/**
 * Port I/O dispatch through a table with one slot per port (65,536), as gokvm does: a lookup is
 * an array index, never a map or a search, and allocates nothing. Ports no device claims read as
 * all ones (an empty ISA bus) and ignore writes.
 *
 * <p>Register devices before vCPUs run; dispatch may then happen on any number of threads.
 */
public final class PortIoBus {

    public static final int PORTS = 65536;

    private final PortIoDevice[] devices = new PortIoDevice[PORTS];
    private final char[] bases = new char[PORTS];

    /** An empty bus: every port reads as all ones until a device is registered. */
    public PortIoBus() {}

    /**
     * Attaches {@code device} to ports {@code [base, base + count)}.
     *
     * @throws IllegalArgumentException if the range is outside 0-65535 or a port is taken
     */
    public synchronized void register(int base, int count, PortIoDevice device) {
        if (device == null) {
            throw new IllegalArgumentException("device is null");
        }
        if (base < 0 || count < 1 || base + count > PORTS) {
            throw new IllegalArgumentException(
                    "port range 0x" + Integer.toHexString(base) + "+" + count + " is outside 0x0-0xffff");
        }
        for (int p = base; p < base + count; p++) {
            if (devices[p] != null) {
                throw new IllegalArgumentException("port 0x" + Integer.toHexString(p) + " is already taken by "
                        + devices[p].getClass().getSimpleName());
            }
        }
        for (int p = base; p < base + count; p++) {
            devices[p] = device;
            bases[p] = (char) base;
        }
    }

    /** The device at {@code port}, or {@code null}. */
    public PortIoDevice deviceAt(int port) {
        return devices[port & 0xffff];
    }

    /** A guest read: the device's answer, or all ones for an unclaimed port; masked to {@code size} bytes. */
    public int read(int port, int size) {
        int p = port & 0xffff;
        PortIoDevice d = devices[p];
        int mask = mask(size);
        return d == null ? mask : d.ioRead(p - bases[p], size) & mask;
    }

    /** A guest write; ignored for an unclaimed port. */
    public void write(int port, int size, int value) {
        int p = port & 0xffff;
        PortIoDevice d = devices[p];
        if (d != null) {
            d.ioWrite(p - bases[p], size, value & mask(size));
        }
    }

    static int mask(int size) {
        return size >= 4 ? -1 : (1 << (size * 8)) - 1;
    }
}
