package org.vmm4j.virtio;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.StateSection;
import org.vmm4j.machine.MmioDevice;
import org.vmm4j.machine.StateDecoder;
import org.vmm4j.machine.StateEncoder;

/**
 * The virtio-mmio transport, version 2 (the modern interface only; virtio 1.x section 4.2.2), in
 * front of one {@link VirtioDevice}: the register window the guest's {@code virtio_mmio} driver
 * probes, feature negotiation, queue setup, the device status state machine, the interrupt status and
 * the configuration space at 0x100.
 *
 * <p>Status: the driver adds ACKNOWLEDGE, DRIVER, FEATURES_OK and DRIVER_OK in that order. FEATURES_OK
 * stays clear if the driver chose a feature the device did not offer or left out VIRTIO_VirtioFeatures.VERSION_1
 * (the driver reads the status back and gives up). DRIVER_OK activates the device. Writing 0 resets
 * the device and every register. A write that clears bits is ignored. DEVICE_NEEDS_RESET is the
 * device's: set when a queue is configured wrongly or the device finds a hostile chain, with a
 * configuration-change interrupt; notifications are then ignored until the reset.
 *
 * <p>Notifications reach {@link #notifyQueue(int)}, from a QueueNotify write on a vCPU thread or
 * (later) from an ioeventfd; before DRIVER_OK they are ignored and logged once. Nothing the guest writes
 * makes this class throw: register accesses of the wrong size or at unknown offsets are ignored (read
 * as 0), and what a device throws is caught and becomes DEVICE_NEEDS_RESET.
 *
 * <p>On the machine, each device takes a {@link #WINDOW_SIZE} window and an interrupt line, announced
 * to Linux by {@link #commandLineEntry}; {@link org.vmm4j.boot.Layout#VIRTIO_MMIO_BASE} says where.
 */
