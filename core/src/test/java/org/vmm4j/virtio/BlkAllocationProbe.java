package org.vmm4j.virtio;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * Counts the bytes a thread allocates while {@link VirtioBlk} serves 4 KiB IN and OUT requests through its
 * virtio-mmio transport, warmed up first. {@link VirtioBlkTest} runs it in a JVM of its own, where only this
 * path's downcalls are hot (see there).
 * Prints {@code allocated=N requests=N failed=N control=N}.
 */
final class BlkAllocationProbe {
    private static final long BASE = 0x10000;
    private static final int QSIZE = 256;
    private static final long DESC = 0x11000;
    private static final long AVAIL = 0x12000;
    private static final long USED = 0x13000;
    private static final long HEADERS = 0x14000;
    private static final long STATUSES = 0x16000;
    private static final long DATA = 0x20000;

    private static volatile Object sink;
    /** Measured rounds at most, after the warm-up. */
    static final int ROUNDS = 10;

    private BlkAllocationProbe() {}

    public static void main(String[] args) {
        int n = Integer.parseInt(args[1]);
        Libc libc = Libc.get();
        try (NativeMemory ram = libc.map(
                        "probe guest RAM",
                        0x100000,
                        Libc.PROT_READ | Libc.PROT_WRITE,
                        Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS,
                        -1,
                        0);
                VirtioBlk blk = VirtioBlk.open(Path.of(args[0]), false)) {
            NativeGuestMemory memory = new NativeGuestMemory(BASE, ram, false, false, 0);
            Rings rings = new Rings(memory, QSIZE, DESC, AVAIL, USED);
            VirtioMmio mmio = new VirtioMmio(blk, GuestRam.of(memory), cause -> {});
            mmio.mmioWrite(0x070, 4, 1 | 2);
            mmio.mmioWrite(0x014, 4, 0);
            long low = mmio.mmioRead(0x010, 4) & ~VirtioFeatures.RING_EVENT_IDX;
            mmio.mmioWrite(0x024, 4, 0);
            mmio.mmioWrite(0x020, 4, low);
            mmio.mmioWrite(0x024, 4, 1);
            mmio.mmioWrite(0x020, 4, 1);
            mmio.mmioWrite(0x070, 4, 1 | 2 | 8);
            mmio.mmioWrite(0x038, 4, QSIZE);
            mmio.mmioWrite(0x080, 4, DESC);
            mmio.mmioWrite(0x090, 4, AVAIL);
            mmio.mmioWrite(0x0a0, 4, USED);
            mmio.mmioWrite(0x044, 4, 1);
            mmio.mmioWrite(0x070, 4, 1 | 2 | 8 | 4);
            memory.putInt(HEADERS - BASE, VirtioBlk.T_IN);
            memory.putLong(HEADERS - BASE + 8, 8);
            memory.putInt(HEADERS - BASE + 16, VirtioBlk.T_OUT);
            memory.putLong(HEADERS - BASE + 24, 16);
            // descriptors 0-2: IN of 4 KiB; 3-5: OUT of 4 KiB
            rings.descriptor(0, HEADERS, 16, Rings.NEXT, 1);
            rings.descriptor(1, DATA, 4096, Rings.WRITE | Rings.NEXT, 2);
            rings.descriptor(2, STATUSES, 1, Rings.WRITE, 0);
            rings.descriptor(3, HEADERS + 16, 16, Rings.NEXT, 4);
            rings.descriptor(4, DATA + 0x2000, 4096, Rings.NEXT, 5);
            rings.descriptor(5, STATUSES + 1, 1, Rings.WRITE, 0);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            for (int i = 0; i < n; i++) { // warm up: let the JIT compile the path
                rings.publish(0);
                rings.publish(3);
                mmio.mmioWrite(0x050, 4, 0);
            }
            // Steady state: on a loaded host the JIT may not have compiled the path within the warm-up (the
            // interpreted FFM call path allocates), so measure rounds of n until one is under a byte per
            // notification, at most ROUNDS; the last round measured is the one reported.
            long allocated = Long.MAX_VALUE;
            int rounds = 0;
            while (rounds < ROUNDS && allocated >= n) {
                rounds++;
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < n; i++) {
                    rings.publish(0);
                    rings.publish(3);
                    mmio.mmioWrite(0x050, 4, 0);
                }
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            long control = threads.getCurrentThreadAllocatedBytes();
            sink = new byte[10_000];
            control = threads.getCurrentThreadAllocatedBytes() - control;
            System.out.println("allocated=" + allocated + " requests=" + blk.requestsServed() + " failed="
                    + blk.requestsFailed() + " control=" + control + " usedIdx=" + rings.usedIdx() + " rounds=" + rounds
                    + (sink == null ? " (no sink)" : ""));
        }
    }
}
