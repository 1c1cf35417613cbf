package org.vmm4j.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.VmmException;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.testing.VirtioDriverSteps;
import org.vmm4j.testsupport.CompilerValues;
import org.vmm4j.testsupport.RequiresHost;

/**
 * {@link VirtioBlk} driven through its virtio-mmio transport with hand-built queues in native guest RAM
 * (an anonymous mapping, page-aligned) against real files.
 */
class VirtioBlkTest {
    // virtio-mmio registers and status bits from the spec (section 4.2.2, 2.1)
    private static final int DEVICE_ID = 0x008;
    private static final int QUEUE_READY = 0x044;
    private static final int QUEUE_NOTIFY = 0x050;
    private static final int STATUS = 0x070;
    private static final int CONFIG = 0x100;
    private static final int READY_STATUS = 1 | 2 | 8 | 4;
    private static final int NEEDS_RESET = 0x40;

    private static final long BASE = 0x10000;
    private static final long SIZE = 0x100000;
    private static final int QSIZE = 256;
    private static final long DESC = 0x11000;
    private static final long AVAIL = 0x12000;
    private static final long USED = 0x13000;
    private static final long HEADERS = 0x14000;
    private static final long STATUSES = 0x16000;
    private static final long DATA = 0x20000;
    private static final int DISK_BYTES = 256 * 1024;

    @TempDir
    Path dir;

    private final Libc libc = Libc.get();
    private final NativeMemory ram = libc.map(
            "test guest RAM", SIZE, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
    private final NativeGuestMemory memory = new NativeGuestMemory(BASE, ram, false, false, 0);
    private final Rings rings = new Rings(memory, QSIZE, DESC, AVAIL, USED);
    private final AtomicInteger interrupts = new AtomicInteger();
    private VirtioBlk blk;
    private VirtioMmio mmio;
    private int usedSeen;

    @AfterEach
    void release() {
        if (blk != null) {
            blk.close();
        }
        ram.close();
    }

    private Path disk(String name, int bytes) throws IOException {
        byte[] content = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            content[i] = (byte) (i * 7 + i / 512);
        }
        return Files.write(dir.resolve(name), content);
    }

    private void attach(VirtioBlk device) {
        blk = device;
        mmio = new VirtioMmio(device, GuestRam.of(memory), cause -> interrupts.incrementAndGet());
        VirtioDriverSteps.negotiate(mmio, QSIZE, DESC, AVAIL, USED);
        mmio.mmioWrite(QUEUE_READY, 4, 1);
        mmio.mmioWrite(STATUS, 4, READY_STATUS);
        assertTrue(device.activated());
    }

    private static long off(long guestAddress) {
        return guestAddress - BASE;
    }

    /** Writes a request header at {@code at}. */
    private void header(long at, int type, long sector) {
        memory.putInt(off(at), type);
        memory.putInt(off(at) + 4, 0);
        memory.putLong(off(at) + 8, sector);
    }

