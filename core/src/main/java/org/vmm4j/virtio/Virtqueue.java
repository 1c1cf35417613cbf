package org.vmm4j.virtio;

import java.lang.invoke.VarHandle;
import org.vmm4j.GuestMemory;
import org.vmm4j.virtio.VirtqueueException.Problem;

/**
 * The device side of one split virtqueue (virtio 1.x section 2.7): the descriptor table, the driver
 * area (available ring) and the device area (used ring) in guest RAM. {@link #pop} takes the next
 * available chain, checking every descriptor; {@link #addUsed} returns it; {@link #needsInterrupt}
 * says whether the driver asked to be told, by VIRTQ_AVAIL_F_NO_INTERRUPT or, with
 * VIRTIO_F_EVENT_IDX, by {@code used_event}.
 *
 * <p>Ordering: the driver writes descriptors and ring entries before it publishes {@code avail->idx},
 * so the device reads {@code avail->idx}, then fences (acquire) before it reads what it covers. The
 * device writes the used element, fences (release), then publishes {@code used->idx}; it fences fully
 * between that store and its load of {@code used_event} or the flags, which would otherwise be
 * reordered before it. The rings are reached through {@link GuestMemory}, whose plain accesses are
 * ordered by {@link VarHandle} fences.
 *
 * <p>One thread at a time uses a queue's rings ({@link #pop}, {@link #addUsed}, {@link #needsInterrupt}):
 * the device's worker for that queue. {@link #configure} and {@link #reset} come from the transport
 * while the queue is not in use.
 */
public final class Virtqueue {
    /** The largest queue size the split layout allows. */
    public static final int MAX_SIZE = 32768;
    /** VIRTQ_AVAIL_F_NO_INTERRUPT: the driver does not want an interrupt (without EVENT_IDX). */
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    /** VIRTQ_USED_F_NO_NOTIFY: the device does not want notifications (without EVENT_IDX). */
    public static final int USED_F_NO_NOTIFY = 1;

    private final GuestRam ram;
    private final int maxSize;
    private volatile boolean ready;
    private int size;
    private boolean eventIdx;
    private boolean indirect;
    private long descAddress;
    private long driverAddress;
    private long deviceAddress;
    private GuestMemory desc;
    private long descOffset;
    private GuestMemory avail;
    private long availOffset;
    private GuestMemory used;
    private int usedRegion;
    private long usedOffset;
    private int lastAvail;
    private int usedIndex;
    private int signalledUsed;

    /** A queue in {@code ram} of at most {@code maxSize} descriptors (a power of two up to {@link #MAX_SIZE}). */
    public Virtqueue(GuestRam ram, int maxSize) {
        if (ram == null) {
            throw new IllegalArgumentException("guest RAM is null");
        }
        if (!validSize(maxSize)) {
            throw new IllegalArgumentException(
                    "a queue's maximum size must be a power of two from 1 to " + MAX_SIZE + ": " + maxSize);
        }
        this.ram = ram;
        this.maxSize = maxSize;
    }

    private static boolean validSize(int size) {
        return size >= 1 && size <= MAX_SIZE && Integer.bitCount(size) == 1;
    }

    /** The guest RAM the rings and buffers are in. */
    public GuestRam ram() {
        return ram;
    }

    /** The largest size the driver may choose (QueueNumMax). */
    public int maxSize() {
        return maxSize;
    }

    /** The size the driver chose; 0 before {@link #configure}. */
    public int size() {
        return size;
    }

    /** Whether the queue is configured and usable. */
    public boolean ready() {
        return ready;
    }

    /** Whether VIRTIO_F_RING_INDIRECT_DESC was negotiated: descriptors may point to indirect tables. */
    public boolean indirect() {
        return indirect;
    }

    /** Whether VIRTIO_F_EVENT_IDX was negotiated for this queue. */
    public boolean eventIdx() {
        return eventIdx;
    }

    /** The guest-physical address of the descriptor table. */
    public long descriptorTableAddress() {
        return descAddress;
    }

    /** The guest-physical address of the driver area (available ring). */
    public long driverAreaAddress() {
        return driverAddress;
    }

