package org.vmm4j.virtio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.StateSection;
import org.vmm4j.machine.StateDecoder;
import org.vmm4j.machine.StateEncoder;

/**
 * The virtio console (device ID 3, virtio 1.x section 5.3) with one port, which Linux's
 * {@code virtio_console} makes {@code hvc0}: queue 0 (receiveq) carries input to the guest, queue 1
 * (transmitq) its output. No MULTIPORT and no emergency write; with a size given, VIRTIO_CONSOLE_F_SIZE
 * and the columns and rows in the configuration space ({@link #resize} announces a change).
 *
 * <p>Output: the readable buffers of each transmitted chain are written to the output stream in order,
 * on the thread that notifies, and the stream is flushed once per batch of chains. Linux waits for each
 * console write to come back, so a batch is always served whole; a stream that blocks holds that thread
 * (a vCPU's without ioeventfds), as the serial port's does. One 4 KiB copy buffer is allocated once.
 *
 * <p>Input: once the driver sets DRIVER_OK, a thread of the device's own reads the input stream into a
 * bounded buffer of {@link #INPUT_CAPACITY} bytes and copies it into the receive buffers the driver has
 * posted. While none are posted the bytes are held (and reading stops when the buffer is full) until the
 * driver notifies queue 0. The thread asks {@link InputStream#available()} before it reads and otherwise
 * sleeps {@link #INPUT_POLL_MILLIS} ms, so a reset or {@link #close()} stops it promptly without closing
 * the caller's stream; a stream that does not implement {@code available()} is read with blocking reads,
 * and its reader ends only once its pending read returns. Input held at a reset is kept for the next
 * driver.
 *
 * <p>A transmit chain with a device-writable buffer or a receive chain with a device-readable one is a
 * broken driver: the device sets DEVICE_NEEDS_RESET (through an exception to the transport on the
 * notifying thread, or {@link VirtioTransport#needsReset} from the input thread) and never throws into
 * its caller otherwise.
 */