    /**
     * Chains descriptors {@code first, first+1, ...} over {@code buffers} (address, length, writable as
     * 0/1) and publishes the chain.
     */
    private void chain(int first, long... buffers) {
        int n = buffers.length / 3;
        for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            int flags = (buffers[3 * i + 2] != 0 ? Rings.WRITE : 0) | (last ? 0 : Rings.NEXT);
            rings.descriptor(first + i, buffers[3 * i], (int) buffers[3 * i + 1], flags, last ? 0 : first + i + 1);
        }
        rings.publish(first);
    }

    private void notifyQueue() {
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 0);
    }

    /** One request through descriptors 0..: header, the given data buffers, a status byte; returns the status. */
    private int request(int type, long sector, long... data) {
        header(HEADERS, type, sector);
        memory.putByte(off(STATUSES), (byte) 0x7f);
        long[] buffers = new long[data.length + 6];
        buffers[0] = HEADERS;
        buffers[1] = 16;
        buffers[2] = 0;
        System.arraycopy(data, 0, buffers, 3, data.length);
        buffers[buffers.length - 3] = STATUSES;
        buffers[buffers.length - 2] = 1;
        buffers[buffers.length - 1] = 1;
        chain(0, buffers);
        notifyQueue();
        assertEquals(++usedSeen & 0xffff, rings.usedIdx(), "one more request answered");
        assertEquals(0, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
        return memory.getByte(off(STATUSES));
    }

    private int lastUsedLength() {
        return rings.usedLen((usedSeen - 1) % QSIZE);
    }

    private byte[] guest(long address, int length) {
        byte[] b = new byte[length];
        memory.read(off(address), b, 0, length);
        return b;
    }

    @Test
    void offersItsFeaturesAndConfigurationSpace() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        attach(VirtioBlk.open(file, false));
        assertEquals(VirtioBlk.DEVICE_ID, mmio.mmioRead(DEVICE_ID, 4));
        long offered = mmio.offeredFeatures();
        assertEquals(
                VirtioBlk.F_SEG_MAX
                        | VirtioBlk.F_BLK_SIZE
                        | VirtioBlk.F_FLUSH
                        | VirtioBlk.F_DISCARD
                        | VirtioBlk.F_WRITE_ZEROES,
                offered & ~VirtioFeatures.TRANSPORT);
        assertEquals(DISK_BYTES / 512, mmio.mmioRead(CONFIG, 8), "capacity");
        assertEquals(DISK_BYTES / 512, blk.capacity());
        assertEquals(VirtioBlk.SEG_MAX, mmio.mmioRead(CONFIG + 12, 4), "seg_max");
        assertEquals(512, mmio.mmioRead(CONFIG + 20, 4), "blk_size");
        assertEquals(VirtioBlk.MAX_RANGE_SECTORS, mmio.mmioRead(CONFIG + 36, 4), "max_discard_sectors");
        assertEquals(VirtioBlk.MAX_RANGES, mmio.mmioRead(CONFIG + 40, 4), "max_discard_seg");
        assertEquals(VirtioBlk.MAX_RANGE_SECTORS, mmio.mmioRead(CONFIG + 48, 4), "max_write_zeroes_sectors");
        assertEquals(VirtioBlk.MAX_RANGES, mmio.mmioRead(CONFIG + 52, 4), "max_write_zeroes_seg");
        assertEquals(0, mmio.mmioRead(CONFIG + 60, 4), "nothing past the configuration space");
        assertEquals(offered & 0xffff_ffffL & ~VirtioFeatures.RING_EVENT_IDX, blk.driverFeatures() & 0xffff_ffffL);

        VirtioBlk ro = VirtioBlk.open(file, true);
        try {
            assertEquals(
                    VirtioBlk.F_SEG_MAX | VirtioBlk.F_BLK_SIZE | VirtioBlk.F_FLUSH | VirtioBlk.F_RO, ro.features());
            assertEquals(0, ro.readConfig(36, 4), "no discard limits on a read-only disk");
            assertEquals(DISK_BYTES / 512, ro.readConfig(0, 8));
        } finally {
            ro.close();
        }
    }

    /** {@code <linux/virtio_blk.h>} comes with {@code <linux/kvm.h>} (linux-libc-dev). */
    @Test
    @RequiresHost(
            tools = "gcc",
            files = {RequiresHost.LIBC_HEADERS, RequiresHost.KVM_HEADER})
    void layoutAndNumbersAreTheKernelHeaders() throws Exception {
        Map<String, Long> ours = new LinkedHashMap<>();
        ours.put("offsetof(struct virtio_blk_config, capacity)", (long) VirtioBlk.CONFIG_CAPACITY);
        ours.put("offsetof(struct virtio_blk_config, seg_max)", (long) VirtioBlk.CONFIG_SEG_MAX);
        ours.put("offsetof(struct virtio_blk_config, blk_size)", (long) VirtioBlk.CONFIG_BLK_SIZE);
        ours.put(
                "offsetof(struct virtio_blk_config, max_discard_sectors)", (long) VirtioBlk.CONFIG_MAX_DISCARD_SECTORS);
        ours.put("offsetof(struct virtio_blk_config, max_discard_seg)", (long) VirtioBlk.CONFIG_MAX_DISCARD_SEG);
        ours.put("offsetof(struct virtio_blk_config, discard_sector_alignment)", (long)
                VirtioBlk.CONFIG_DISCARD_SECTOR_ALIGNMENT);
        ours.put("offsetof(struct virtio_blk_config, max_write_zeroes_sectors)", (long)
                VirtioBlk.CONFIG_MAX_WRITE_ZEROES_SECTORS);
        ours.put("offsetof(struct virtio_blk_config, max_write_zeroes_seg)", (long)
                VirtioBlk.CONFIG_MAX_WRITE_ZEROES_SEG);
        ours.put("offsetof(struct virtio_blk_config, write_zeroes_may_unmap)", (long)
                VirtioBlk.CONFIG_WRITE_ZEROES_MAY_UNMAP);
        ours.put("offsetof(struct virtio_blk_config, max_secure_erase_sectors)", (long) VirtioBlk.CONFIG_SIZE);
        ours.put("sizeof(struct virtio_blk_outhdr)", 16L);
        ours.put("sizeof(struct virtio_blk_discard_write_zeroes)", 16L);
        ours.put("VIRTIO_BLK_ID_BYTES", (long) VirtioBlk.ID_BYTES);
        ours.put("1UL << VIRTIO_BLK_F_SEG_MAX", VirtioBlk.F_SEG_MAX);
        ours.put("1UL << VIRTIO_BLK_F_RO", VirtioBlk.F_RO);
        ours.put("1UL << VIRTIO_BLK_F_BLK_SIZE", VirtioBlk.F_BLK_SIZE);
        ours.put("1UL << VIRTIO_BLK_F_FLUSH", VirtioBlk.F_FLUSH);
        ours.put("1UL << VIRTIO_BLK_F_DISCARD", VirtioBlk.F_DISCARD);
        ours.put("1UL << VIRTIO_BLK_F_WRITE_ZEROES", VirtioBlk.F_WRITE_ZEROES);
        ours.put("VIRTIO_BLK_T_IN", (long) VirtioBlk.T_IN);
        ours.put("VIRTIO_BLK_T_OUT", (long) VirtioBlk.T_OUT);
        ours.put("VIRTIO_BLK_T_FLUSH", (long) VirtioBlk.T_FLUSH);
        ours.put("VIRTIO_BLK_T_GET_ID", (long) VirtioBlk.T_GET_ID);
        ours.put("VIRTIO_BLK_T_DISCARD", (long) VirtioBlk.T_DISCARD);
        ours.put("VIRTIO_BLK_T_WRITE_ZEROES", (long) VirtioBlk.T_WRITE_ZEROES);
        ours.put("VIRTIO_BLK_S_OK", (long) VirtioBlk.S_OK);
        ours.put("VIRTIO_BLK_S_IOERR", (long) VirtioBlk.S_IOERR);
        ours.put("VIRTIO_BLK_S_UNSUPP", (long) VirtioBlk.S_UNSUPP);
        ours.put("VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP", (long) VirtioBlk.WRITE_ZEROES_FLAG_UNMAP);
        CompilerValues.assertSameAsCompiler(dir, "#include <linux/virtio_blk.h>", ours);
    }

    @Test
    void readsIntoGuestRamAndWritesFromItSegmentBySegment() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        byte[] before = Files.readAllBytes(file);
        attach(VirtioBlk.open(file, false));
        memory.fill(off(DATA), 0x4000, (byte) 0x55);

        // IN at sector 3: 512 bytes, then 1024 bytes elsewhere
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_IN, 3, DATA, 512, 1, DATA + 0x2000, 1024, 1));
        assertEquals(1536 + 1, lastUsedLength(), "the data read and the status byte");
        assertArrayEquals(Arrays.copyOfRange(before, 3 * 512, 4 * 512), guest(DATA, 512));
        assertArrayEquals(Arrays.copyOfRange(before, 4 * 512, 6 * 512), guest(DATA + 0x2000, 1024));
        assertEquals(0x55, memory.getByte(off(DATA + 512)), "nothing past the first segment");
        assertEquals(0x55, memory.getByte(off(DATA + 0x2000 + 1024)), "nothing past the second");
        assertEquals(1536, blk.bytesRead());

        // OUT at sector 100: 2048 bytes of the guest's in two segments
        for (int i = 0; i < 2048; i++) {
            memory.putByte(off(DATA + 0x8000 + i), (byte) (255 - i));
        }
        assertEquals(
                VirtioBlk.S_OK, request(VirtioBlk.T_OUT, 100, DATA + 0x8000, 1536, 0, DATA + 0x8000 + 1536, 512, 0));
        assertEquals(1, lastUsedLength(), "only the status byte was written into the driver's buffers");
        byte[] after = Files.readAllBytes(Path.of(file.toString()));
        assertArrayEquals(guest(DATA + 0x8000, 2048), Arrays.copyOfRange(after, 100 * 512, 104 * 512));
        assertArrayEquals(Arrays.copyOfRange(before, 0, 100 * 512), Arrays.copyOfRange(after, 0, 100 * 512));
        assertArrayEquals(
                Arrays.copyOfRange(before, 104 * 512, DISK_BYTES), Arrays.copyOfRange(after, 104 * 512, DISK_BYTES));
        assertEquals(2048, blk.bytesWritten());
        assertEquals(2, interrupts.get(), "one interrupt per notification");
    }

    @Test
    void dataMayShareTheHeadersAndTheStatusDescriptors() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        attach(VirtioBlk.open(file, false));
        // OUT: header and 512 bytes of data in one readable descriptor, then the status
        header(DATA, VirtioBlk.T_OUT, 7);
        memory.fill(off(DATA + 16), 512, (byte) 0x3c);
        chain(0, DATA, 16 + 512, 0, STATUSES, 1, 1);
        notifyQueue();
        assertEquals(VirtioBlk.S_OK, memory.getByte(off(STATUSES)));
        byte[] expected = new byte[512];
        Arrays.fill(expected, (byte) 0x3c);
        assertArrayEquals(expected, Arrays.copyOfRange(Files.readAllBytes(file), 7 * 512, 8 * 512));
        // IN: the data and the status byte in one writable descriptor
        header(HEADERS, VirtioBlk.T_IN, 7);
        memory.fill(off(DATA + 0x1000), 513, (byte) 0x7f);
        chain(2, HEADERS, 16, 0, DATA + 0x1000, 513, 1);
        notifyQueue();
        assertEquals(2, rings.usedIdx());
        assertEquals(513, rings.usedLen(1));
        assertArrayEquals(expected, guest(DATA + 0x1000, 512));
        assertEquals(VirtioBlk.S_OK, memory.getByte(off(DATA + 0x1000 + 512)), "the last byte is the status");
    }

    @Test
    void aReadOnlyDiskRefusesWritesAndLeavesTheFileAlone() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        byte[] before = Files.readAllBytes(file);
        attach(VirtioBlk.open(file, true));
        assertTrue(blk.readOnly());
        memory.fill(off(DATA), 4096, (byte) 0x11);

        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_OUT, 0, DATA, 4096, 0));
        assertEquals(1, lastUsedLength());
        writeRange(DATA + 0x1000, 0, 8, 0);
        assertEquals(VirtioBlk.S_UNSUPP, request(VirtioBlk.T_DISCARD, 0, DATA + 0x1000, 16, 0));
        assertEquals(VirtioBlk.S_UNSUPP, request(VirtioBlk.T_WRITE_ZEROES, 0, DATA + 0x1000, 16, 0));
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_FLUSH, 0));
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_IN, 1, DATA, 512, 1), "reads still work");
        assertArrayEquals(Arrays.copyOfRange(before, 512, 1024), guest(DATA, 512));

        assertArrayEquals(before, Files.readAllBytes(file), "the file is byte-identical");
        assertEquals(0, blk.bytesWritten());
        assertEquals(3, blk.requestsFailed());
    }

    @Test
    void badRequestsGetIoerrWithoutIo() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        byte[] before = Files.readAllBytes(file);
        attach(VirtioBlk.open(file, false));
        long capacity = DISK_BYTES / 512;
        memory.fill(off(DATA), 0x2000, (byte) 0x66);

        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_IN, capacity - 1, DATA, 1024, 1), "one sector too far");
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_IN, capacity, DATA, 512, 1), "at the end");
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_IN, -1L, DATA, 512, 1), "sector 2^64 - 1");
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_IN, 0, DATA, 1000, 1), "not whole sectors");
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_IN, 0, DATA, 512, 0), "IN into a readable buffer");
        assertEquals(1, lastUsedLength());
        assertEquals(0x66, memory.getByte(off(DATA)), "no byte read into guest RAM");
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_OUT, capacity - 1, DATA, 1024, 0), "past the end");
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_OUT, 0, DATA, 512, 1), "OUT from a writable buffer");
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_IN, capacity - 1, DATA, 512, 1), "the last sector is fine");
        assertEquals(VirtioBlk.S_UNSUPP, request(99, 0, DATA, 512, 1), "an unknown type");
        assertEquals(VirtioBlk.S_UNSUPP, request(2 /* SCSI_CMD */, 0, DATA, 512, 1));

        // a header of 8 bytes
        header(HEADERS, VirtioBlk.T_IN, 0);
        memory.putByte(off(STATUSES), (byte) 0x7f);
        chain(0, HEADERS, 8, 0, DATA, 512, 1, STATUSES, 1, 1);
        notifyQueue();
        assertEquals(++usedSeen, rings.usedIdx());
        assertEquals(VirtioBlk.S_IOERR, memory.getByte(off(STATUSES)), "a short header");
        // no readable descriptor at all: no header
        chain(0, DATA, 512, 1, STATUSES, 1, 1);
        notifyQueue();
        assertEquals(++usedSeen, rings.usedIdx());
        assertEquals(VirtioBlk.S_IOERR, memory.getByte(off(STATUSES)), "no header");

        assertArrayEquals(before, Files.readAllBytes(file), "nothing written");
        assertEquals(0, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
    }

    @Test
    void aChainWithoutAWritableStatusByteNeedsAReset() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        byte[] before = Files.readAllBytes(file);
        attach(VirtioBlk.open(file, false));
        header(HEADERS, VirtioBlk.T_OUT, 0);
        chain(0, HEADERS, 16, 0, DATA, 512, 0); // OUT without a status descriptor
        notifyQueue();
        assertEquals(NEEDS_RESET, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
        assertEquals(0, rings.usedIdx(), "nothing returned");
        assertArrayEquals(before, Files.readAllBytes(file), "nothing written");

        // again after a reset, with a status descriptor the device may only read
        mmio.mmioWrite(STATUS, 4, 0);
        attach(blk);
        rings.availIdx(0);
        chain(0, HEADERS, 16, 0, DATA, 512, 0, STATUSES, 1, 0);
        notifyQueue();
        assertEquals(NEEDS_RESET, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
        assertEquals(0, rings.usedIdx());

        // and with a writable status descriptor of no bytes
        mmio.mmioWrite(STATUS, 4, 0);
        attach(blk);
        rings.availIdx(0);
        chain(0, HEADERS, 16, 0, DATA, 512, 0, STATUSES, 0, 1);
        notifyQueue();
        assertEquals(NEEDS_RESET, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
        assertArrayEquals(before, Files.readAllBytes(file), "nothing written");
        assertEquals(0, blk.requestsServed());
    }

    @Test
    void flushSyncsWhatWasWritten() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        attach(VirtioBlk.open(file, false));
        memory.fill(off(DATA), 4096, (byte) 0xa5);
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_OUT, 16, DATA, 4096, 0));
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_FLUSH, 0));
        assertEquals(1, lastUsedLength());
        byte[] expected = new byte[4096];
        Arrays.fill(expected, (byte) 0xa5);
        assertArrayEquals(expected, Arrays.copyOfRange(Files.readAllBytes(file), 16 * 512, 16 * 512 + 4096));
        blk.close();
        // the descriptor is gone: fdatasync has nothing to sync, and the device answers nothing any more
        rings.publish(0);
        notifyQueue();
        assertEquals(usedSeen, rings.usedIdx());
    }

    /** Writes one discard/write-zeroes range at {@code at}. */
    private void writeRange(long at, long sector, int sectors, int flags) {
        memory.putLong(off(at), sector);
        memory.putInt(off(at) + 8, sectors);
        memory.putInt(off(at) + 12, flags);
    }

    @Test
    void discardAndWriteZeroesMakeRangesReadAsZeros() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        byte[] before = Files.readAllBytes(file);
        attach(VirtioBlk.open(file, false));

        writeRange(DATA, 8, 8, 0);
        writeRange(DATA + 16, 40, 1, 0);
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_DISCARD, 0, DATA, 32, 0));
        writeRange(DATA, 64, 16, VirtioBlk.WRITE_ZEROES_FLAG_UNMAP);
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_WRITE_ZEROES, 0, DATA, 16, 0));
        writeRange(DATA, 100, 3, 0);
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_WRITE_ZEROES, 0, DATA, 16, 0));

        byte[] after = Files.readAllBytes(file);
        assertEquals(DISK_BYTES, after.length, "the size stays");
        for (int i = 0; i < DISK_BYTES; i++) {
            long s = i / 512;
            boolean zeroed = (s >= 8 && s < 16) || s == 40 || (s >= 64 && s < 80) || (s >= 100 && s < 103);
            if (after[i] != (zeroed ? 0 : before[i])) {
                throw new AssertionError("byte " + i + " (sector " + s + ") is " + after[i]);
            }
        }

        // refused whole: an unknown flag, unmap on a discard, a range past the end, too many or no ranges
        writeRange(DATA, 0, 1, 2);
        assertEquals(VirtioBlk.S_UNSUPP, request(VirtioBlk.T_WRITE_ZEROES, 0, DATA, 16, 0));
        writeRange(DATA, 0, 1, VirtioBlk.WRITE_ZEROES_FLAG_UNMAP);
        assertEquals(VirtioBlk.S_UNSUPP, request(VirtioBlk.T_DISCARD, 0, DATA, 16, 0));
        writeRange(DATA, 0, 1, 0);
        writeRange(DATA + 16, DISK_BYTES / 512 - 1, 2, 0);
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_WRITE_ZEROES, 0, DATA, 32, 0));
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_DISCARD, 0, DATA, 32, 0));
        writeRange(DATA, 0, VirtioBlk.MAX_RANGE_SECTORS + 1, 0);
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_DISCARD, 0, DATA, 16, 0));
        for (int r = 0; r <= VirtioBlk.MAX_RANGES; r++) {
            writeRange(DATA + 16L * r, r, 1, 0);
        }
        assertEquals(
                VirtioBlk.S_IOERR,
                request(VirtioBlk.T_DISCARD, 0, DATA, 16 * (VirtioBlk.MAX_RANGES + 1), 0),
                "33 ranges");
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_DISCARD, 0, DATA, 24, 0), "a range and a half");
        assertEquals(VirtioBlk.S_IOERR, request(VirtioBlk.T_DISCARD, 0), "no range");
        assertArrayEquals(after, Files.readAllBytes(file), "none of the refused ranges was applied");
    }

    @Test
    void getIdReturnsTheSerial() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        attach(VirtioBlk.open(file, false, false, "vmm4j-disk-7"));
        memory.fill(off(DATA), 64, (byte) 0x55);
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_GET_ID, 0, DATA, 20, 1));
        assertEquals(21, lastUsedLength());
        byte[] expected = Arrays.copyOf("vmm4j-disk-7".getBytes(StandardCharsets.US_ASCII), 20);
        assertArrayEquals(expected, guest(DATA, 20));
        assertEquals(0x55, memory.getByte(off(DATA + 20)));
        // a shorter buffer gets the start
        memory.fill(off(DATA), 64, (byte) 0x55);
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_GET_ID, 0, DATA, 5, 1));
        assertEquals(6, lastUsedLength());
        assertArrayEquals(Arrays.copyOf(expected, 5), guest(DATA, 5));
        assertEquals(0x55, memory.getByte(off(DATA + 5)));

        assertThrows(IllegalArgumentException.class, () -> VirtioBlk.open(file, false, false, "123456789012345678901"));
    }

    @Test
    void servesAFullQueueInOneNotification() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        byte[] before = Files.readAllBytes(file);
        attach(VirtioBlk.open(file, false));
        int n = QSIZE / 2; // two descriptors each: the header, then the data with the status byte
        for (int r = 0; r < n; r++) {
            header(HEADERS + 16L * r, VirtioBlk.T_IN, r);
            chain(2 * r, HEADERS + 16L * r, 16, 0, DATA + 1024L * r, 513, 1);
        }
        notifyQueue();
        assertEquals(n, rings.usedIdx());
        assertEquals(1, interrupts.get());
        for (int r = 0; r < n; r++) {
            assertEquals(2 * r, rings.usedId(r));
            assertEquals(513, rings.usedLen(r));
            assertArrayEquals(Arrays.copyOfRange(before, 512 * r, 512 * (r + 1)), guest(DATA + 1024L * r, 512));
            assertEquals(VirtioBlk.S_OK, memory.getByte(off(DATA + 1024L * r + 512)));
        }
        assertEquals(n, blk.requestsServed());
    }

    @Test
    void directIoReadsAndWrites() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        byte[] before = Files.readAllBytes(file);
        attach(VirtioBlk.open(file, false, true, ""));
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_IN, 8, DATA, 4096, 1));
        assertArrayEquals(Arrays.copyOfRange(before, 4096, 8192), guest(DATA, 4096));
        memory.fill(off(DATA), 4096, (byte) 0x42);
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_OUT, 16, DATA, 4096, 0));
        byte[] expected = new byte[4096];
        Arrays.fill(expected, (byte) 0x42);
        assertArrayEquals(expected, Arrays.copyOfRange(Files.readAllBytes(file), 8192, 12288));
    }

    @Test
    void refusesSizesThatAreNotWholeSectorsAndMissingFilesByName() throws IOException {
        Path odd = Files.write(dir.resolve("odd.img"), new byte[1000]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VirtioBlk.open(odd, false));
        assertTrue(e.getMessage().contains(odd.toString()) && e.getMessage().contains("1000 bytes"), e.getMessage());
        Path empty = Files.write(dir.resolve("empty.img"), new byte[0]);
        assertThrows(IllegalArgumentException.class, () -> VirtioBlk.open(empty, true));
        Path missing = dir.resolve("missing.img");
        VmmException m = assertThrows(VmmException.class, () -> VirtioBlk.open(missing, true));
        assertTrue(m.getMessage().contains(missing.toString()) && m.getMessage().contains("ENOENT"), m.getMessage());
        assertEquals(0, descriptorsOn(odd), "a refused disk leaves no descriptor open");
        assertEquals(0, descriptorsOn(empty), "a refused disk leaves no descriptor open");
    }

    @Test
    void closeReleasesTheDescriptor() throws IOException {
        Path file = disk("disk.img", DISK_BYTES);
        VirtioBlk[] disks = new VirtioBlk[10];
        for (int i = 0; i < disks.length; i++) {
            disks[i] = VirtioBlk.open(file, i % 2 == 0);
        }
        assertEquals(disks.length, descriptorsOn(file));
        for (VirtioBlk d : disks) {
            d.close();
            d.close(); // twice is harmless
        }
        assertEquals(0, descriptorsOn(file));
    }

    /**
     * This process's descriptors open on {@code file} (by /proc/self/fd's links: other tests' descriptors,
     * opened and closed meanwhile on threads of their own, do not count).
     */
    private static long descriptorsOn(Path file) throws IOException {
        Path target = file.toRealPath();
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(target)) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed since the listing, or the listing's own descriptor
                }
            }
        }
        return n;
    }

    /**
     * In a JVM of its own ({@link BlkAllocationProbe}), as in JMH: in this one, the other tests' many different
     * downcalls leave the JDK's shared FFM code (the errno capture's segment check) too polluted to inline, and
     * then each pread/pwrite allocates a segment slice (measured: 80 bytes per notification of two requests).
     */
    @Test
    void allocatesNothingPerRequest() throws Exception {
        Path file = disk("disk.img", DISK_BYTES);
        int n = 20_000;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        if (Runtime.version().feature() >= 22) {
            command.add("--enable-native-access=ALL-UNNAMED"); // JDK 17-21 (JNA) do not know the option
        }
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                BlkAllocationProbe.class.getName(),
                file.toString(),
                Integer.toString(n)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile(
                        "allocated=(\\d+) requests=(\\d+) failed=(\\d+) control=(\\d+) usedIdx=(\\d+) rounds=(\\d+)")
                .matcher(out);
        assertTrue(m.find(), out);
        long allocated = Long.parseLong(m.group(1));
        int rounds = Integer.parseInt(m.group(6));
        long requests = 2L * n * (1 + rounds); // the warm-up and each measured round: two per notification
        assertEquals(requests, Long.parseLong(m.group(2)), "every request served: " + out);
        assertEquals(0, Long.parseLong(m.group(3)), "and none failed: " + out);
        assertEquals(requests & 0xffff, Integer.parseInt(m.group(5)), out);
        assertTrue(Long.parseLong(m.group(4)) >= 10_000, "the allocation meter is live: " + out);
        assertTrue(allocated < n, allocated + " bytes allocated for " + n + " notifications of two requests");
    }
}