    /** The guest-physical address of the device area (used ring). */
    public long deviceAreaAddress() {
        return deviceAddress;
    }

    /** The device's position in the available ring (free-running, modulo 2^16). */
    public int lastAvailIndex() {
        return lastAvail;
    }

    /** The next used index the device will publish (free-running, modulo 2^16). */
    public int usedIndex() {
        return usedIndex;
    }

    /** A chain object sized for this queue, to reuse with {@link #pop}. */
    public DescriptorChain newChain() {
        return new DescriptorChain(maxSize);
    }

    /**
     * Checks the driver's layout and makes the queue ready, with both ring indexes at 0. Of the
     * negotiated {@code features}, {@link VirtioFeatures#RING_EVENT_IDX} and
     * {@link VirtioFeatures#RING_INDIRECT_DESC} apply to the queue.
     *
     * @throws VirtqueueException {@link Problem#QUEUE_SIZE} if {@code size} is not a power of two from 1
     *         to {@link #maxSize()}, {@link Problem#RING_ALIGNMENT} if the descriptor table is not
     *         16-byte, the driver area 2-byte or the device area 4-byte aligned,
     *         {@link Problem#RING_OUTSIDE_RAM} if one of them is not wholly inside one region of RAM
     */
    public void configure(int size, long descAddress, long driverAddress, long deviceAddress, long features) {
        ready = false;
        if (!validSize(size) || size > maxSize) {
            throw new VirtqueueException(
                    Problem.QUEUE_SIZE, "queue size " + size + " is not a power of two from 1 to " + maxSize);
        }
        checkAlignment("descriptor table", descAddress, 16);
        checkAlignment("driver area", driverAddress, 2);
        checkAlignment("device area", deviceAddress, 4);
        int d = region("descriptor table", descAddress, 16L * size);
        // flags, idx, ring[size], used_event (always counted: the driver lays it out either way)
        int a = region("driver area", driverAddress, 6 + 2L * size);
        int u = region("device area", deviceAddress, 6 + 8L * size);
        this.size = size;
        this.eventIdx = (features & VirtioFeatures.RING_EVENT_IDX) != 0;
        this.indirect = (features & VirtioFeatures.RING_INDIRECT_DESC) != 0;
        this.descAddress = descAddress;
        this.driverAddress = driverAddress;
        this.deviceAddress = deviceAddress;
        desc = ram.region(d);
        descOffset = descAddress - desc.guestAddress();
        avail = ram.region(a);
        availOffset = driverAddress - avail.guestAddress();
        used = ram.region(u);
        usedRegion = u;
        usedOffset = deviceAddress - used.guestAddress();
        lastAvail = 0;
        usedIndex = 0;
        signalledUsed = 0;
        ready = true;
    }

    private static void checkAlignment(String what, long address, int alignment) {
        if ((address & (alignment - 1)) != 0) {
            throw new VirtqueueException(
                    Problem.RING_ALIGNMENT,
                    String.format("%s at 0x%x is not %d-byte aligned", what, address, alignment));
        }
    }

    private int region(String what, long address, long length) {
        int r = ram.regionOf(address, length);
        if (r < 0) {
            throw new VirtqueueException(
                    Problem.RING_OUTSIDE_RAM,
                    String.format("%s [0x%x, +%d) is outside guest RAM", what, address, length));
        }
        return r;
    }

    /** Forgets the layout: the queue is not ready until configured again. */
    public void reset() {
        ready = false;
        size = 0;
        eventIdx = false;
        indirect = false;
        descAddress = 0;
        driverAddress = 0;
        deviceAddress = 0;
        desc = null;
        avail = null;
        used = null;
        lastAvail = 0;
        usedIndex = 0;
        signalledUsed = 0;
    }

