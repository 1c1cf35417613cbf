package org.vmm4j.virtio;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.vmm4j.GuestMemory;
import org.vmm4j.VmmException;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * The virtio block device (device ID 2, virtio 1.x section 5.2) over a raw image file or a block
 * device, which it opens itself and closes with {@link #close()}. One request queue of
 * {@value #QUEUE_SIZE}; every request the driver made available is served in one notification.
 *
 * <p>A request is a chain of a 16-byte header (type, reserved, sector) at the start of the first
 * descriptor, its data, and a status byte: the last byte of the last descriptor, which must be
 * device-writable (a chain without one cannot be answered: the device throws, and the transport sets
 * DEVICE_NEEDS_RESET). The data are the bytes between the two, in order, whatever the framing:
 * device-writable for {@code IN} and {@code GET_ID}, device-readable for {@code OUT}, {@code DISCARD}
 * and {@code WRITE_ZEROES}. Reads and writes go between the file and guest RAM with {@code pread} and
 * {@code pwrite}, one call per data segment (more only when the kernel transfers less), without a copy.
 *
 * <p>Answers: {@code VIRTIO_BLK_S_OK}; {@code VIRTIO_BLK_S_IOERR} for a header shorter than 16 bytes,
 * data in the wrong direction, a data length that is not a multiple of 512, sectors past the capacity,
 * a write to a read-only disk and a failed system call, all but the last before any I/O; {@code
 * VIRTIO_BLK_S_UNSUPP} for a type the device does not offer. The used length is the number of bytes
 * written into the driver's buffers (data read, the ID, the status byte).
 *
 * <p>Offered features: SEG_MAX, BLK_SIZE (512), FLUSH (served with {@code fdatasync}), and RO for a
 * read-only disk, or else DISCARD ({@code fallocate} PUNCH_HOLE) and WRITE_ZEROES ({@code fallocate}
 * ZERO_RANGE, falling back to punching or writing zeros where the file system cannot).
 *
 * <p>Requests are served on the notifying thread, holding the device's lock (so {@link #reset} waits
 * for a request in progress). Nothing is allocated per request.
 */
public final class VirtioBlk implements VirtioDevice {
    /** The virtio device ID of a block device. */
    public static final int DEVICE_ID = 2;
    /** The size of the request queue. */
    public static final int QUEUE_SIZE = 256;
    /** The sector size of the virtio block protocol, in bytes. */
    public static final int SECTOR_SIZE = 512;
    /** The length of the ID string ({@code GET_ID}). */
    public static final int ID_BYTES = 20;

    /** VIRTIO_BLK_F_SEG_MAX: {@code seg_max} holds the most data segments of a request. */
    public static final long F_SEG_MAX = 1L << 2;
    /** VIRTIO_BLK_F_RO: the disk is read-only. */
    public static final long F_RO = 1L << 5;
    /** VIRTIO_BLK_F_BLK_SIZE: {@code blk_size} holds the block size. */
    public static final long F_BLK_SIZE = 1L << 6;
    /** VIRTIO_BLK_F_FLUSH: the FLUSH command. */
    public static final long F_FLUSH = 1L << 9;
    /** VIRTIO_BLK_F_DISCARD: the DISCARD command. */
    public static final long F_DISCARD = 1L << 13;
    /** VIRTIO_BLK_F_WRITE_ZEROES: the WRITE_ZEROES command. */
    public static final long F_WRITE_ZEROES = 1L << 14;

    /** Request type: read sectors into the driver's buffers. */
    public static final int T_IN = 0;
    /** Request type: write sectors from the driver's buffers. */
    public static final int T_OUT = 1;
    /** Request type: make the writes so far durable ({@code fdatasync}). */
    public static final int T_FLUSH = 4;
    /** Request type: the device's ID string ({@value #ID_BYTES} bytes). */
    public static final int T_GET_ID = 8;
    /** Request type: discard ranges of sectors. */
    public static final int T_DISCARD = 11;
    /** Request type: make ranges of sectors read as zeros. */
    public static final int T_WRITE_ZEROES = 13;

    /** Status: done. */
    public static final int S_OK = 0;
    /** Status: refused or failed (a bad request, a read-only disk, a failed system call). */
    public static final int S_IOERR = 1;
    /** Status: a request type or flag the device does not support. */
    public static final int S_UNSUPP = 2;

    /** {@code VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP}. */
    public static final int WRITE_ZEROES_FLAG_UNMAP = 1;

    // struct virtio_blk_config (packed, little-endian)
    static final int CONFIG_CAPACITY = 0;
    static final int CONFIG_SEG_MAX = 12;
    static final int CONFIG_BLK_SIZE = 20;
    static final int CONFIG_MAX_DISCARD_SECTORS = 36;
    static final int CONFIG_MAX_DISCARD_SEG = 40;
    static final int CONFIG_DISCARD_SECTOR_ALIGNMENT = 44;
    static final int CONFIG_MAX_WRITE_ZEROES_SECTORS = 48;
    static final int CONFIG_MAX_WRITE_ZEROES_SEG = 52;
    static final int CONFIG_WRITE_ZEROES_MAY_UNMAP = 56;
    /** The configuration space up to {@code unused1} (no secure-erase fields). */
    static final int CONFIG_SIZE = 60;

    /** The most data segments of a request: the queue less the header and the status descriptors. */
    public static final int SEG_MAX = QUEUE_SIZE - 2;
    /** The most sectors one DISCARD or WRITE_ZEROES range may cover (2 GiB - 512). */
    public static final int MAX_RANGE_SECTORS = 0x3f_ffff;
    /** The most ranges in one DISCARD or WRITE_ZEROES request. */
    public static final int MAX_RANGES = 32;

    private static final int HEADER_BYTES = 16;
    private static final int RANGE_BYTES = 16;
    private static final int ZEROS_BYTES = 64 * 1024;
    /** Linux's EOPNOTSUPP (ENOTSUP), what fallocate answers where a file system lacks the mode. */
    private static final int EOPNOTSUPP = 95;

    private final Libc libc = Libc.get();
    private final String name;
    private final boolean readOnly;
    private final long capacity;
    private final byte[] id = new byte[ID_BYTES];
    private final ConfigSpace config = new ConfigSpace(CONFIG_SIZE);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private NativeMemory zeros;
    private int fd;
    private volatile long driverFeatures;
    private volatile boolean activated;
    private Virtqueue queue;
    private DescriptorChain chain;
    private VirtioTransport transport;
    /** The used length of the request in progress: bytes written into the driver's buffers. */
    private long usedLength;

    private VirtioBlk(String name, int fd, long capacityBytes, boolean readOnly, String serial) {
        this.name = name;
        this.fd = fd;
        this.readOnly = readOnly;
        this.capacity = capacityBytes / SECTOR_SIZE;
        byte[] s = serial.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(s, 0, id, 0, s.length);
        config.put(CONFIG_CAPACITY, 8, capacity);
        config.put(CONFIG_SEG_MAX, 4, SEG_MAX);
        config.put(CONFIG_BLK_SIZE, 4, SECTOR_SIZE);
        if (!readOnly) {
            config.put(CONFIG_MAX_DISCARD_SECTORS, 4, MAX_RANGE_SECTORS);
            config.put(CONFIG_MAX_DISCARD_SEG, 4, MAX_RANGES);
            config.put(CONFIG_DISCARD_SECTOR_ALIGNMENT, 4, 1);
            config.put(CONFIG_MAX_WRITE_ZEROES_SECTORS, 4, MAX_RANGE_SECTORS);
            config.put(CONFIG_MAX_WRITE_ZEROES_SEG, 4, MAX_RANGES);
            config.put(CONFIG_WRITE_ZEROES_MAY_UNMAP, 1, 0);
        }
    }

    /** Opens {@code path} (a raw image or a block device), read-write or read-only, with no serial number. */
    public static VirtioBlk open(Path path, boolean readOnly) {
        return open(path, readOnly, false, "");
    }

    /**
     * Opens {@code path}, a raw image file or a block device, whose size must be a positive multiple of
     * 512 bytes.
     *
     * @param readOnly open it {@code O_RDONLY} and offer VIRTIO_BLK_F_RO: writes are refused
     * @param direct open it {@code O_DIRECT} (bypassing the host's page cache); the guest's buffers and
     *        offsets must then suit the file system's alignment, or requests fail with IOERR
     * @param serial the ID {@code GET_ID} returns: up to 20 bytes of UTF-8, no NUL
     * @throws IllegalArgumentException for a size that is not a multiple of 512, an empty disk, a serial
     *         that does not fit, or {@code direct} where the OS has no O_DIRECT
     * @throws VmmException naming the file when it cannot be opened or measured
     */
    public static VirtioBlk open(Path path, boolean readOnly, boolean direct, String serial) {
        if (serial.getBytes(StandardCharsets.UTF_8).length > ID_BYTES || serial.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "a disk serial is up to " + ID_BYTES + " bytes of UTF-8 without NUL: '" + serial + "'");
        }
        if (direct && Libc.O_DIRECT == 0) {
            throw new IllegalArgumentException("this OS has no O_DIRECT for disk " + path);
        }
        Libc libc = Libc.get();
        int flags = (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | (direct ? Libc.O_DIRECT : 0);
        int fd = libc.open(path.toString(), flags, 0);
        if (fd < 0) {
            throw Errno.exception("opening disk " + path + (readOnly ? " read-only" : " read-write"), -fd);
        }
        try {
            long size = size(libc, fd, path);
            if (size <= 0 || size % SECTOR_SIZE != 0) {
                throw new IllegalArgumentException("disk " + path + " is " + size
                        + " bytes, not a positive multiple of the " + SECTOR_SIZE + "-byte sector");
            }
            return new VirtioBlk(path.toString(), fd, size, readOnly, serial);
        } catch (RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    private static long size(Libc libc, int fd, Path path) {
        if (Files.isRegularFile(path)) {
            try {
                return Files.size(path);
            } catch (java.io.IOException e) {
                throw new VmmException("reading the size of disk " + path + " failed: " + e.getMessage(), e);
            }
        }
        try (NativeMemory size = libc.access().allocate(8)) {
            long r = libc.ioctl(fd, Libc.BLKGETSIZE64, size);
            if (r < 0) {
                throw Errno.exception(
                        "BLKGETSIZE64 on disk " + path + " (neither a regular file nor a block device?)", (int) -r);
            }
            return size.getLong(0);
        }
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long features() {
        long f = F_SEG_MAX | F_BLK_SIZE | F_FLUSH;
        return readOnly ? f | F_RO : f | F_DISCARD | F_WRITE_ZEROES;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int queueMaxSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public long readConfig(long offset, int size) {
        return config.read(offset, size);
    }

    @Override
    public void writeConfig(long offset, int size, long value) {
        // nothing is writable without VIRTIO_BLK_F_CONFIG_WCE, which is not offered
    }

    @Override
    public synchronized void activate(Virtqueue[] queues, long features, VirtioTransport transport) {
        this.queue = queues[0];
        this.chain = queues[0].ready() ? queues[0].newChain() : null;
        this.transport = transport;
        this.driverFeatures = features;
        activated = true;
    }

    @Override
    public synchronized void queueNotified(int index) {
        if (index != 0 || chain == null || fd < 0) {
            return;
        }
        boolean served = false;
        try {
            while (queue.pop(chain)) {
                int last = chain.count() - 1;
                if (!chain.isWritable(last) || chain.length(last) == 0) {
                    // thrown, not reported here: the transport sets DEVICE_NEEDS_RESET once this lock is released
                    throw new IllegalStateException("block request " + chain + " on " + name
                            + " does not end in a device-writable status byte");
                }
                usedLength = 0;
                int status = serve(chain);
                GuestMemory statusRegion = queue.ram().region(chain.region(last));
                statusRegion.putByte(
                        chain.address(last) + chain.length(last) - 1 - statusRegion.guestAddress(), (byte) status);
                queue.addUsed(chain.head(), (int) Math.min(usedLength + 1, Integer.MAX_VALUE));
                requests.incrementAndGet();
                if (status != S_OK) {
                    errors.incrementAndGet();
                }
                served = true;
            }
        } finally {
            if (served) {
                transport.usedBuffers(0);
            }
        }
    }

    /** Serves one request; returns its status. */
    private int serve(DescriptorChain c) {
        if (c.readableCount() == 0 || c.length(0) < HEADER_BYTES) {
            return S_IOERR;
        }
        GuestMemory headerRegion = queue.ram().region(c.region(0));
        long at = c.address(0) - headerRegion.guestAddress();
        int type = headerRegion.getInt(at);
        long sector = headerRegion.getLong(at + 8);
        return switch (type) {
            case T_IN -> transfer(c, sector, false);
            case T_OUT -> readOnly ? S_IOERR : transfer(c, sector, true);
            case T_FLUSH -> libc.fdatasync(fd) == 0 ? S_OK : S_IOERR;
            case T_GET_ID -> getId(c);
            case T_DISCARD -> readOnly ? S_UNSUPP : ranges(c, false);
            case T_WRITE_ZEROES -> readOnly ? S_UNSUPP : ranges(c, true);
            default -> S_UNSUPP;
        };
    }

    // The data segments: descriptor d's bytes [segmentStart(d), segmentEnd(d)), between the header and the status byte.

    private static long segmentStart(int d) {
        return d == 0 ? HEADER_BYTES : 0;
    }

    private static long segmentEnd(DescriptorChain c, int d) {
        return c.length(d) - (d == c.count() - 1 ? 1 : 0);
    }

    /**
     * The total data length if every segment goes the way {@code writable} says, else -1.
     */
    private static long dataBytes(DescriptorChain c, boolean writable) {
        long total = 0;
        for (int d = 0; d < c.count(); d++) {
            long n = segmentEnd(c, d) - segmentStart(d);
            if (n > 0) {
                if (c.isWritable(d) != writable) {
                    return -1;
                }
                total += n;
            }
        }
        return total;
    }

    private int transfer(DescriptorChain c, long sector, boolean write) {
        long total = dataBytes(c, !write);
        if (total < 0 || total % SECTOR_SIZE != 0 || !inCapacity(sector, total / SECTOR_SIZE)) {
            return S_IOERR;
        }
        long position = sector * SECTOR_SIZE;
        GuestRam ram = queue.ram();
        for (int d = 0; d < c.count(); d++) {
            long start = segmentStart(d);
            long length = segmentEnd(c, d) - start;
            if (length <= 0) {
                continue;
            }
            int region = c.region(d);
            NativeMemory memory = ram.nativeMemory(region);
            long offset = c.address(d) - ram.region(region).guestAddress() + start;
            long done = io(write, memory, offset, length, position);
            if (!write) {
                usedLength += done;
            }
            if (done != length) {
                return S_IOERR;
            }
            position += length;
        }
        (write ? bytesWritten : bytesRead).addAndGet(total);
        return S_OK;
    }

    /** pread or pwrite of all {@code length} bytes, again after EINTR or a short transfer: the bytes moved. */
    private long io(boolean write, NativeMemory memory, long offset, long length, long position) {
        long done = 0;
        while (done < length) {
            long n = write
                    ? libc.pwrite(fd, memory, offset + done, length - done, position + done)
                    : libc.pread(fd, memory, offset + done, length - done, position + done);
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n <= 0) {
                return done; // an error, or the end of a file that shrank under us
            }
            done += n;
        }
        return done;
    }

    /** Whether {@code sectors} sectors from {@code sector} lie within the disk. */
    private boolean inCapacity(long sector, long sectors) {
        return Long.compareUnsigned(sector, capacity) <= 0 && sectors <= capacity - sector;
    }

    private int getId(DescriptorChain c) {
        if (dataBytes(c, true) < 0) {
            return S_IOERR;
        }
        GuestRam ram = queue.ram();
        int written = 0;
        for (int d = 0; d < c.count() && written < ID_BYTES; d++) {
            long start = segmentStart(d);
            long length = segmentEnd(c, d) - start;
            if (length <= 0) {
                continue;
            }
            GuestMemory region = ram.region(c.region(d));
            int n = (int) Math.min(length, ID_BYTES - written);
            region.write(c.address(d) - region.guestAddress() + start, id, written, n);
            written += n;
        }
        usedLength = written;
        return S_OK;
    }

    /**
     * DISCARD or WRITE_ZEROES: every range is checked before any is applied. Each 16-byte range (le64
     * sector, le32 num_sectors, le32 flags) must lie within one data segment.
     */
    private int ranges(DescriptorChain c, boolean zeroes) {
        long total = dataBytes(c, false);
        if (total <= 0 || total % RANGE_BYTES != 0 || total / RANGE_BYTES > MAX_RANGES) {
            return S_IOERR;
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int d = 0; d < c.count(); d++) {
                long start = segmentStart(d);
                long length = segmentEnd(c, d) - start;
                if (length <= 0) {
                    continue;
                }
                if (length % RANGE_BYTES != 0) {
                    return S_IOERR;
                }
                GuestMemory region = queue.ram().region(c.region(d));
                long base = c.address(d) - region.guestAddress() + start;
                for (long r = 0; r < length; r += RANGE_BYTES) {
                    long sector = region.getLong(base + r);
                    long sectors = region.getInt(base + r + 8) & 0xffff_ffffL;
                    int flags = region.getInt(base + r + 12);
                    if (pass == 0) {
                        if ((flags & ~WRITE_ZEROES_FLAG_UNMAP) != 0 || (!zeroes && flags != 0)) {
                            return S_UNSUPP;
                        }
                        if (sectors > MAX_RANGE_SECTORS || !inCapacity(sector, sectors)) {
                            return S_IOERR;
                        }
                    } else if (sectors > 0) {
                        long offset = sector * SECTOR_SIZE;
                        long bytes = sectors * SECTOR_SIZE;
                        if (!(zeroes ? zero(offset, bytes) : discard(offset, bytes))) {
                            return S_IOERR;
                        }
                    }
                }
            }
        }
        return S_OK;
    }

    private boolean discard(long offset, long bytes) {
        int r = libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, bytes);
        // a discard is a hint: where the file system cannot punch holes, the data may stay
        return r == 0 || r == -EOPNOTSUPP;
    }

    private boolean zero(long offset, long bytes) {
        if (libc.fallocate(fd, Libc.FALLOC_FL_ZERO_RANGE | Libc.FALLOC_FL_KEEP_SIZE, offset, bytes) == 0
                || libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, bytes) == 0) {
            return true;
        }
        // neither (tmpfs has no ZERO_RANGE, O_DIRECT files may refuse both): write zeros
        if (zeros == null) {
            zeros = libc.access().allocate(ZEROS_BYTES); // once per device
            zeros.clear();
        }
        long done = 0;
        while (done < bytes) {
            long n = Math.min(bytes - done, ZEROS_BYTES);
            if (io(true, zeros, 0, n, offset + done) != n) {
                return false;
            }
            done += n;
        }
        return true;
    }

    @Override
    public synchronized void reset() {
        queue = null;
        chain = null;
        transport = null;
        driverFeatures = 0;
        activated = false;
    }

    /** Closes the file: requests after this fail. Called once, by the machine. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            libc.close(fd);
            fd = -1;
        }
        if (zeros != null) {
            zeros.close();
            zeros = null;
        }
    }

    /** Whether the driver has set DRIVER_OK since the last reset. */
    public boolean activated() {
        return activated;
    }

    /** The features the driver accepted (device and transport bits), 0 before it set DRIVER_OK. */
    public long driverFeatures() {
        return driverFeatures;
    }

    /** Whether the disk is read-only. */
    public boolean readOnly() {
        return readOnly;
    }

    /** The disk's size in 512-byte sectors. */
    public long capacity() {
        return capacity;
    }

    /** The requests answered since the device was made, whatever their status. */
    public long requestsServed() {
        return requests.get();
    }

    /** The requests answered with a status other than OK. */
    public long requestsFailed() {
        return errors.get();
    }

    /** The bytes read from the disk into guest RAM by IN requests. */
    public long bytesRead() {
        return bytesRead.get();
    }

    /** The bytes written to the disk by OUT requests. */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    @Override
    public String toString() {
        return "VirtioBlk[" + name + (readOnly ? ", read-only" : "") + ", " + capacity + " sectors]";
    }
}
