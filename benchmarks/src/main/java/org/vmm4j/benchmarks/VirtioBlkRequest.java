package org.vmm4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vmm4j.event.EventFd;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.virtio.GuestRam;
import org.vmm4j.virtio.VirtioBlk;
import org.vmm4j.virtio.VirtioMmio;

/**
 * One virtio-blk request of 4 KiB through the whole device path, against the bare system call on the same
 * file and buffer. {@link #device}: the driver's side publishes a three-descriptor chain (header, 4 KiB of
 * data, status) and writes QueueNotify; the transport and {@link VirtioBlk} pop it (descriptor walk and
 * checks), {@code pread}/{@code pwrite} 4 KiB between the file and guest RAM, write the status, add the used
 * element and signal the interrupt through an {@link EventFd} write, as an irqfd would be. {@link #bare}:
 * {@code pread}/{@code pwrite} of the same 4 KiB at the same offset through the same native seam;
 * {@link #bareAndSignal}: that and the eventfd write. The difference is the device's overhead per request;
 * run with {@code -prof gc}: the device allocates nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VirtioBlkRequest {
    private static final long BASE = 0x10_0000;
    private static final long SIZE = 0x10_0000;
    private static final int QUEUE_SIZE = 256;
    private static final long DESC = BASE + 0x1000;
    private static final long AVAIL = BASE + 0x2000;
    private static final long USED = BASE + 0x3000;
    private static final long HEADER = BASE + 0x4000;
    private static final long STATUS = BASE + 0x4100;
    private static final long DATA = BASE + 0x8000;
    private static final int LENGTH = 4096;
    private static final long SECTOR = 64;

    // virtio-mmio registers (virtio 1.x section 4.2.2)
    private static final int DEVICE_FEATURES = 0x010;
    private static final int DEVICE_FEATURES_SEL = 0x014;
    private static final int DRIVER_FEATURES = 0x020;
    private static final int DRIVER_FEATURES_SEL = 0x024;
    private static final int QUEUE_NUM = 0x038;
    private static final int QUEUE_READY = 0x044;
    private static final int QUEUE_NOTIFY = 0x050;
    private static final int STATUS_REGISTER = 0x070;
    private static final int QUEUE_DESC_LOW = 0x080;
    private static final int QUEUE_DRIVER_LOW = 0x090;
    private static final int QUEUE_DEVICE_LOW = 0x0a0;
    private static final long RING_EVENT_IDX = 1L << 29;

    @Param({"read", "write"})
    public String op;

    private final Libc libc = Libc.get();
    private Path file;
    private NativeMemory ram;
    private NativeGuestMemory memory;
    private EventFd irq;
    private VirtioBlk blk;
    private VirtioMmio mmio;
    private int fd;
    private int availIdx;
    private boolean write;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        write = op.equals("write");
        file = Files.createTempFile("vmm4j-blk-bench", ".img");
        Files.write(file, new byte[1 << 20]);
        ram = libc.map(
                "benchmark guest RAM",
                SIZE,
                Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS,
                -1,
                0);
        memory = new NativeGuestMemory(BASE, ram, false, false, 0);
        irq = EventFd.create();
        blk = VirtioBlk.open(file, false);
        mmio = new VirtioMmio(blk, GuestRam.of(memory), cause -> irq.signal());
        mmio.mmioWrite(STATUS_REGISTER, 4, 1 | 2);
        mmio.mmioWrite(DEVICE_FEATURES_SEL, 4, 0);
        // no EVENT_IDX and no NO_INTERRUPT flag: every request interrupts, as the worst case
        long low = mmio.mmioRead(DEVICE_FEATURES, 4) & ~RING_EVENT_IDX;
        mmio.mmioWrite(DRIVER_FEATURES_SEL, 4, 0);
        mmio.mmioWrite(DRIVER_FEATURES, 4, low);
        mmio.mmioWrite(DRIVER_FEATURES_SEL, 4, 1);
        mmio.mmioWrite(DRIVER_FEATURES, 4, 1);
        mmio.mmioWrite(STATUS_REGISTER, 4, 1 | 2 | 8);
        mmio.mmioWrite(QUEUE_NUM, 4, QUEUE_SIZE);
        mmio.mmioWrite(QUEUE_DESC_LOW, 4, DESC);
        mmio.mmioWrite(QUEUE_DRIVER_LOW, 4, AVAIL);
        mmio.mmioWrite(QUEUE_DEVICE_LOW, 4, USED);
        mmio.mmioWrite(QUEUE_READY, 4, 1);
        mmio.mmioWrite(STATUS_REGISTER, 4, 1 | 2 | 8 | 4);

        put(HEADER, write ? VirtioBlk.T_OUT : VirtioBlk.T_IN);
        memory.putLong(HEADER + 8 - BASE, SECTOR);
        descriptor(0, HEADER, 16, 1, 1);
        descriptor(1, DATA, LENGTH, 1 | (write ? 0 : 2), 2);
        descriptor(2, STATUS, 1, 2, 0);
        fd = libc.open(file.toString(), Libc.O_RDWR, 0);
        if (fd < 0) {
            throw new IllegalStateException("open " + file + ": " + fd);
        }
    }

    private void put(long address, int value) {
        memory.putInt(address - BASE, value);
    }

    private void descriptor(int index, long address, int length, int flags, int next) {
        long at = DESC - BASE + 16L * index;
        memory.putLong(at, address);
        memory.putInt(at + 8, length);
        memory.putShort(at + 12, (short) flags);
        memory.putShort(at + 14, (short) next);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        long failed = blk.requestsFailed();
        blk.close();
        irq.close();
        libc.close(fd);
        ram.close();
        Files.deleteIfExists(file);
        if (failed != 0) {
            throw new IllegalStateException(failed + " requests failed: the benchmark measured errors");
        }
    }

    /** The whole device path for one request; returns the status byte (0). */
    @Benchmark
    public int device() {
        memory.putShort(AVAIL - BASE + 4 + 2L * (availIdx & (QUEUE_SIZE - 1)), (short) 0);
        availIdx = (availIdx + 1) & 0xffff;
        memory.putShort(AVAIL - BASE + 2, (short) availIdx);
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 0);
        return memory.getByte(STATUS - BASE);
    }

    /** The same 4 KiB between the same file offset and the same guest buffer, with nothing else. */
    @Benchmark
    public long bare() {
        long offset = DATA - BASE;
        long position = SECTOR * VirtioBlk.SECTOR_SIZE;
        return write ? libc.pwrite(fd, ram, offset, LENGTH, position) : libc.pread(fd, ram, offset, LENGTH, position);
    }

    /**
     * {@link #bare} plus the interrupt's eventfd write: the two system calls the device path makes, so
     * {@link #device} minus this is the device's own (Java) work per request.
     */
    @Benchmark
    public long bareAndSignal() {
        long n = bare();
        irq.signal();
        return n;
    }
}