public final class VirtioMmio implements MmioDevice, VirtioTransport {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioMmio.class);

    /** The bytes of guest-physical address space one device takes: registers and configuration space. */
    public static final long WINDOW_SIZE = 0x1000;
    /** "virt" in little-endian. */
    public static final int MAGIC = 0x7472_6976;
    /** The modern (virtio 1.x) register layout. */
    public static final int VERSION = 2;
    /** The vendor ID the device reports: "vm4j" in little-endian; Linux does not look at it. */
    public static final int VENDOR_ID = 0x6a34_6d76;

    /** Device status bits (section 2.1). */
    public static final int STATUS_ACKNOWLEDGE = 1;

    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_DEVICE_NEEDS_RESET = 0x40;
    public static final int STATUS_FAILED = 0x80;

    /** Register offsets (section 4.2.2). */
    public static final int MAGIC_VALUE = 0x000;

    public static final int VERSION_REGISTER = 0x004;
    public static final int DEVICE_ID = 0x008;
    public static final int VENDOR_ID_REGISTER = 0x00c;
    public static final int DEVICE_FEATURES = 0x010;
    public static final int DEVICE_FEATURES_SEL = 0x014;
    public static final int DRIVER_FEATURES = 0x020;
    public static final int DRIVER_FEATURES_SEL = 0x024;
    public static final int QUEUE_SEL = 0x030;
    public static final int QUEUE_NUM_MAX = 0x034;
    public static final int QUEUE_NUM = 0x038;
    public static final int QUEUE_READY = 0x044;
    public static final int QUEUE_NOTIFY = 0x050;
    public static final int INTERRUPT_STATUS = 0x060;
    public static final int INTERRUPT_ACK = 0x064;
    public static final int STATUS = 0x070;
    public static final int QUEUE_DESC_LOW = 0x080;
    public static final int QUEUE_DESC_HIGH = 0x084;
    public static final int QUEUE_DRIVER_LOW = 0x090;
    public static final int QUEUE_DRIVER_HIGH = 0x094;
    public static final int QUEUE_DEVICE_LOW = 0x0a0;
    public static final int QUEUE_DEVICE_HIGH = 0x0a4;
    public static final int CONFIG_GENERATION = 0x0fc;
    public static final int CONFIG = 0x100;

    private final VirtioDevice device;
    private final VirtioInterrupt interrupt;
    private final String name;
    private final Virtqueue[] queues;
    private final int[] queueNum;
    private final long[] queueDesc;
    private final long[] queueDriver;
    private final long[] queueDevice;
    private final long offered;
    private final AtomicInteger interruptStatus = new AtomicInteger();
    private final AtomicInteger configGeneration = new AtomicInteger();

    /**
     * The device status register. Register writes change it under this object's lock; {@link #needsReset}
     * only sets a bit, without the lock (with a compare-and-set), so a device's own thread can report a
     * broken queue while a reset that waits for that thread holds the lock.
     */
    private final AtomicInteger status = new AtomicInteger();

    private volatile boolean active;
    private volatile boolean loggedEarlyNotify;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;

    /**
     * A transport for {@code device}, whose queues live in {@code ram}, interrupting through
     * {@code interrupt}.
     *
     * @throws IllegalArgumentException if the device has no queue or a queue's maximum size is not a
     *         power of two up to {@link Virtqueue#MAX_SIZE}
     */
    public VirtioMmio(VirtioDevice device, GuestRam ram, VirtioInterrupt interrupt) {
        if (device == null || ram == null || interrupt == null) {
            throw new IllegalArgumentException("device, guest RAM and interrupt are required");
        }
        this.device = device;
        this.interrupt = interrupt;
        this.name = "virtio-mmio device " + device.deviceId();
        int count = device.queueCount();
        if (count < 1 || count > 0x10000) {
            throw new IllegalArgumentException(name + " has " + count + " queues");
        }
        queues = new Virtqueue[count];
        for (int i = 0; i < count; i++) {
            queues[i] = new Virtqueue(ram, device.queueMaxSize(i));
        }
        queueNum = new int[count];
        queueDesc = new long[count];
        queueDriver = new long[count];
        queueDevice = new long[count];
        offered = device.features() | VirtioFeatures.TRANSPORT;
    }

    /**
     * Linux's kernel parameter announcing a virtio-mmio device: {@code virtio_mmio.device=<size>@<base>:<irq>},
     * for example {@code virtio_mmio.device=4K@0xd0000000:5}.
     *
     * @throws IllegalArgumentException if the size is not positive, the base negative, or the IRQ negative
     */
    public static String commandLineEntry(long base, long size, int irq) {
        if (size <= 0 || base < 0 || irq < 0) {
            throw new IllegalArgumentException("a virtio-mmio window needs a positive size, an address and an IRQ: "
                    + size + "@" + base + ":" + irq);
        }
        String amount;
        if (size % (1L << 30) == 0) {
            amount = (size >> 30) + "G";
        } else if (size % (1L << 20) == 0) {
            amount = (size >> 20) + "M";
        } else if (size % 1024 == 0) {
            amount = (size >> 10) + "K";
        } else {
            amount = Long.toString(size);
        }
        return "virtio_mmio.device=" + amount + "@0x" + Long.toHexString(base) + ":" + irq;
    }

    /** The device behind this transport. */
    public VirtioDevice device() {
        return device;
    }

    /** The device status register. */
    public int status() {
        return status.get();
    }

    /** The features the driver chose (meaningful once FEATURES_OK is set). */
    public synchronized long driverFeatures() {
        return driverFeatures;
    }

    /** The features offered: the device's and {@link VirtioFeatures#TRANSPORT}. */
    public long offeredFeatures() {
        return offered;
    }

    /** Queue {@code index}. */
    public Virtqueue queue(int index) {
        return queues[index];
    }

    /**
     * Marks in {@code log} what the device may still write into guest RAM without taking another chain: for
     * every ready queue, its used ring and the writable buffers its descriptor table names (see {@link
     * Virtqueue#markWritable(WriteLog)}). For a device that is paused.
     */
    public synchronized void markWritable(WriteLog log) {
        for (Virtqueue q : queues) {
            q.markWritable(log);
        }
    }

    @Override
    public long mmioRead(long offset, int size) {
        if (offset >= CONFIG) {
            return readConfig(offset - CONFIG, size);
        }
        if (size != 4 || (offset & 3) != 0) {
            return 0;
        }
        return readRegister((int) offset) & 0xffff_ffffL;
    }

    private long readConfig(long offset, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            return 0;
        }
        try {
            long value = device.readConfig(offset, size);
            return size == 8 ? value : value & ((1L << (8 * size)) - 1);
        } catch (RuntimeException e) {
            needsReset("reading its configuration space at " + offset + " failed: " + e);
            return 0;
        }
    }

    private synchronized int readRegister(int offset) {
        return switch (offset) {
            case MAGIC_VALUE -> MAGIC;
            case VERSION_REGISTER -> VERSION;
            case DEVICE_ID -> device.deviceId();
            case VENDOR_ID_REGISTER -> VENDOR_ID;
            case DEVICE_FEATURES -> deviceFeaturesSel <= 1 ? (int) (offered >>> (32 * deviceFeaturesSel)) : 0;
            case QUEUE_NUM_MAX -> queueSel < queues.length ? queues[queueSel].maxSize() : 0;
            case QUEUE_READY -> queueSel < queues.length && queues[queueSel].ready() ? 1 : 0;
            case INTERRUPT_STATUS -> interruptStatus.get();
            case STATUS -> status.get();
            case CONFIG_GENERATION -> configGeneration.get();
            default -> 0;
        };
    }

    @Override
    public void mmioWrite(long offset, int size, long value) {
        if (offset >= CONFIG) {
            try {
                device.writeConfig(offset - CONFIG, size, value);
            } catch (RuntimeException e) {
                needsReset("writing its configuration space at " + offset + " failed: " + e);
            }
            return;
        }
        if (size != 4 || (offset & 3) != 0) {
            return;
        }
        int v = (int) value;
        if (offset == QUEUE_NOTIFY) {
            notifyQueue(v & 0xffff); // no lock: the hot path
        } else if (offset == INTERRUPT_ACK) {
            clearInterruptBits(v);
        } else {
            writeRegister((int) offset, v);
        }
    }

    private synchronized void writeRegister(int offset, int v) {
        switch (offset) {
            case DEVICE_FEATURES_SEL -> deviceFeaturesSel = v;
            case DRIVER_FEATURES_SEL -> driverFeaturesSel = v;
            case DRIVER_FEATURES -> writeDriverFeatures(v);
            case QUEUE_SEL -> queueSel = v;
            case QUEUE_NUM -> queueRegister(offset, v);
            case QUEUE_READY -> writeQueueReady(v);
            case QUEUE_DESC_LOW,
                    QUEUE_DESC_HIGH,
                    QUEUE_DRIVER_LOW,
                    QUEUE_DRIVER_HIGH,
                    QUEUE_DEVICE_LOW,
                    QUEUE_DEVICE_HIGH -> queueRegister(offset, v);
            case STATUS -> writeStatus(v);
            default -> {
                // read-only or unknown: ignored, as the spec asks of the device
            }
        }
    }

    private void writeDriverFeatures(int v) {
        int s = status.get();
        if ((s & STATUS_DRIVER) == 0 || (s & STATUS_FEATURES_OK) != 0 || driverFeaturesSel > 1) {
            return; // only while negotiating, and only the 64 bits there are
        }
        int shift = 32 * driverFeaturesSel;
        driverFeatures = (driverFeatures & ~(0xffff_ffffL << shift)) | ((v & 0xffff_ffffL) << shift);
    }

    private void queueRegister(int offset, int v) {
        if (queueSel >= queues.length || queues[queueSel].ready() || (status.get() & STATUS_DRIVER_OK) != 0) {
            return; // the layout of an enabled queue does not change
        }
        int q = queueSel;
        long low = v & 0xffff_ffffL;
        long high = low << 32;
        switch (offset) {
            case QUEUE_NUM -> queueNum[q] = v;
            case QUEUE_DESC_LOW -> queueDesc[q] = (queueDesc[q] & ~0xffff_ffffL) | low;
            case QUEUE_DESC_HIGH -> queueDesc[q] = (queueDesc[q] & 0xffff_ffffL) | high;
            case QUEUE_DRIVER_LOW -> queueDriver[q] = (queueDriver[q] & ~0xffff_ffffL) | low;
            case QUEUE_DRIVER_HIGH -> queueDriver[q] = (queueDriver[q] & 0xffff_ffffL) | high;
            case QUEUE_DEVICE_LOW -> queueDevice[q] = (queueDevice[q] & ~0xffff_ffffL) | low;
            case QUEUE_DEVICE_HIGH -> queueDevice[q] = (queueDevice[q] & 0xffff_ffffL) | high;
            default -> throw new IllegalStateException("not a queue register: " + offset);
        }
    }

    private void writeQueueReady(int v) {
        if (queueSel >= queues.length || (status.get() & STATUS_DRIVER_OK) != 0) {
            return;
        }
        int q = queueSel;
        if ((v & 1) == 0) {
            queues[q].reset();
            return;
        }
        if ((status.get() & STATUS_FEATURES_OK) == 0) {
            needsReset("queue " + q + " was enabled before FEATURES_OK");
            return;
        }
        try {
            queues[q].configure(queueNum[q], queueDesc[q], queueDriver[q], queueDevice[q], driverFeatures);
        } catch (VirtqueueException e) {
            needsReset("queue " + q + ": " + e.getMessage());
        }
    }

    private void writeStatus(int v) {
        if (v == 0) {
            reset();
            return;
        }
        int old = status.get();
        int kept = old & ~STATUS_DEVICE_NEEDS_RESET;
        int wanted = v & 0xff & ~STATUS_DEVICE_NEEDS_RESET;
        if ((wanted & kept) != kept) {
            LOG.debug(
                    "{}: ignored a status write 0x{} that clears bits of 0x{}",
                    name,
                    Integer.toHexString(v),
                    Integer.toHexString(old));
            return;
        }
        int added = wanted & ~kept;
        if ((added & STATUS_FEATURES_OK) != 0 && !featuresAcceptable(wanted)) {
            wanted &= ~STATUS_FEATURES_OK;
            added &= ~STATUS_FEATURES_OK;
        }
        if ((added & STATUS_DRIVER_OK) != 0 && (wanted & STATUS_FEATURES_OK) == 0) {
            LOG.warn("{}: the driver set DRIVER_OK without FEATURES_OK; ignored", name);
            wanted &= ~STATUS_DRIVER_OK;
            added &= ~STATUS_DRIVER_OK;
        }
        int set = wanted;
        int before = status.getAndUpdate(now -> set | (now & STATUS_DEVICE_NEEDS_RESET));
        old |= before & STATUS_DEVICE_NEEDS_RESET; // set by the device meanwhile: do not activate
        if ((added & STATUS_DRIVER_OK) != 0 && (old & STATUS_DEVICE_NEEDS_RESET) == 0) {
            activate();
        }
    }

    private boolean featuresAcceptable(int wanted) {
        if ((wanted & STATUS_DRIVER) == 0) {
            LOG.warn("{}: FEATURES_OK without DRIVER; refused", name);
            return false;
        }
        long unknown = driverFeatures & ~offered;
        if (unknown != 0) {
            LOG.warn(
                    "{}: the driver chose features 0x{} the device does not offer; FEATURES_OK refused",
                    name,
                    Long.toHexString(unknown));
            return false;
        }
        if ((driverFeatures & VirtioFeatures.VERSION_1) == 0) {
            LOG.warn(
                    "{}: the driver did not accept VIRTIO_VirtioFeatures.VERSION_1 (legacy drivers are not supported);"
                            + " FEATURES_OK refused",
                    name);
            return false;
        }
        return true;
    }

    private void activate() {
        try {
            device.activate(queues, driverFeatures, this);
            active = true;
        } catch (RuntimeException e) {
            needsReset("activation failed: " + e);
        }
    }

    private void reset() {
        active = false;
        try {
            device.reset();
        } catch (RuntimeException e) {
            LOG.warn("{}: the device failed to reset: {}", name, e.toString());
        }
        for (int i = 0; i < queues.length; i++) {
            queues[i].reset();
            queueNum[i] = 0;
            queueDesc[i] = 0;
            queueDriver[i] = 0;
            queueDevice[i] = 0;
        }
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        queueSel = 0;
        interruptStatus.set(0);
        loggedEarlyNotify = false;
        status.set(0);
    }

    /**
     * The driver notified queue {@code index}: the one entry for a QueueNotify write and an ioeventfd.
     * Ignored (and logged once per reset) before DRIVER_OK; ignored after DEVICE_NEEDS_RESET or for a
     * queue the device does not have. What the device throws becomes DEVICE_NEEDS_RESET.
     */
    public void notifyQueue(int index) {
        if (!active) {
            if (!loggedEarlyNotify) {
                loggedEarlyNotify = true;
                LOG.warn("{}: the driver notified queue {} before DRIVER_OK; ignored", name, index);
            }
            return;
        }
        if ((status.get() & STATUS_DEVICE_NEEDS_RESET) != 0) {
            return;
        }
        if (index < 0 || index >= queues.length) {
            needsReset("notification for queue " + index + " of " + queues.length);
            return;
        }
        try {
            device.queueNotified(index);
        } catch (RuntimeException e) {
            if (!active) {
                // another vCPU reset the device under this notification: nothing to report to the new driver
                LOG.debug("{}: queue {} stopped by a reset: {}", name, index, e.toString());
            } else if (e instanceof VirtqueueException) {
                needsReset("queue " + index + ": " + e.getMessage());
            } else {
                needsReset("queue " + index + " failed: " + e);
            }
        }
    }

    @Override
    public void usedBuffers(int queue) {
        if (queue >= 0 && queue < queues.length && queues[queue].needsInterrupt()) {
            setInterruptBits(VirtioInterrupt.Cause.USED_BUFFER.bit());
            interrupt.signal(VirtioInterrupt.Cause.USED_BUFFER);
        }
    }

    @Override
    public void configChanged() {
        configGeneration.incrementAndGet();
        if ((status.get() & STATUS_DRIVER_OK) != 0) {
            raiseConfigChange();
        }
    }

    private void raiseConfigChange() {
        setInterruptBits(VirtioInterrupt.Cause.CONFIG_CHANGE.bit());
        interrupt.signal(VirtioInterrupt.Cause.CONFIG_CHANGE);
    }

    private void setInterruptBits(int bits) {
        int s;
        do {
            s = interruptStatus.get();
        } while (!interruptStatus.compareAndSet(s, s | bits));
    }

    private void clearInterruptBits(int bits) {
        int s;
        do {
            s = interruptStatus.get();
        } while (!interruptStatus.compareAndSet(s, s & ~bits));
    }

    @Override
    public void needsReset(String reason) {
        int s = status.getAndUpdate(now -> now | STATUS_DEVICE_NEEDS_RESET);
        if ((s & STATUS_DEVICE_NEEDS_RESET) == 0) {
            LOG.warn("{} needs a reset: {}", name, reason);
            if ((s & STATUS_DRIVER_OK) != 0) {
                raiseConfigChange();
            }
        }
    }

    @Override
    public String toString() {
        return name + "[status 0x" + Integer.toHexString(status.get()) + "]";
    }

    /**
     * The transport's state under {@code name}: device status, the feature selectors and the driver's
     * features, the queue registers and, for each enabled queue, the device's positions in its rings, the
     * interrupt status, the configuration generation, and the device's own {@link VirtioDevice#saveState}.
     * Call it with the machine paused (no vCPU and no device thread running).
     */
    public synchronized StateSection saveState(String name) {
        StateEncoder out = new StateEncoder(name, 1)
                .i32(device.deviceId())
                .i64(offered)
                .i32(status.get())
                .i32(deviceFeaturesSel)
                .i32(driverFeaturesSel)
                .i64(driverFeatures)
                .i32(queueSel)
                .i32(interruptStatus.get())
                .i32(configGeneration.get())
                .bool(active)
                .i32(queues.length);
        for (int q = 0; q < queues.length; q++) {
            Virtqueue queue = queues[q];
            out.i32(queueNum[q])
                    .i64(queueDesc[q])
                    .i64(queueDriver[q])
                    .i64(queueDevice[q])
                    .bool(queue.ready());
            if (queue.ready()) {
                out.i32(queue.size())
                        .i32(queue.lastAvailIndex())
                        .i32(queue.usedIndex())
                        .i32(queue.signalledUsedIndex());
            }
        }
        return out.bytes(device.saveState()).toSection();
    }

    /**
     * Puts back what {@link #saveState} saved into this fresh transport (never used by a driver) over the
     * same kind of device with the same features, and activates the device if it was active. No interrupt
     * is raised: one pending at the snapshot is in the interrupt controller's saved state. The whole section is
     * read and checked before anything changes; a refused section leaves the transport as it was, except that a
     * saved queue that does not fit this guest RAM leaves it reset.
     *
     * @throws IllegalArgumentException if the section is damaged, was saved for another device or feature
     *     set, holds a state the transport cannot be in (a status beyond 8 bits, DRIVER_OK without FEATURES_OK,
     *     features accepted that were not offered or without VERSION_1, an active device without DRIVER_OK, an
     *     enabled queue before FEATURES_OK or of another size than its QueueNum, a ring index beyond 16 bits,
     *     unknown interrupt bits), or a saved queue does not fit guest RAM
     */
    public synchronized void restoreState(StateSection section, String name) {
        StateDecoder in = new StateDecoder(section, name, 1);
        int savedId = in.i32();
        long savedOffered = in.i64();
        if (savedId != device.deviceId() || savedOffered != offered) {
            throw new IllegalArgumentException("state section '" + name + "' is for virtio device " + savedId
                    + " offering 0x" + Long.toHexString(savedOffered) + ", not device " + device.deviceId()
                    + " offering 0x" + Long.toHexString(offered));
        }
        int savedStatus = in.i32("status", 0, 0xff);
        int savedDeviceSel = in.i32();
        int savedDriverSel = in.i32();
        long savedDriverFeatures = in.i64();
        int savedQueueSel = in.i32();
        int savedInterrupts = in.i32();
        int savedGeneration = in.i32();
        boolean savedActive = in.bool();
        int count = in.i32();
        if (count != queues.length) {
            throw new IllegalArgumentException(
                    "state section '" + name + "' has " + count + " queues, not " + queues.length);
        }
        int[] num = new int[count];
        long[] desc = new long[count];
        long[] driver = new long[count];
        long[] deviceArea = new long[count];
        boolean[] ready = new boolean[count];
        int[][] indices = new int[count][];
        for (int q = 0; q < count; q++) {
            num[q] = in.i32();
            desc[q] = in.i64();
            driver[q] = in.i64();
            deviceArea[q] = in.i64();
            ready[q] = in.bool();
            if (ready[q]) {
                int size = in.i32();
                if (size != num[q]) {
                    throw in.refused("queue " + q + " is enabled with size " + size + " but QueueNum " + num[q]);
                }
                indices[q] = new int[] {
                    in.i32("queue " + q + " last available index", 0, 0xffff),
                    in.i32("queue " + q + " used index", 0, 0xffff),
                    in.i32("queue " + q + " signalled used index", 0, 0xffff)
                };
            }
        }
        byte[] own = in.bytes();
        in.end();
        checkRestored(in, savedStatus, savedDriverFeatures, savedInterrupts, savedActive, ready);

        for (int q = 0; q < count; q++) {
            queueNum[q] = num[q];
            queueDesc[q] = desc[q];
            queueDriver[q] = driver[q];
            queueDevice[q] = deviceArea[q];
            if (ready[q]) {
                try {
                    queues[q].configure(num[q], desc[q], driver[q], deviceArea[q], savedDriverFeatures);
                } catch (VirtqueueException e) {
                    reset();
                    throw new IllegalArgumentException(
                            "state section '" + name + "', queue " + q + ": " + e.getMessage(), e);
                }
                queues[q].restoreIndices(indices[q][0], indices[q][1], indices[q][2]);
            } else {
                queues[q].reset();
            }
        }
        deviceFeaturesSel = savedDeviceSel;
        driverFeaturesSel = savedDriverSel;
        driverFeatures = savedDriverFeatures;
        queueSel = savedQueueSel;
        interruptStatus.set(savedInterrupts);
        configGeneration.set(savedGeneration);
        status.set(savedStatus);
        device.restoreState(own);
        if (savedActive) {
            activate();
        }
    }

    /** Refuses a saved state no sequence of register writes and device events could have produced. */
    private void checkRestored(
            StateDecoder in, int status, long features, int interrupts, boolean active, boolean[] ready) {
        boolean featuresOk = (status & STATUS_FEATURES_OK) != 0;
        if ((status & STATUS_DRIVER_OK) != 0 && !featuresOk) {
            throw in.refused("status 0x" + Integer.toHexString(status) + " has DRIVER_OK without FEATURES_OK");
        }
        if (featuresOk && ((features & ~offered) != 0 || (features & VirtioFeatures.VERSION_1) == 0)) {
            throw in.refused("FEATURES_OK with driver features 0x" + Long.toHexString(features)
                    + ", which are not offered (0x" + Long.toHexString(offered) + ") or lack VERSION_1");
        }
        if (active && (status & STATUS_DRIVER_OK) == 0) {
            throw in.refused(
                    "the device is active but the status 0x" + Integer.toHexString(status) + " has no DRIVER_OK");
        }
        int known = VirtioInterrupt.Cause.USED_BUFFER.bit() | VirtioInterrupt.Cause.CONFIG_CHANGE.bit();
        if ((interrupts & ~known) != 0) {
            throw in.refused("interrupt status 0x" + Integer.toHexString(interrupts) + " has unknown bits");
        }
        for (int q = 0; q < ready.length; q++) {
            if (ready[q] && !featuresOk) {
                throw in.refused("queue " + q + " is enabled before FEATURES_OK");
            }
        }
    }
}
