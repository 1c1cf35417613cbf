package org.vmm4j.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.vmm4j.StateSection;
import org.vmm4j.testing.HeapGuestMemory;

/**
 * The guest's virtio-vsock driver, played by a test: brings a {@link VirtioMmio} in front of the
 * device up with its three queues, posts rx buffers, puts packets on the tx queue and reads the
 * device's packets from the rx used ring. Packet headers are written by hand from the spec's layout
 * (section 5.10.6: le64 src_cid, le64 dst_cid, le32 src_port, le32 dst_port, le32 len, le16 type,
 * le16 op, le32 flags, le32 buf_alloc, le32 fwd_cnt), not with the classes under test.
 */
final class VsockGuest {
    static final int HDR = 44;
    static final int REQUEST = 1;
    static final int RESPONSE = 2;
    static final int RST = 3;
    static final int SHUTDOWN = 4;
    static final int RW = 5;
    static final int CREDIT_UPDATE = 6;
    static final int CREDIT_REQUEST = 7;

    static final int STATUS = 0x070;
    static final int NEEDS_RESET = 0x40;
    private static final int QUEUE_SEL = 0x030;
    private static final int QUEUE_NUM = 0x038;
    private static final int QUEUE_READY = 0x044;
    private static final int QUEUE_NOTIFY = 0x050;
    private static final int DRIVER_FEATURES = 0x020;
    private static final int DRIVER_FEATURES_SEL = 0x024;
    private static final int QUEUE_DESC_LOW = 0x080;
    private static final int QUEUE_DRIVER_LOW = 0x090;
    private static final int QUEUE_DEVICE_LOW = 0x0a0;

    static final int QSIZE = 16;
    static final int RX_BUF = 4096 + HDR;
    static final long RX_BUFFERS = 0x20000;
    static final long TX_HEADERS = 0x40000;
    static final long TX_PAYLOADS = 0x60000;
    static final int TX_PAYLOAD_MAX = 0x10000;

    /** One packet as the driver saw it (the payload array is the test's own copy). */
    @SuppressWarnings("ArrayRecordComponent")
    record Packet(
            long srcCid,
            long dstCid,
            int srcPort,
            int dstPort,
            int len,
            int type,
            int op,
            int flags,
            int bufAlloc,
            int fwdCnt,
            byte[] payload) {}

    final HeapGuestMemory memory;
    final VirtioMmio mmio;
    final long cid;
    final Rings rx;
    final Rings tx;
    final Rings ev;
    private int rxSeen;
    private int txSlot;
    private int rxBufferLength = RX_BUF;

    VsockGuest(VirtioDevice device, long cid) {
        this.memory = new HeapGuestMemory(0x10000, 0x170000);
        this.rx = new Rings(memory, QSIZE, 0x11000, 0x11400, 0x11800);
        this.tx = new Rings(memory, QSIZE, 0x12000, 0x12400, 0x12800);
        this.ev = new Rings(memory, QSIZE, 0x13000, 0x13400, 0x13800);
        this.mmio = new VirtioMmio(device, GuestRam.of(memory), cause -> {});
        this.cid = cid;
    }

    /** The same guest (memory, rings, positions) in front of {@code device}, as a restore would put it. */
    private VsockGuest(VirtioDevice device, VsockGuest from) {
        this.memory = from.memory;
        this.rx = from.rx;
        this.tx = from.tx;
        this.ev = from.ev;
        this.mmio = new VirtioMmio(device, GuestRam.of(memory), cause -> {});
        this.cid = from.cid;
        this.rxSeen = from.rxSeen;
        this.txSlot = from.txSlot;
        this.rxBufferLength = from.rxBufferLength;
    }

    /**
     * This guest's memory and rings in front of {@code device}, a fresh device whose transport is restored from
     * {@code section} (which this guest's transport saved): what a snapshot restored into another machine sees.
     */
    VsockGuest restoredOnto(VirtioDevice device, StateSection section) {
        VsockGuest restored = new VsockGuest(device, this);
        restored.mmio.restoreState(section, section.name());
        return restored;
    }

    /** ACKNOWLEDGE, DRIVER, VERSION_1, FEATURES_OK, the three queues, DRIVER_OK. */
    void bringUp() {
        mmio.mmioWrite(STATUS, 4, 1 | 2);
        mmio.mmioWrite(DRIVER_FEATURES_SEL, 4, 1);
        mmio.mmioWrite(DRIVER_FEATURES, 4, 1);
        mmio.mmioWrite(STATUS, 4, 1 | 2 | 8);
        Rings[] all = {rx, tx, ev};
        for (int q = 0; q < 3; q++) {
            mmio.mmioWrite(QUEUE_SEL, 4, q);
            mmio.mmioWrite(QUEUE_NUM, 4, QSIZE);
            mmio.mmioWrite(QUEUE_DESC_LOW, 4, all[q].desc);
            mmio.mmioWrite(QUEUE_DRIVER_LOW, 4, all[q].avail);
            mmio.mmioWrite(QUEUE_DEVICE_LOW, 4, all[q].used);
            mmio.mmioWrite(QUEUE_READY, 4, 1);
        }
        mmio.mmioWrite(STATUS, 4, 1 | 2 | 8 | 4);
    }

    /** Posts event buffers (4 bytes each) and rx buffers of {@code rxLength} bytes, as Linux does after DRIVER_OK. */
    void postBuffers(int events, int rxBuffers, int rxLength) {
        rxBufferLength = rxLength;
        for (int i = 0; i < events; i++) {
            ev.descriptor(i, 0x14000 + 16L * i, 4, Rings.WRITE, 0);
            ev.publish(i);
        }
        notify(2);
        for (int i = 0; i < rxBuffers; i++) {
            rx.descriptor(i, RX_BUFFERS + (long) i * 0x2000, rxLength, Rings.WRITE, 0);
            rx.publish(i);
        }
        notify(0);
    }

