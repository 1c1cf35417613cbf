package org.vmm4j.virtio;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.GuestMemory;
import org.vmm4j.StateSection;
import org.vmm4j.event.EventFd;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.machine.StateDecoder;
import org.vmm4j.machine.StateEncoder;

/**
 * The virtio network device (device ID 1, virtio 1.x section 5.1) on a host {@link TapDevice}: queue 0
 * receives, queue 1 transmits, no control queue. It offers a MAC address, link status (always up),
 * mergeable receive buffers, checksum and TSO offload from the guest (the tap takes partial checksums
 * and large segments from any writer), and checksum and TSO offload to the guest where the tap accepts
 * them ({@code TUNSETOFFLOAD}, set at activation to what the driver negotiated). The driver's 12-byte
 * {@code virtio_net_hdr_v1} is the tap's own virtio-net header, so frames pass header and all.
 *
 * <p>Transmit runs on the thread that notifies queue 1: each chain's readable buffers are gathered
 * into a native scratch buffer and written to the tap in one {@code write(2)}. Receive runs on a
 * thread of the device's own, started at activation and stopped by a reset or {@link #close}: it
 * reads one frame at a time from the tap and copies it into the receive queue's buffers (several
 * chains with mergeable buffers, their count in {@code num_buffers}). While the receive queue has
 * no buffers the frame waits and the tap is not read until the driver notifies queue 0, so the
 * kernel's own tap queue holds what arrives meanwhile. Nothing is allocated per frame.
 *
 * <p>A frame too short for a header, too long for the scratch buffer or refused by the tap is dropped
 * (counted, logged once). A receive chain without a writable buffer, a first mergeable buffer too
 * short for the header, or a whole queue of buffers too small for one frame is a broken driver: the
 * device asks for a reset.
 *
 * <p>Snapshots ({@link #saveState}): the MAC and a frame the receive thread holds, with the receive chains it took;
 * the tap is the machine's to open again (by name), and frames waiting in it are not saved.
 */
