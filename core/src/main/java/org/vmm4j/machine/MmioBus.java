package org.vmm4j.machine;

/**
 * MMIO dispatch by address range: sorted arrays of range starts and ends searched by binary
 * search, allocating nothing per access. Unclaimed addresses read as all ones and ignore writes.
 *
 * <p>Registration replaces the arrays as a whole (copy-on-write), so it is safe while vCPUs run.
 */
public final class MmioBus {

    private static final class Ranges {
        final long[] starts;
        final long[] ends;
        final MmioDevice[] devices;

        Ranges(long[] starts, long[] ends, MmioDevice[] devices) {
            this.starts = starts;
            this.ends = ends;
            this.devices = devices;
        }
    }

    private volatile Ranges ranges = new Ranges(new long[0], new long[0], new MmioDevice[0]);

    /** An empty bus: every address reads as all ones until a device is registered. */
    public MmioBus() {}

    /**
     * Attaches {@code device} to guest-physical {@code [base, base + length)}.
     *
     * @throws IllegalArgumentException if the length is not positive, the range wraps, or it
     *         overlaps a registered range
     */
    public synchronized void register(long base, long length, MmioDevice device) {
        if (device == null) {
            throw new IllegalArgumentException("device is null");
        }
        if (length <= 0 || (base + length < base && base + length != 0)) {
            throw new IllegalArgumentException(
                    "MMIO range 0x" + Long.toHexString(base) + "+" + length + " is empty or wraps");
        }
        Ranges r = ranges;
        int n = r.starts.length;
        int i = insertionPoint(r.starts, base);
        long end = base + length;
        if ((i > 0 && Long.compareUnsigned(r.ends[i - 1], base) > 0)
                || (i < n && Long.compareUnsigned(r.starts[i], end) < 0)) {
            throw new IllegalArgumentException("MMIO range 0x" + Long.toHexString(base) + "-0x" + Long.toHexString(end)
                    + " overlaps a registered device");
        }
        long[] starts = new long[n + 1];
        long[] ends = new long[n + 1];
        MmioDevice[] devices = new MmioDevice[n + 1];
        System.arraycopy(r.starts, 0, starts, 0, i);
        System.arraycopy(r.ends, 0, ends, 0, i);
        System.arraycopy(r.devices, 0, devices, 0, i);
        starts[i] = base;
        ends[i] = end;
        devices[i] = device;
        System.arraycopy(r.starts, i, starts, i + 1, n - i);
        System.arraycopy(r.ends, i, ends, i + 1, n - i);
        System.arraycopy(r.devices, i, devices, i + 1, n - i);
        ranges = new Ranges(starts, ends, devices);
    }

    private static int insertionPoint(long[] starts, long base) {
        int i = 0;
        while (i < starts.length && Long.compareUnsigned(starts[i], base) < 0) {
            i++;
        }
        return i;
    }

    /** The index of the range containing {@code address}, or -1. */
    private static int find(Ranges r, long address) {
        long[] starts = r.starts;
        int lo = 0;
        int hi = starts.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(starts[mid], address) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        // hi is the last range starting at or below the address
        return hi >= 0 && Long.compareUnsigned(address, r.ends[hi]) < 0 ? hi : -1;
    }

    /** A guest read of {@code size} bytes at {@code address}. */
    public long read(long address, int size) {
        Ranges r = ranges;
        int i = find(r, address);
        long mask = size >= 8 ? -1L : (1L << (size * 8)) - 1;
        return i < 0 ? mask : r.devices[i].mmioRead(address - r.starts[i], size) & mask;
    }

    /** A guest write of {@code size} bytes at {@code address}. */
    public void write(long address, int size, long value) {
        Ranges r = ranges;
        int i = find(r, address);
        if (i >= 0) {
            r.devices[i].mmioWrite(address - r.starts[i], size, value);
        }
    }

    /** Whether a device claims {@code address}. */
    public boolean claims(long address) {
        return find(ranges, address) >= 0;
    }

    @Override
    public String toString() {
        Ranges r = ranges;
        StringBuilder s = new StringBuilder("MmioBus[");
        for (int i = 0; i < r.starts.length; i++) {
            s.append(i == 0 ? "" : ", ")
                    .append("0x")
                    .append(Long.toHexString(r.starts[i]))
                    .append("-0x")
                    .append(Long.toHexString(r.ends[i]))
                    .append(' ')
                    .append(r.devices[i].getClass().getSimpleName());
        }
        return s.append(']').toString();
    }
}
