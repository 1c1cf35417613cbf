package org.vmm4j.virtio;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The virtio entropy device (device ID 4): one queue, no features of its own, no configuration
 * space. The writable buffers of each request are filled with bytes from {@link SecureRandom}, in
 * order and up to {@link #MAX_REQUEST_BYTES}, and the request is returned with the number of bytes
 * written as its used length. A chain with no writable buffer is a broken driver:
 * the device throws, and the transport sets DEVICE_NEEDS_RESET.
 *
 * <p>Requests are served on the thread that notifies (a vCPU thread). Only one thread serves the
 * queue at a time; the buffer used to copy random bytes is allocated once.
 */
public final class VirtioRng implements VirtioDevice {
    /** The virtio device ID of an entropy source. */
    public static final int DEVICE_ID = 4;
    /** The size of the request queue. */
    public static final int QUEUE_SIZE = 256;

    /**
     * The most bytes one request gets (the driver asks for tens of bytes): a guest offering gigabytes
     * gets this much, and the used length says so, instead of keeping a vCPU thread busy.
     */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;

    private static final int CHUNK = 4096;

    private final SecureRandom random;
    private final byte[] scratch = new byte[CHUNK];
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private volatile boolean activated;
    private Virtqueue queue;
    private DescriptorChain chain;
    private VirtioTransport transport;

    /** An entropy device reading from a new {@link SecureRandom}. */
    public VirtioRng() {
        this(new SecureRandom());
    }

    /** An entropy device reading from {@code random}. */
    public VirtioRng(SecureRandom random) {
        if (random == null) {
            throw new IllegalArgumentException("random is required");
        }
        this.random = random;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long features() {
        return 0;
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
        return 0;
    }

    @Override
    public void writeConfig(long offset, int size, long value) {
        // no configuration space: writes are ignored
    }

    @Override
    public synchronized void activate(Virtqueue[] queues, long features, VirtioTransport transport) {
        this.queue = queues[0];
        this.chain = queues[0].ready() ? queues[0].newChain() : null;
        this.transport = transport;
        activated = true;
    }

    @Override
    public synchronized void queueNotified(int index) {
        if (index != 0 || chain == null) {
            return;
        }
        boolean served = false;
        while (queue.pop(chain)) {
            if (chain.writableCount() == 0) {
                // thrown, not reported here: the transport sets DEVICE_NEEDS_RESET once this lock is released
                throw new IllegalStateException("entropy request " + chain + " has no writable buffer");
            }
            long written = 0;
            GuestRam ram = queue.ram();
            for (int i = 0; i < chain.count() && written < MAX_REQUEST_BYTES; i++) {
                if (!chain.isWritable(i)) {
                    continue;
                }
                var region = ram.region(chain.region(i));
                long offset = chain.address(i) - region.guestAddress();
                long remaining = Math.min(chain.length(i), MAX_REQUEST_BYTES - written);
                while (remaining > 0) {
                    int n = (int) Math.min(remaining, CHUNK);
                    random.nextBytes(scratch);
                    region.write(offset, scratch, 0, n);
                    offset += n;
                    remaining -= n;
                    written += n;
                }
            }
            queue.addUsed(chain.head(), (int) written);
            requests.incrementAndGet();
            bytes.addAndGet(written);
            served = true;
        }
        if (served) {
            transport.usedBuffers(0);
        }
    }

    @Override
    public synchronized void reset() {
        queue = null;
        chain = null;
        transport = null;
        activated = false;
    }

    /** Whether the driver has set DRIVER_OK since the last reset. */
    public boolean activated() {
        return activated;
    }

    /** The requests served since the device was made. */
    public long requestsServed() {
        return requests.get();
    }

    /** The random bytes handed to the driver since the device was made. */
    public long bytesServed() {
        return bytes.get();
    }
}