    void bringUpWithBuffers() {
        bringUp();
        postBuffers(4, QSIZE, RX_BUF);
    }

    /** How the driver notifies: a QueueNotify write, unless a test drives the device without its transport. */
    IntConsumer notifier;

    void notify(int queue) {
        if (notifier != null) {
            notifier.accept(queue);
        } else {
            mmio.mmioWrite(QUEUE_NOTIFY, 4, queue);
        }
    }

    /** The three queues as the transport would configure them, for tests that activate the device themselves. */
    Virtqueue[] queues() {
        GuestRam ram = GuestRam.of(memory);
        Rings[] all = {rx, tx, ev};
        Virtqueue[] q = new Virtqueue[3];
        for (int i = 0; i < 3; i++) {
            q[i] = new Virtqueue(ram, QSIZE);
            q[i].configure(QSIZE, all[i].desc, all[i].avail, all[i].used, VirtioFeatures.VERSION_1);
        }
        return q;
    }

    int status() {
        return (int) mmio.mmioRead(STATUS, 4);
    }

    void reset() {
        mmio.mmioWrite(STATUS, 4, 0);
    }

    /** Puts a packet on the tx queue (header and payload in two descriptors) and waits until the device used it. */
    void send(int srcPort, int dstPort, int op, int flags, int bufAlloc, int fwdCnt, byte[] payload) {
        sendRaw(cid, 2, srcPort, dstPort, payload.length, 1, op, flags, bufAlloc, fwdCnt, payload, HDR);
    }

    void send(int srcPort, int dstPort, int op, int bufAlloc, int fwdCnt) {
        send(srcPort, dstPort, op, 0, bufAlloc, fwdCnt, new byte[0]);
    }

    /** Any header, {@code headerLength} bytes of it in the first descriptor, {@code payload} in a second. */
    void sendRaw(
            long srcCid,
            long dstCid,
            int srcPort,
            int dstPort,
            int len,
            int type,
            int op,
            int flags,
            int bufAlloc,
            int fwdCnt,
            byte[] payload,
            int headerLength) {
        int slot = txSlot++ % (QSIZE / 2);
        long hdr = TX_HEADERS + 0x100L * slot;
        ByteBuffer h = ByteBuffer.allocate(HDR).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(srcCid).putLong(dstCid).putInt(srcPort).putInt(dstPort).putInt(len);
        h.putShort((short) type)
                .putShort((short) op)
                .putInt(flags)
                .putInt(bufAlloc)
                .putInt(fwdCnt);
        memory.write(hdr - memory.guestAddress(), h.array());
        int head = 2 * slot;
        if (payload.length > 0) {
            long data = TX_PAYLOADS + (long) TX_PAYLOAD_MAX * slot;
            memory.write(data - memory.guestAddress(), payload);
            tx.descriptor(head, hdr, headerLength, Rings.NEXT, head + 1);
            tx.descriptor(head + 1, data, payload.length, 0, 0);
        } else {
            tx.descriptor(head, hdr, headerLength, 0, 0);
        }
        int before = tx.usedIdx();
        tx.publish(head);
        notify(1);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (tx.usedIdx() == before) {
            if (System.nanoTime() - end > 0) {
                fail("the device did not take the tx packet");
            }
            pause();
        }
    }

    /** The next packet on the rx queue, within {@code millis}; its buffer goes back to the device. */
    Packet receive(long millis) {
        Packet p = poll(millis);
        if (p == null) {
            fail("no rx packet within " + millis + " ms");
        }
        return p;
    }

    /** The next packet, or null if none comes within {@code millis}. */
    Packet poll(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (rx.usedIdx() == rxSeen) {
            if (System.nanoTime() - end > 0) {
                return null;
            }
            pause();
        }
        VarHandle.acquireFence();
        int slot = rxSeen % QSIZE;
        int id = rx.usedId(slot);
        int used = rx.usedLen(slot);
        rxSeen = (rxSeen + 1) & 0xffff;
        assertTrue(used >= HDR && used <= rxBufferLength, "used length " + used);
        long at = RX_BUFFERS + (long) id * 0x2000 - memory.guestAddress();
        byte[] raw = new byte[used];
        memory.read(at, raw, 0, used);
        ByteBuffer h = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        Packet p = new Packet(
                h.getLong(),
                h.getLong(),
                h.getInt(),
                h.getInt(),
                h.getInt(),
                h.getShort() & 0xffff,
                h.getShort() & 0xffff,
                h.getInt(),
                h.getInt(),
                h.getInt(),
                Arrays.copyOfRange(raw, HDR, used));
        assertEquals(p.len(), p.payload().length, "len matches the used length");
        memory.fill(at, rxBufferLength, (byte) 0);
        rx.publish(id);
        notify(0);
        return p;
    }

    /** Waits for a packet with {@code op}, skipping credit updates; fails on any other op. */
    Packet expect(int op) {
        while (true) {
            Packet p = receive(5000);
            if (p.op() == op) {
                return p;
            }
            if (p.op() != CREDIT_UPDATE && p.op() != CREDIT_REQUEST) {
                fail("expected op " + op + ", got " + p);
            }
        }
    }

    private static void pause() {
        VarHandle.fullFence();
        try {
            Thread.sleep(0, 200_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