public final class VirtioConsole implements VirtioDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioConsole.class);

    /** The virtio device ID of a console. */
    public static final int DEVICE_ID = 3;
    /** VIRTIO_CONSOLE_F_SIZE: the configuration space holds the console's columns and rows. */
    public static final long F_SIZE = 1L;
    /** The size of each queue. */
    public static final int QUEUE_SIZE = 256;
    /** The most input bytes held while the driver has posted no receive buffer. */
    public static final int INPUT_CAPACITY = 4096;
    /** How long the input thread sleeps when its stream has nothing available. */
    public static final int INPUT_POLL_MILLIS = 10;

    static final int RECEIVE_QUEUE = 0;
    static final int TRANSMIT_QUEUE = 1;
    private static final int CHUNK = 4096;
    /** cols (le16), rows (le16), max_nr_ports (le32), emerg_wr (le32). */
    private static final int CONFIG_SIZE = 12;

    private static final String STATE_NAME = "virtio-console";
    private static final int STATE_VERSION = 1;

    private final OutputStream output;
    private final InputStream input;
    private final boolean pollable;
    private final boolean sized;

    // transmit side, guarded by txLock
    private final Object txLock = new Object();
    private final byte[] scratch = new byte[CHUNK];
    private Virtqueue txQueue;
    private DescriptorChain txChain;
    private VirtioTransport txTransport;
    private boolean outputFailed;

    // receive side, guarded by rxLock
    private final Object rxLock = new Object();
    private final byte[] held = new byte[INPUT_CAPACITY];
    private int heldStart;
    private int heldCount;
    private Virtqueue rxQueue;
    private DescriptorChain rxChain;
    private VirtioTransport rxTransport;
    private int generation;
    private boolean closed;
    /** While the machine is paused the reader holds what is typed and delivers none of it. */
    private boolean inputPaused;
    /** The reader is reading: what it reads is not held yet. */
    private boolean reading;

    private Thread reader;

    /** Only one input thread reads the stream at a time (an old one may still be in its last read). */
    private final Object readLock = new Object();

    private final ConfigSpace config = new ConfigSpace(CONFIG_SIZE);
    private volatile boolean activated;
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();

    /**
     * A console writing the guest's output to {@code output} and giving it what {@code input} delivers
     * ({@code null}: no input), without VIRTIO_CONSOLE_F_SIZE.
     */
    public VirtioConsole(OutputStream output, InputStream input) {
        this(output, input, 0, 0);
    }

    /**
     * A console of {@code columns} by {@code rows} characters (both 0: size not offered).
     *
     * @throws IllegalArgumentException if {@code output} is null or the size is out of range (1 to
     *         65535 each, or both 0)
     */
    public VirtioConsole(OutputStream output, InputStream input, int columns, int rows) {
        if (output == null) {
            throw new IllegalArgumentException("output is required");
        }
        boolean none = columns == 0 && rows == 0;
        if (!none && !validSize(columns, rows)) {
            throw new IllegalArgumentException(
                    "a console size is 1 to 65535 columns and rows, or 0 by 0 for none: " + columns + "x" + rows);
        }
        this.output = output;
        this.input = input;
        this.pollable = input != null && implementsAvailable(input);
        this.sized = !none;
        putSize(columns, rows);
    }

    private static boolean validSize(int columns, int rows) {
        return columns >= 1 && columns <= 0xffff && rows >= 1 && rows <= 0xffff;
    }

    private static boolean implementsAvailable(InputStream in) {
        try {
            return in.getClass().getMethod("available").getDeclaringClass() != InputStream.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long features() {
        return sized ? F_SIZE : 0;
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
        // emerg_wr is not offered; the rest is read-only
    }

    /**
     * Changes the size the driver sees and tells it (a configuration change).
     *
     * @throws IllegalStateException if the console was made without a size
     * @throws IllegalArgumentException if the size is out of range
     */
    public void resize(int columns, int rows) {
        if (!sized) {
            throw new IllegalStateException("this console was made without a size (VIRTIO_CONSOLE_F_SIZE)");
        }
        if (!validSize(columns, rows)) {
            throw new IllegalArgumentException(
                    "a console size is 1 to 65535 columns and rows: " + columns + "x" + rows);
        }
        putSize(columns, rows);
        VirtioTransport t;
        synchronized (rxLock) {
            t = rxTransport;
        }
        if (t != null) {
            t.configChanged();
        }
    }

    @Override
    public void activate(Virtqueue[] queues, long features, VirtioTransport transport) {
        synchronized (txLock) {
            txQueue = queues[TRANSMIT_QUEUE];
            txChain = txQueue.ready() ? txQueue.newChain() : null;
            txTransport = transport;
        }
        synchronized (rxLock) {
            rxQueue = queues[RECEIVE_QUEUE];
            rxChain = rxQueue.ready() ? rxQueue.newChain() : null;
            rxTransport = transport;
            generation++;
            if (input != null && rxChain != null && !closed) {
                int mine = generation;
                reader = new Thread(() -> readInput(mine), "vmm4j-virtio-console-input");
                reader.setDaemon(true);
                reader.start();
            }
        }
        activated = true;
    }

    @Override
    public void queueNotified(int index) {
        if (index == TRANSMIT_QUEUE) {
            transmit();
        } else if (index == RECEIVE_QUEUE) {
            synchronized (rxLock) {
                deliver(); // a broken chain throws: the transport sets DEVICE_NEEDS_RESET
                rxLock.notifyAll(); // room in the held buffer: the reader may read again
            }
        }
    }

    private void transmit() {
        synchronized (txLock) {
            if (txChain == null) {
                return;
            }
            boolean served = false;
            try {
                while (txQueue.pop(txChain)) {
                    if (txChain.writableCount() > 0) {
                        throw new IllegalStateException("transmit chain " + txChain + " has a device-writable buffer");
                    }
                    GuestRam ram = txQueue.ram();
                    for (int i = 0; i < txChain.count(); i++) {
                        var region = ram.region(txChain.region(i));
                        long offset = txChain.address(i) - region.guestAddress();
                        long remaining = txChain.length(i);
                        while (remaining > 0) {
                            int n = (int) Math.min(remaining, CHUNK);
                            region.read(offset, scratch, 0, n);
                            write(n);
                            offset += n;
                            remaining -= n;
                        }
                    }
                    bytesOut.addAndGet(txChain.readableBytes());
                    txQueue.addUsed(txChain.head(), 0);
                    served = true;
                }
            } finally {
                if (served) {
                    flush();
                    txTransport.usedBuffers(TRANSMIT_QUEUE);
                }
            }
        }
    }

    private void write(int n) {
        if (outputFailed) {
            return;
        }
        try {
            output.write(scratch, 0, n);
        } catch (IOException e) {
            outputFailed = true;
            LOG.warn("virtio console output failed; further output is dropped", e);
        }
    }

    private void flush() {
        if (outputFailed) {
            return;
        }
        try {
            output.flush();
        } catch (IOException e) {
            outputFailed = true;
            LOG.warn("virtio console output failed; further output is dropped", e);
        }
    }

    /** Copies held input into posted receive buffers; with rxLock held. */
    private void deliver() {
        if (rxChain == null || heldCount == 0) {
            return;
        }
        boolean served = false;
        try {
            while (heldCount > 0 && rxQueue.pop(rxChain)) {
                if (rxChain.readableCount() > 0) {
                    throw new IllegalStateException("receive chain " + rxChain + " has a device-readable buffer");
                }
                GuestRam ram = rxQueue.ram();
                int written = 0;
                for (int i = 0; i < rxChain.count() && heldCount > 0; i++) {
                    var region = ram.region(rxChain.region(i));
                    long offset = rxChain.address(i) - region.guestAddress();
                    long room = rxChain.length(i);
                    while (room > 0 && heldCount > 0) {
                        int n = (int) Math.min(room, Math.min(heldCount, held.length - heldStart));
                        region.write(offset, held, heldStart, n);
                        heldStart = (heldStart + n) % held.length;
                        heldCount -= n;
                        offset += n;
                        room -= n;
                        written += n;
                    }
                }
                rxQueue.addUsed(rxChain.head(), written);
                bytesIn.addAndGet(written);
                served = true;
            }
        } finally {
            if (served) {
                rxTransport.usedBuffers(RECEIVE_QUEUE);
            }
        }
    }

    /**
     * Input typed from now on is held, not delivered, until {@link #resume()}: taking the receive lock, this
     * waits for a delivery in progress on the input thread, and, for a stream with {@code available()} (whose reads
     * do not block), for a read in progress to reach the held buffer (at most a second). A blocking read of a stream
     * without it cannot be waited for: what it returns after the pause is held too, but after a snapshot taken now.
     */
    @Override
    public void pause() {
        synchronized (rxLock) {
            inputPaused = true;
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (reading && pollable) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("the virtio console's input thread did not finish its read for the pause within 1 s");
                    return;
                }
                try {
                    rxLock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Delivers what was held while paused into the buffers the driver posted, and goes on. */
    @Override
    public void resume() {
        VirtioTransport broken = null;
        String reason = null;
        synchronized (rxLock) {
            inputPaused = false;
            try {
                deliver();
            } catch (RuntimeException e) {
                broken = rxTransport;
                reason = "queue " + RECEIVE_QUEUE + ": " + e.getMessage();
                rxChain = null;
                generation++;
            }
            rxLock.notifyAll();
        }
        if (broken != null) {
            broken.needsReset(reason); // outside rxLock, as in hold()
        }
    }

    private boolean current(int mine) {
        return generation == mine && !closed;
    }

    private void readInput(int mine) {
        byte[] buffer = new byte[INPUT_CAPACITY];
        try {
            while (true) {
                int room;
                synchronized (rxLock) {
                    while (current(mine) && heldCount == held.length) {
                        rxLock.wait();
                    }
                    if (!current(mine)) {
                        return;
                    }
                    room = held.length - heldCount;
                    reading = true;
                }
                int n = -1;
                try {
                    synchronized (readLock) {
                        if (!stillCurrent(mine)) {
                            return;
                        }
                        int available = pollable ? input.available() : room;
                        n = available > 0 ? input.read(buffer, 0, Math.min(available, room)) : 0;
                    }
                } finally {
                    if (n <= 0) {
                        doneReading(); // bytes read are handed to hold(), which ends the read with them held
                    }
                }
                if (n < 0) {
                    LOG.debug("virtio console input ended");
                    return;
                }
                if (n == 0) {
                    synchronized (rxLock) {
                        if (current(mine)) {
                            rxLock.wait(INPUT_POLL_MILLIS); // a reset or close wakes it early
                        }
                    }
                    continue;
                }
                if (!hold(buffer, n)) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.debug("virtio console input failed; the guest gets no more input", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void doneReading() {
        synchronized (rxLock) {
            reading = false;
            rxLock.notifyAll();
        }
    }

    private boolean stillCurrent(int mine) {
        synchronized (rxLock) {
            return current(mine);
        }
    }

    /** Appends what the reader read and hands it to the driver; false once the device broke. */
    private boolean hold(byte[] buffer, int n) {
        VirtioTransport broken = null;
        String reason = null;
        synchronized (rxLock) {
            int take = Math.min(n, held.length - heldCount);
            if (take < n) {
                // only when a reader of an earlier activation raced with this one
                LOG.warn("virtio console input overflowed; {} bytes dropped", n - take);
            }
            for (int i = 0; i < take; i++) {
                held[(heldStart + heldCount + i) % held.length] = buffer[i];
            }
            heldCount += take;
            reading = false;
            rxLock.notifyAll(); // a pause waits for this read to be held
            if (!inputPaused) {
                try {
                    deliver();
                } catch (RuntimeException e) {
                    broken = rxTransport;
                    reason = "queue " + RECEIVE_QUEUE + ": " + e.getMessage();
                    rxChain = null; // no more deliveries until the driver resets the device
                    generation++;
                }
            }
        }
        if (broken != null) {
            // outside rxLock: the transport holds its own lock when it resets us
            broken.needsReset(reason);
            return false;
        }
        return true;
    }

    @Override
    public void reset() {
        synchronized (txLock) {
            txQueue = null;
            txChain = null;
            txTransport = null;
        }
        synchronized (rxLock) {
            stopReader();
            rxQueue = null;
            rxChain = null;
            rxTransport = null;
        }
        activated = false;
    }

    /**
     * With rxLock held: the reader of this activation stops at its next look. It is woken, never
     * interrupted: an interrupt would close a stream made from an interruptible channel.
     */
    private void stopReader() {
        generation++;
        rxLock.notifyAll();
    }

    /** Stops the input thread and waits (up to a second) for it to end; the streams are not closed. */
    @Override
    public void close() {
        Thread t;
        synchronized (rxLock) {
            closed = true;
            stopReader();
            t = reader;
            reader = null;
            rxQueue = null;
            rxChain = null;
            rxTransport = null;
        }
        synchronized (txLock) {
            txQueue = null;
            txChain = null;
            txTransport = null;
        }
        activated = false;
        if (t != null) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warn("the virtio console's input thread is still blocked in a read of its stream");
            }
        }
    }

    /** Whether the driver has set DRIVER_OK since the last reset. */
    public boolean activated() {
        return activated;
    }

    /** The bytes the guest has written since the device was made. */
    public long bytesWritten() {
        return bytesOut.get();
    }

    /** The input bytes handed to the guest since the device was made. */
    public long bytesRead() {
        return bytesIn.get();
    }

    /** The input bytes read from the stream and not yet taken by the driver. */
    public int inputHeld() {
        synchronized (rxLock) {
            return heldCount;
        }
    }

    /** The columns offered, or 0 without VIRTIO_CONSOLE_F_SIZE. */
    public int columns() {
        return (int) config.read(0, 2);
    }

    /** The rows offered, or 0 without VIRTIO_CONSOLE_F_SIZE. */
    public int rows() {
        return (int) config.read(2, 2);
    }

    /**
     * The size the driver sees and the input held: read from the stream and not yet taken by the driver. The
     * streams themselves are not state: a restore gives the console streams of its own. Called with the device
     * {@linkplain #pause() paused}, so that no read of a stream with {@code available()} is between the stream and
     * the held buffer.
     */
    @Override
    public byte[] saveState() {
        synchronized (rxLock) {
            return new StateEncoder(STATE_NAME, STATE_VERSION)
                    .i32(columns())
                    .i32(rows())
                    .bytes(heldBytes())
                    .toSection()
                    .data();
        }
    }

    /**
     * Takes back what {@link #saveState} saved: the held input goes to the driver's receive buffers once the
     * device is active (ahead of anything its own stream delivers), and the size is the saved one.
     *
     * @throws IllegalArgumentException if the state is damaged or of another layout, holds more input than {@link
     *     #INPUT_CAPACITY}, or has a size where this console offers none (or none where it offers one)
     */
    @Override
    public void restoreState(byte[] state) {
        StateDecoder in = new StateDecoder(new StateSection(STATE_NAME, state), STATE_NAME, STATE_VERSION);
        int columns = in.i32("columns", 0, 0xffff);
        int rows = in.i32("rows", 0, 0xffff);
        byte[] input = in.bytes();
        in.end();
        boolean savedSized = columns != 0 || rows != 0;
        if (savedSized != sized || (sized && !validSize(columns, rows))) {
            throw new IllegalArgumentException("state section '" + STATE_NAME + "' has a console of " + columns + "x"
                    + rows + "; this console " + (sized ? "offers a size" : "offers no size"));
        }
        if (input.length > INPUT_CAPACITY) {
            throw new IllegalArgumentException("state section '" + STATE_NAME + "' holds " + input.length
                    + " input bytes; a console holds at most " + INPUT_CAPACITY);
        }
        synchronized (rxLock) {
            if (heldCount + input.length > held.length) {
                throw new IllegalArgumentException("the console already holds " + heldCount + " input bytes; the saved "
                        + input.length + " do not fit");
            }
            byte[] before = heldBytes();
            System.arraycopy(input, 0, held, 0, input.length);
            System.arraycopy(before, 0, held, input.length, before.length);
            heldStart = 0;
            heldCount = input.length + before.length;
        }
        putSize(columns, rows);
    }

    /** The config space's size: cols, rows; max_nr_ports and emerg_wr stay 0. */
    private void putSize(int columns, int rows) {
        config.put(0, 4, columns | ((long) rows << 16));
    }

    /** The input held, oldest first. Called holding {@code rxLock}. */
    private byte[] heldBytes() {
        byte[] bytes = new byte[heldCount];
        for (int i = 0; i < heldCount; i++) {
            bytes[i] = held[(heldStart + i) % held.length];
        }
        return bytes;
    }
}