    /**
     * Takes the next available chain into {@code chain}. With EVENT_IDX, also writes
     * {@code avail_event}, asking to be notified when the driver makes the next chain available.
     *
     * @return {@code false} if the driver has made nothing more available (the chain is then empty)
     * @throws VirtqueueException if the queue is not ready, the available index ran more than the
     *         queue size ahead, or the chain breaks a rule (see {@link Problem}); the chain is then
     *         empty and the device's position does not move
     */
    public boolean pop(DescriptorChain chain) {
        chain.clear();
        if (!ready) {
            throw new VirtqueueException(Problem.NOT_READY, "the queue is not configured");
        }
        if (chain.capacity() < size) {
            throw new IllegalArgumentException(
                    "a chain of capacity " + chain.capacity() + " cannot be read from a queue of " + size);
        }
        int pending = pendingCount();
        if (pending == 0) {
            if (!eventIdx) {
                return false;
            }
            // tell the driver where we stopped, then look again: it may have published meanwhile
            used.putShort(usedOffset + 4 + 8L * size, (short) lastAvail);
            VarHandle.fullFence();
            pending = pendingCount();
            if (pending == 0) {
                return false;
            }
        }
        if (pending > size) {
            throw new VirtqueueException(
                    Problem.AVAIL_INDEX,
                    "the available index is " + pending + " entries past the device's position " + lastAvail
                            + ", more than the queue size " + size);
        }
        VarHandle.acquireFence(); // the ring entry and descriptors after avail->idx
        int head = avail.getShort(availOffset + 4 + 2L * (lastAvail & (size - 1))) & 0xffff;
        chain.read(ram, desc, descOffset, size, head, indirect);
        WriteLog log = ram.writeLog;
        if (log != null) {
            markWritable(log, chain);
        }
        lastAvail = (lastAvail + 1) & 0xffff;
        if (eventIdx) {
            used.putShort(usedOffset + 4 + 8L * size, (short) lastAvail);
        }
        return true;
    }

    /** Marks the pages of the chain's device-writable buffers: the device may fill them from now on. */
    private void markWritable(WriteLog log, DescriptorChain chain) {
        for (int i = chain.readableCount(); i < chain.count(); i++) {
            int r = chain.region(i);
            log.mark(r, chain.address(i) - ram.region(r).guestAddress(), chain.length(i));
        }
    }

    /**
     * Marks in {@code log} every page the device may still write without popping another chain: the device area
     * (used ring and {@code avail_event}), and every device-writable buffer the descriptor table names, directly
     * or through an indirect table, which covers the chains the device holds (the driver leaves a chain's
     * descriptors alone until it is used). Descriptors the driver is not using are marked too: harmless, a page
     * more in a snapshot. Buffers outside RAM are skipped (a pop would refuse them). Past {@link #WALK_LIMIT}
     * descriptors in all (a hostile table of indirect tables), every page of RAM is marked instead. Called with
     * the device quiet, as when a snapshot begins an epoch; does nothing for a queue that is not ready.
     */
    public void markWritable(WriteLog log) {
        if (!ready) {
            return;
        }
        log.mark(usedRegion, usedOffset, 6 + 8L * size);
        long walked = 0;
        for (int i = 0; i < size; i++) {
            long at = descOffset + (long) i * DescriptorChain.DESCRIPTOR_SIZE;
            int flags = desc.getShort(at + 12) & 0xffff;
            long address = desc.getLong(at);
            long length = desc.getInt(at + 8) & 0xffff_ffffL;
            walked++;
            if ((flags & DescriptorChain.F_INDIRECT) != 0 && indirect) {
                int r = ram.regionOf(address, length);
                if (r < 0) {
                    continue;
                }
                GuestMemory table = ram.region(r);
                long base = address - table.guestAddress();
                long entries = Math.min(length / DescriptorChain.DESCRIPTOR_SIZE, size);
                walked += entries;
                if (walked > WALK_LIMIT) {
                    log.markAll();
                    return;
                }
                for (long e = 0; e < entries; e++) {
                    long entry = base + e * DescriptorChain.DESCRIPTOR_SIZE;
                    markIfWritable(
                            log,
                            table.getShort(entry + 12) & 0xffff,
                            table.getLong(entry),
                            table.getInt(entry + 8) & 0xffff_ffffL);
                }
            } else {
                markIfWritable(log, flags, address, length);
            }
        }
    }

    /** The most descriptors {@link #markWritable(WriteLog)} reads before it marks all of RAM instead. */
    static final long WALK_LIMIT = 1L << 20;