public final class VirtioNet implements VirtioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioNet.class);

    /** The virtio device ID of a network card. */
    public static final int DEVICE_ID = 1;
    /** The size of each queue. */
    public static final int QUEUE_SIZE = 256;
    /** The receive queue's index. */
    public static final int RECEIVE_QUEUE = 0;
    /** The transmit queue's index. */
    public static final int TRANSMIT_QUEUE = 1;

    static final long F_CSUM = 1L << 0;
    static final long F_GUEST_CSUM = 1L << 1;
    static final long F_MAC = 1L << 5;
    static final long F_GUEST_TSO4 = 1L << 7;
    static final long F_GUEST_TSO6 = 1L << 8;
    static final long F_HOST_TSO4 = 1L << 11;
    static final long F_HOST_TSO6 = 1L << 12;
    static final long F_MRG_RXBUF = 1L << 15;
    static final long F_STATUS = 1L << 16;

    static final int HEADER_SIZE = TapDevice.VNET_HEADER_SIZE;
    static final int HEADER_NUM_BUFFERS = 10;
    static final int CONFIG_STATUS = 6;
    static final int CONFIG_SIZE = 8;
    static final int STATUS_LINK_UP = 1;

    /**
     * The largest frame with its header, either way: a 64 KiB TSO segment with its Ethernet and VLAN
     * headers and room to spare.
     */
    static final int MAX_FRAME = HEADER_SIZE + 65536 + 256;

    private static final String STATE_NAME = "virtio-net";
    private static final int STATE_VERSION = 1;

    private final TapDevice tap;
    private final byte[] mac;
    /** mac[6], then status (le16): the link is always up. */
    private final ConfigSpace config = new ConfigSpace(CONFIG_SIZE);

    private final long offered;
    private final NativeMemory txScratch;
    private final AtomicLong transmitted = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong txDropped = new AtomicLong();
    private final AtomicLong rxDropped = new AtomicLong();
    private volatile boolean activated;
    private volatile RxLoop loop;
    /** Guards {@link #rxPaused} and {@link #rxParked}; a paused receive thread waits on it. */
    private final Object rxGate = new Object();

    private boolean rxPaused;
    private boolean rxParked;
    /** The loop the last reset stopped (not joined then); close waits for it before closing the tap. */
    private RxLoop stopped;

    private boolean closed;
    private boolean loggedTxDrop;
    private boolean loggedRxDrop;
    // the negotiation, under this object's lock
    private Virtqueue rxQueue;
    private Virtqueue txQueue;
    private DescriptorChain rxChain;
    private DescriptorChain txChain;
    private VirtioTransport transport;
    private boolean mergeable;
    private boolean guestCsum;
    /** A frame a restore put back for the next activation, and the receive chains to give back for it. */
    private byte[] restoredFrame;

    private int restoredChains;

    /**
     * A network card on {@code tap} with address {@code mac} (6 bytes, unicast); it owns the tap and
     * closes it with itself.
     */
    public VirtioNet(TapDevice tap, byte[] mac) {
        if (tap == null) {
            throw new IllegalArgumentException("tap is required");
        }
        checkMac(mac);
        this.tap = tap;
        this.mac = mac.clone();
        config.put(0, this.mac);
        config.put(CONFIG_STATUS, 2, STATUS_LINK_UP);
        boolean guestOffloads = tap.setOffload(TapDevice.OFFLOAD_CSUM | TapDevice.OFFLOAD_TSO4 | TapDevice.OFFLOAD_TSO6)
                && tap.setOffload(0);
        this.offered = F_CSUM
                | F_HOST_TSO4
                | F_HOST_TSO6
                | F_MAC
                | F_STATUS
                | F_MRG_RXBUF
                | (guestOffloads ? F_GUEST_CSUM | F_GUEST_TSO4 | F_GUEST_TSO6 : 0);
        this.txScratch = Libc.get().access().allocate(MAX_FRAME);
    }

    /**
     * A network card on the tap device {@code tapName} (created if absent), with address {@code mac}
     * ({@code 52:54:00:12:34:56}), or a locally administered address derived from the tap's name when
     * {@code mac} is null.
     *
     * @throws IllegalArgumentException for a bad tap name or MAC address
     * @throws org.vmm4j.VmmException if the tap cannot be opened
     */
    public static VirtioNet open(String tapName, String mac) {
        byte[] address = mac == null ? defaultMac(tapName == null ? "" : tapName) : parseMac(mac);
        TapDevice tap = TapDevice.open(tapName);
        try {
            return new VirtioNet(tap, address);
        } catch (RuntimeException e) {
            tap.close();
            throw e;
        }
    }

    /**
     * Parses {@code 52:54:00:12:34:56}: six two-digit hexadecimal bytes separated by colons, not a
     * multicast address and not all zero.
     *
     * @throws IllegalArgumentException naming the value if it is not one
     */
    public static byte[] parseMac(String text) {
        if (text == null) {
            throw new IllegalArgumentException("MAC address is required");
        }
        String[] parts = text.split(":", -1);
        byte[] mac = new byte[6];
        boolean ok = parts.length == 6;
        for (int i = 0; ok && i < 6; i++) {
            String p = parts[i];
            ok = p.length() == 2 && HexFormat.isHexDigit(p.charAt(0)) && HexFormat.isHexDigit(p.charAt(1));
            if (ok) {
                mac[i] = (byte) HexFormat.fromHexDigits(p);
            }
        }
        if (!ok) {
            throw new IllegalArgumentException("MAC address \"" + text
                    + "\" is not six hexadecimal bytes separated by colons (52:54:00:12:34:56)");
        }
        if ((mac[0] & 1) != 0) {
            throw new IllegalArgumentException("MAC address " + text + " is a multicast address");
        }
        if ((mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0) {
            throw new IllegalArgumentException("MAC address " + text + " is all zero");
        }
        return mac;
    }

    /** {@code 02:76:6d} (locally administered, "vm") and three bytes of a hash of {@code tapName}: stable per tap. */
    public static byte[] defaultMac(String tapName) {
        int h = 0x811c9dc5;
        for (byte b : tapName.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x01000193;
        }
        return new byte[] {0x02, 0x76, 0x6d, (byte) (h >>> 16), (byte) (h >>> 8), (byte) h};
    }

    /** {@code 52:54:00:12:34:56}. */
    public static String formatMac(byte[] mac) {
        checkMac(mac);
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }

    private static void checkMac(byte[] mac) {
        if (mac == null || mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes");
        }
        if ((mac[0] & 1) != 0) {
            throw new IllegalArgumentException(
                    "MAC address " + HexFormat.ofDelimiter(":").formatHex(mac) + " is a multicast address");
        }
    }

    /** The tap device. */
    public TapDevice tap() {
        return tap;
    }

    /** The MAC address. */
    public byte[] mac() {
        return mac.clone();
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long features() {
        return offered;
    }

    @Override
    public int queueCount() {
        return 2;
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
        // the MAC is read-only in virtio 1.x; writes are ignored
    }

    @Override
    public void activate(Virtqueue[] queues, long features, VirtioTransport transport) {
        RxLoop started;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the device is closed");
            }
            guestCsum = (features & F_GUEST_CSUM) != 0;
            mergeable = (features & F_MRG_RXBUF) != 0;
            int offloads = (guestCsum ? TapDevice.OFFLOAD_CSUM : 0)
                    | (guestCsum && (features & F_GUEST_TSO4) != 0 ? TapDevice.OFFLOAD_TSO4 : 0)
                    | (guestCsum && (features & F_GUEST_TSO6) != 0 ? TapDevice.OFFLOAD_TSO6 : 0);
            if (!tap.setOffload(offloads)) {
                throw new IllegalStateException(
                        "tap " + tap.name() + " refused the offloads 0x" + Integer.toHexString(offloads));
            }
            rxQueue = queues[RECEIVE_QUEUE].ready() ? queues[RECEIVE_QUEUE] : null;
            txQueue = queues[TRANSMIT_QUEUE].ready() ? queues[TRANSMIT_QUEUE] : null;
            rxChain = rxQueue == null ? null : rxQueue.newChain();
            txChain = txQueue == null ? null : txQueue.newChain();
            this.transport = transport;
            started = rxQueue == null ? null : new RxLoop(rxQueue.size());
            if (started != null && restoredFrame != null) {
                resumeFrame(started, rxQueue);
            }
            restoredFrame = null;
            restoredChains = 0;
            loop = started;
            activated = true;
        }
        if (started != null) {
            started.start(tap.name());
        }
    }

    /**
     * Puts the restored frame in {@code l}, to be delivered from its start, and moves {@code q}'s position back over
     * the chains the frame had taken: they were popped and never used, and the driver still has them posted.
     */
    private void resumeFrame(RxLoop l, Virtqueue q) {
        q.unpop(restoredChains, "the restored frame");
        l.scratch.put(0, restoredFrame, 0, restoredFrame.length);
        l.pending = restoredFrame.length;
    }

    @Override
    public void queueNotified(int index) {
        if (index == RECEIVE_QUEUE) {
            RxLoop l = loop;
            if (l != null) {
                l.kick();
            }
        } else if (index == TRANSMIT_QUEUE) {
            transmit();
        }
    }

    private synchronized void transmit() {
        Virtqueue q = txQueue;
        if (q == null) {
            return;
        }
        DescriptorChain chain = txChain;
        GuestRam ram = q.ram();
        boolean any = false;
        while (q.pop(chain)) {
            long length = chain.readableBytes();
            if (length < HEADER_SIZE || length > MAX_FRAME) {
                dropTx(chain, length, 0);
            } else {
                long at = 0;
                for (int i = 0; i < chain.readableCount(); i++) {
                    int r = chain.region(i);
                    long offset = chain.address(i) - ram.region(r).guestAddress();
                    ram.nativeMemory(r).copyTo(offset, txScratch, at, chain.length(i));
                    at += chain.length(i);
                }
                long written = tap.write(txScratch, 0, length);
                if (written < 0) {
                    dropTx(chain, length, (int) -written);
                } else {
                    transmitted.incrementAndGet();
                }
            }
            q.addUsed(chain.head(), 0);
            any = true;
        }
        if (any) {
            transport.usedBuffers(TRANSMIT_QUEUE);
        }
    }

    private void dropTx(DescriptorChain chain, long length, int errno) {
        txDropped.incrementAndGet();
        if (!loggedTxDrop) {
            loggedTxDrop = true;
            LOG.warn(
                    "virtio-net {}: dropped a transmitted frame of {} bytes ({}); further drops are only counted",
                    tap.name(),
                    length,
                    errno != 0
                            ? "the tap refused it: " + Errno.describe(errno)
                            : length < HEADER_SIZE
                                    ? "shorter than the 12-byte header, chain " + chain
                                    : "longer than " + MAX_FRAME + " bytes");
        }
    }

    /** What {@link #deliver} did with the pending frame. */
    private enum Delivery {
        DONE,
        NO_BUFFERS,
        STOPPED,
        BROKEN
    }

    /** Copies the frame pending in {@code l} into receive buffers, under the lock that reset takes. */
    private synchronized Delivery deliver(RxLoop l) {
        if (l != loop || rxQueue == null) {
            return Delivery.STOPPED;
        }
        Virtqueue q = rxQueue;
        DescriptorChain chain = rxChain;
        NativeMemory frame = l.scratch;
        int length = l.pending;
        try {
            if (l.copied == 0 && l.buffers == 0) {
                if (!guestCsum) {
                    frame.putByte(0, (byte) 0); // no VIRTIO_NET_HDR_F_DATA_VALID for a driver that did not ask
                }
                frame.putShort(HEADER_NUM_BUFFERS, (short) 1);
            }
            if (!mergeable) {
                if (!q.pop(chain)) {
                    return Delivery.NO_BUFFERS;
                }
                if (chain.writableCount() == 0) {
                    l.broken = "receive chain " + chain + " has no writable buffer";
                    return Delivery.BROKEN;
                }
                if (chain.writableBytes() < length) {
                    rxDropped.incrementAndGet();
                    if (!loggedRxDrop) {
                        loggedRxDrop = true;
                        LOG.warn(
                                "virtio-net {}: dropped a received frame of {} bytes: the receive buffer has {};"
                                        + " further drops are only counted",
                                tap.name(),
                                length,
                                chain.writableBytes());
                    }
                    q.addUsed(chain.head(), 0);
                } else {
                    copy(l, frame, 0, length, q.ram(), chain);
                    q.addUsed(chain.head(), length);
                    received.incrementAndGet();
                }
                transport.usedBuffers(RECEIVE_QUEUE);
                return Delivery.DONE;
            }
            while (l.copied < length) {
                if (l.buffers == q.size()) {
                    l.broken = "the whole receive queue (" + q.size() + " buffers, " + l.copied
                            + " bytes) cannot hold a frame of " + length + " bytes";
                    return Delivery.BROKEN;
                }
                if (!q.pop(chain)) {
                    return Delivery.NO_BUFFERS;
                }
                if (chain.writableCount() == 0) {
                    l.broken = "receive chain " + chain + " has no writable buffer";
                    return Delivery.BROKEN;
                }
                if (l.buffers == 0 && chain.writableBytes() < HEADER_SIZE) {
                    l.broken = "receive chain " + chain + " cannot hold the 12-byte header";
                    return Delivery.BROKEN;
                }
                int n = copy(l, frame, l.copied, length - l.copied, q.ram(), chain);
                l.heads[l.buffers] = chain.head();
                l.lengths[l.buffers] = n;
                l.buffers++;
                l.copied += n;
            }
            if (l.buffers > 1) {
                l.numBuffersLow.putByte(l.numBuffersLowOffset, (byte) l.buffers);
                l.numBuffersHigh.putByte(l.numBuffersHighOffset, (byte) (l.buffers >>> 8));
            }
            for (int i = 0; i < l.buffers; i++) {
                q.addUsed(l.heads[i], l.lengths[i]);
            }
            received.incrementAndGet();
            transport.usedBuffers(RECEIVE_QUEUE);
            return Delivery.DONE;
        } catch (RuntimeException e) {
            l.broken = "receive queue: " + e.getMessage();
            return Delivery.BROKEN;
        }
    }

    /**
     * Copies {@code count} bytes of {@code frame} from {@code from} into the writable buffers of
     * {@code chain}, as many as fit: the number copied. Notes where the header's num_buffers lands.
     */
    private static int copy(RxLoop l, NativeMemory frame, int from, int count, GuestRam ram, DescriptorChain chain) {
        int at = from;
        int end = from + count;
        for (int i = chain.readableCount(); i < chain.count() && at < end; i++) {
            int r = chain.region(i);
            GuestMemory region = ram.region(r);
            NativeMemory memory = ram.nativeMemory(r);
            long offset = chain.address(i) - region.guestAddress();
            int n = (int) Math.min(chain.length(i), end - at);
            frame.copyTo(at, memory, offset, n);
            if (at <= HEADER_NUM_BUFFERS && HEADER_NUM_BUFFERS < at + n) {
                l.numBuffersLow = memory;
                l.numBuffersLowOffset = offset + HEADER_NUM_BUFFERS - at;
            }
            if (at <= HEADER_NUM_BUFFERS + 1 && HEADER_NUM_BUFFERS + 1 < at + n) {
                l.numBuffersHigh = memory;
                l.numBuffersHighOffset = offset + HEADER_NUM_BUFFERS + 1 - at;
            }
            at += n;
        }
        return at - from;
    }

    private void reportBroken(RxLoop l) {
        VirtioTransport t;
        synchronized (this) {
            if (l != loop) {
                return; // reset meanwhile: nothing to tell the new driver
            }
            t = transport;
        }
        t.needsReset(l.broken);
    }

    @Override
    public void reset() {
        RxLoop l;
        synchronized (this) {
            l = loop;
            loop = null;
            if (l != null) {
                stopped = l;
            }
            rxQueue = null;
            txQueue = null;
            rxChain = null;
            txChain = null;
            transport = null;
            mergeable = false;
            guestCsum = false;
            activated = false;
            if (!closed) {
                tap.setOffload(0);
            }
        }
        // joined: the loop takes no lock of the transport's (needsReset and usedBuffers are lock-free), so
        // waiting here, under the transport's lock, ends it before the next driver sees the device
        if (l != null) {
            l.stop();
            l.join();
            synchronized (this) {
                if (stopped == l) {
                    stopped = null;
                }
            }
        }
    }

    /** Stops the receive thread and closes the tap. */
    @Override
    public void close() {
        RxLoop l;
        RxLoop old;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            l = loop;
            old = stopped;
            loop = null;
            stopped = null;
            rxQueue = null;
            txQueue = null;
            activated = false;
        }
        for (RxLoop r : new RxLoop[] {l, old}) {
            if (r != null) {
                r.stop();
                r.join();
            }
        }
        synchronized (this) {
            tap.close();
            txScratch.close();
        }
    }

    /** Whether the driver has set DRIVER_OK since the last reset. */
    public boolean activated() {
        return activated;
    }

    /** The frames written to the tap. */
    public long framesTransmitted() {
        return transmitted.get();
    }

    /** The frames handed to the driver. */
    public long framesReceived() {
        return received.get();
    }

    /** The transmitted frames dropped (too short, too long, refused by the tap). */
    public long transmitDrops() {
        return txDropped.get();
    }

    /** The received frames dropped (a receive buffer too small, a read error). */
    public long receiveDrops() {
        return rxDropped.get();
    }

    /**
     * Lets the receive thread finish the frame it is delivering, then wait: no frame reaches the guest until
     * {@link #resume()}; frames the tap receives meanwhile wait in the tap's queue (or are dropped by the host
     * when it is full, as on a busy link).
     */
    @Override
    public void pause() {
        synchronized (rxGate) {
            rxPaused = true;
        }
        RxLoop l = loop;
        if (l == null || l.thread == null) {
            return;
        }
        l.kick();
        long deadline = System.nanoTime() + 10_000_000_000L;
        synchronized (rxGate) {
            while (!rxParked && !l.stopping && l.thread.isAlive() && System.nanoTime() < deadline) {
                try {
                    rxGate.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void resume() {
        synchronized (rxGate) {
            rxPaused = false;
            rxGate.notifyAll();
        }
    }

    private void parkWhilePaused(RxLoop l) {
        synchronized (rxGate) {
            while (rxPaused && !l.stopping) {
                rxParked = true;
                rxGate.notifyAll();
                try {
                    rxGate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            rxParked = false;
        }
    }

    /** The current receive thread, or null (for tests). */
    Thread receiveThread() {
        RxLoop l = loop;
        return l == null ? null : l.thread;
    }

    /**
     * One activation's receive thread and what it owns: the frame buffer, the pollfds and the eventfd
     * that kicks or stops it. A reset only asks it to stop (see {@link #reset}); an old loop that has
     * not yet gone cannot touch the queues, since every delivery checks it is still the device's loop.
     */
    private final class RxLoop implements Runnable {
        final NativeMemory scratch;
        final NativeMemory pollFds;
        final EventFd wake;
        final int[] heads;
        final int[] lengths;
        Thread thread;
        volatile boolean stopping;
        int pending;
        int copied;
        int buffers;
        NativeMemory numBuffersLow;
        long numBuffersLowOffset;
        NativeMemory numBuffersHigh;
        long numBuffersHighOffset;
        String broken;

        RxLoop(int queueSize) {
            var access = Libc.get().access();
            scratch = access.allocate(MAX_FRAME);
            pollFds = access.allocate(2L * Libc.POLLFD_SIZE);
            wake = EventFd.create();
            heads = new int[queueSize];
            lengths = new int[queueSize];
            pollFds.clear();
            pollFds.putInt(Libc.POLLFD_SIZE, wake.fd());
            pollFds.putShort(Libc.POLLFD_SIZE + 4, Libc.POLLIN);
        }

        void start(String name) {
            thread = new Thread(this, "vmm4j-virtio-net-rx-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        void kick() {
            try {
                wake.signal();
            } catch (IllegalStateException e) {
                // the loop has stopped and closed its eventfd
            }
        }

        void stop() {
            stopping = true;
            kick();
            synchronized (rxGate) {
                rxGate.notifyAll(); // a paused loop stops too
            }
        }

        void join() {
            try {
                thread.join(10_000);
                if (thread.isAlive()) {
                    LOG.warn("virtio-net {}: the receive thread did not stop in 10 s", tap.name());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void run() {
            Libc libc = Libc.get();
            boolean readTap = true;
            try {
                while (!stopping) {
                    parkWhilePaused(this);
                    if (stopping) {
                        break;
                    }
                    if (pending == 0) {
                        if (!readTap) {
                            await(libc, false);
                            continue;
                        }
                        long n = tap.read(scratch, 0, MAX_FRAME);
                        if (n == -Errno.EAGAIN || n == -Errno.EINTR) {
                            await(libc, true);
                            continue;
                        }
                        if (n < 0) {
                            LOG.warn(
                                    "virtio-net {}: reading the tap failed, no more frames are received: {}",
                                    tap.name(),
                                    Errno.describe((int) -n));
                            readTap = false;
                            continue;
                        }
                        if (n < HEADER_SIZE) {
                            rxDropped.incrementAndGet();
                            continue;
                        }
                        pending = (int) n;
                        copied = 0;
                        buffers = 0;
                    }
                    switch (deliver(this)) {
                        case DONE -> pending = 0;
                        case NO_BUFFERS -> await(libc, false);
                        case STOPPED -> stopping = true;
                        case BROKEN -> {
                            reportBroken(this);
                            while (!stopping) {
                                parkWhilePaused(this); // a broken device still pauses for a snapshot
                                if (!stopping) {
                                    await(libc, false);
                                }
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("virtio-net {}: the receive thread failed", tap.name(), e);
            } finally {
                wake.close();
                pollFds.close();
                scratch.close();
            }
        }

        /** Waits for the eventfd (a kick or stop) and, if {@code tap}, for a frame. */
        private void await(Libc libc, boolean tapToo) {
            pollFds.putInt(0, tapToo ? tap.fd() : -1);
            pollFds.putShort(4, Libc.POLLIN);
            pollFds.putShort(6, (short) 0);
            pollFds.putShort(Libc.POLLFD_SIZE + 6, (short) 0);
            int r = libc.poll(pollFds, 2, -1);
            if (r < 0 && r != -Errno.EINTR) {
                throw new IllegalStateException("poll failed: " + Errno.describe(-r));
            }
            if ((pollFds.getShort(Libc.POLLFD_SIZE + 6) & Libc.POLLIN) != 0) {
                wake.tryRead();
            }
        }
    }

    @Override
    public String toString() {
        return "VirtioNet[" + tap.name() + ", " + formatMac(mac) + "]";
    }

    /**
     * The MAC address (checked on restore), and the frame the receive thread holds, if any: the frame with its
     * header, and how many receive chains it had taken (mergeable buffers filled with its first part). Called with
     * the device {@linkplain #pause() paused}: the receive thread waits at its loop's top, so what it holds is
     * whole. A restore puts the frame back and gives those chains back to the queue (its available index one chain
     * back per chain): the whole frame is delivered again into them, as if the snapshot had come before it.
     *
     * @throws IllegalStateException if the receive thread did not stop for the pause
     */
    @Override
    public byte[] saveState() {
        StateEncoder out = new StateEncoder(STATE_NAME, STATE_VERSION).bytes(mac);
        RxLoop l = loop;
        synchronized (rxGate) {
            if (l != null && l.thread != null && l.thread.isAlive() && !rxParked) {
                throw new IllegalStateException(
                        "virtio-net " + tap.name() + ": the receive thread did not stop for the snapshot");
            }
            boolean holding = l != null && l.pending > 0 && l.broken == null;
            out.bool(holding);
            if (holding) {
                byte[] frame = new byte[l.pending];
                l.scratch.get(0, frame, 0, frame.length);
                out.i32(l.buffers).bytes(frame);
            }
        }
        return out.toSection().data();
    }

    /**
     * Takes back what {@link #saveState} saved; the frame is delivered once the transport activates the device.
     *
     * @throws IllegalArgumentException if the state is damaged, of another layout, or for another MAC address
     */
    @Override
    public void restoreState(byte[] state) {
        StateDecoder in = new StateDecoder(new StateSection(STATE_NAME, state), STATE_NAME, STATE_VERSION);
        byte[] savedMac = in.bytes();
        if (!Arrays.equals(savedMac, mac)) {
            throw new IllegalArgumentException("state section '" + STATE_NAME + "' is for the MAC address "
                    + (savedMac.length == 6 ? formatMac(savedMac) : savedMac.length + " bytes") + ", not "
                    + formatMac(mac));
        }
        byte[] frame = null;
        int chains = 0;
        if (in.bool()) {
            chains = in.i32("receive chains taken", 0, QUEUE_SIZE);
            frame = in.bytes();
            if (frame.length < HEADER_SIZE || frame.length > MAX_FRAME) {
                throw new IllegalArgumentException("state section '" + STATE_NAME + "' holds a frame of " + frame.length
                        + " bytes; a frame with its header is " + HEADER_SIZE + " to " + MAX_FRAME);
            }
        }
        in.end();
        synchronized (this) {
            restoredFrame = frame;
            restoredChains = chains;
        }
    }
}