    private void markIfWritable(WriteLog log, int flags, long address, long length) {
        if ((flags & DescriptorChain.F_WRITE) == 0 || (flags & DescriptorChain.F_INDIRECT) != 0) {
            return;
        }
        int r = ram.regionOf(address, length);
        if (r >= 0) {
            log.mark(r, address - ram.region(r).guestAddress(), length);
        }
    }

    private int pendingCount() {
        int availIdx = avail.getShort(availOffset + 2) & 0xffff;
        return (availIdx - lastAvail) & 0xffff;
    }

    /**
     * Returns the chain with head {@code head} to the driver, {@code length} bytes written into its
     * writable buffers: writes the used element, then (release) publishes the new {@code used->idx}.
     *
     * @throws IllegalArgumentException if {@code head} is not a descriptor index of this queue
     * @throws IllegalStateException if the queue is not ready
     */
    public void addUsed(int head, int length) {
        if (!ready) {
            throw new IllegalStateException("the queue is not configured");
        }
        if (head < 0 || head >= size) {
            throw new IllegalArgumentException("head " + head + " is not a descriptor of a queue of " + size);
        }
        long element = usedOffset + 4 + 8L * (usedIndex & (size - 1));
        used.putInt(element, head);
        used.putInt(element + 4, length);
        usedIndex = (usedIndex + 1) & 0xffff;
        VarHandle.releaseFence();
        used.putShort(usedOffset + 2, (short) usedIndex);
    }

    /**
     * Whether the driver wants an interrupt for the used elements added since the last time this
     * answered: with EVENT_IDX, if {@code used_event} lies in that span (the spec's
     * {@code vring_need_event(used_event, new, old)}); without it, unless the driver set
     * VIRTQ_AVAIL_F_NO_INTERRUPT. Never when nothing was added.
     */
    public boolean needsInterrupt() {
        if (!ready) {
            return false;
        }
        VarHandle.fullFence(); // our used->idx store before the driver's used_event or flags
        int old = signalledUsed;
        int now = usedIndex;
        signalledUsed = now;
        if (now == old) {
            return false;
        }
        if (eventIdx) {
            int usedEvent = avail.getShort(availOffset + 4 + 2L * size) & 0xffff;
            return needEvent(usedEvent, now, old);
        }
        return (avail.getShort(availOffset) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    /**
     * The spec's rule (section 2.7.10): notify if {@code event} lies in {@code [old, now)}, modulo
     * 2^16.
     */
    static boolean needEvent(int event, int now, int old) {
        return ((now - event - 1) & 0xffff) < ((now - old) & 0xffff);
    }

    @Override
    public String toString() {
        return ready
                ? String.format(
                        "Virtqueue[size %d, desc 0x%x, driver 0x%x, device 0x%x%s, avail %d, used %d]",
                        size,
                        descAddress,
                        driverAddress,
                        deviceAddress,
                        eventIdx ? ", event idx" : "",
                        lastAvail,
                        usedIndex)
                : "Virtqueue[not ready, max " + maxSize + "]";
    }

    /** How far the driver has been told of used buffers (the event-index bookkeeping), for a snapshot. */
    int signalledUsedIndex() {
        return signalledUsed;
    }

    /**
     * Moves the queue back over the last {@code chains} chains it popped, so they are popped again: chains a
     * restored device had taken and not used, which the driver still has posted.
     *
     * @param held what the chains held, for the message
     * @throws IllegalStateException if {@code chains} is more than the queue's size
     */
    void unpop(int chains, String held) {
        if (chains > size) {
            throw new IllegalStateException(held + " took " + chains + " chains; the queue has " + size);
        }
        lastAvail = (lastAvail - chains) & 0xffff;
    }

    /**
     * Continues a queue saved in a snapshot: after {@link #configure}, the device's positions in the rings
     * as they were.
     */
    void restoreIndices(int lastAvailIndex, int usedIdx, int signalled) {
        lastAvail = lastAvailIndex & 0xffff;
        usedIndex = usedIdx & 0xffff;
        signalledUsed = signalled & 0xffff;
    }
}
