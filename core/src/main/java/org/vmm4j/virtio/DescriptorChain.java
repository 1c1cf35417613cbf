package org.vmm4j.virtio;

import java.util.Arrays;
import org.vmm4j.GuestMemory;
import org.vmm4j.virtio.VirtqueueException.Problem;

/**
 * One descriptor chain taken from a {@link Virtqueue}: its head (the id the used ring returns) and its
 * buffers in order, first the device-readable ones (driver to device), then the device-writable ones
 * (device to driver). Indirect tables are followed, so the buffers are what the driver meant, never
 * the indirect descriptors themselves.
 *
 * <p>A chain object is reused: {@link Virtqueue#pop} overwrites it, so a device keeps one per request
 * slot and allocates nothing per request. Its arrays are sized for the queue's maximum size, which is
 * also the most buffers a chain may have.
 */
public final class DescriptorChain {
    static final int F_NEXT = 1;
    static final int F_WRITE = 2;
    static final int F_INDIRECT = 4;
    /** Bytes per descriptor: le64 addr, le32 len, le16 flags, le16 next. */
    static final int DESCRIPTOR_SIZE = 16;
    /** The most bytes a chain may describe in total (section 2.7.5: no chain longer than 2^32 bytes). */
    static final long MAX_TOTAL_LENGTH = 1L << 32;

    private final long[] addresses;
    private final int[] lengths;
    private final int[] regions;
    private final int[] seenDirect;
    private final int[] seenIndirect;
    private int stamp;
    private int head = -1;
    private int count;
    private int readableCount;
    private long readableBytes;
    private long writableBytes;

    /** A chain for queues of up to {@code capacity} descriptors. */
    public DescriptorChain(int capacity) {
        if (capacity < 1 || capacity > Virtqueue.MAX_SIZE) {
            throw new IllegalArgumentException(
                    "chain capacity must be from 1 to " + Virtqueue.MAX_SIZE + ": " + capacity);
        }
        addresses = new long[capacity];
        lengths = new int[capacity];
        regions = new int[capacity];
        seenDirect = new int[capacity];
        seenIndirect = new int[capacity];
    }

    /** The most buffers this chain can hold: the largest queue it can be read from. */
    public int capacity() {
        return addresses.length;
    }

    /** The head descriptor's index, the id to return in the used ring; -1 before the first read. */
    public int head() {
        return head;
    }

    /** The number of buffers. */
    public int count() {
        return count;
    }

    /** The number of device-readable buffers; they come first. */
    public int readableCount() {
        return readableCount;
    }

    /** The number of device-writable buffers; they follow the readable ones. */
    public int writableCount() {
        return count - readableCount;
    }

    /** Whether buffer {@code i} is device-writable. */
    public boolean isWritable(int i) {
        checkIndex(i);
        return i >= readableCount;
    }

    /** The guest-physical address of buffer {@code i}. */
    public long address(int i) {
        checkIndex(i);
        return addresses[i];
    }

    /** The length in bytes of buffer {@code i} (up to 2^32 - 1). */
    public long length(int i) {
        checkIndex(i);
        return lengths[i] & 0xffff_ffffL;
    }

    /** The index in {@link GuestRam} of the region holding buffer {@code i} wholly. */
    public int region(int i) {
        checkIndex(i);
        return regions[i];
    }

    /** The total length of the readable buffers. */
    public long readableBytes() {
        return readableBytes;
    }

    /** The total length of the writable buffers. */
    public long writableBytes() {
        return writableBytes;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("buffer " + i + " of a chain of " + count);
        }
    }

    /**
     * Reads the chain starting at descriptor {@code first} of the table at {@code tableOffset} in
     * {@code table} (already checked to hold {@code size} descriptors). On failure the chain is empty.
     */
    void read(GuestRam ram, GuestMemory table, long tableOffset, int size, int first, boolean indirectAllowed) {
        clear();
        head = first;
        if (++stamp == 0) {
            Arrays.fill(seenDirect, 0);
            Arrays.fill(seenIndirect, 0);
            stamp = 1;
        }
        try {
            walk(ram, table, tableOffset, size, first, indirectAllowed);
        } catch (VirtqueueException e) {
            clear();
            throw e;
        }
    }

    /** Empties the chain (no buffers, head -1). */
    void clear() {
        head = -1;
        count = 0;
        readableCount = 0;
        readableBytes = 0;
        writableBytes = 0;
    }

    private void walk(GuestRam ram, GuestMemory table, long tableOffset, int size, int first, boolean indirectAllowed) {
        if (first >= size) {
            throw new VirtqueueException(
                    Problem.INDEX_OUT_OF_RANGE, "head " + first + " is beyond the queue size " + size);
        }
        GuestMemory current = table;
        long base = tableOffset;
        int tableSize = size;
        int[] seen = seenDirect;
        boolean inIndirect = false;
        int index = first;
        while (true) {
            if (seen[index] == stamp) {
                throw new VirtqueueException(
                        Problem.LOOP,
                        "descriptor " + index + (inIndirect ? " of an indirect table" : "")
                                + " is visited twice in the chain from head " + first);
            }
            seen[index] = stamp;
            long at = base + (long) index * DESCRIPTOR_SIZE;
            long address = current.getLong(at);
            long length = current.getInt(at + 8) & 0xffff_ffffL;
            int flags = current.getShort(at + 12) & 0xffff;
            int next = current.getShort(at + 14) & 0xffff;
            if ((flags & F_INDIRECT) != 0) {
                if (!indirectAllowed) {
                    throw new VirtqueueException(
                            Problem.INDIRECT_NOT_NEGOTIATED,
                            "descriptor " + index + " is indirect, but VIRTIO_F_RING_INDIRECT_DESC was not negotiated");
                }
                if (inIndirect) {
                    throw new VirtqueueException(
                            Problem.INDIRECT_NESTED,
                            "descriptor " + index + " of an indirect table is itself indirect (chain from head " + first
                                    + ")");
                }
                if ((flags & F_NEXT) != 0) {
                    throw new VirtqueueException(
                            Problem.INDIRECT_WITH_NEXT,
                            "descriptor " + index + " has both INDIRECT and NEXT (chain from head " + first + ")");
                }
                if (length == 0 || length % DESCRIPTOR_SIZE != 0) {
                    throw new VirtqueueException(
                            Problem.INDIRECT_LENGTH,
                            "indirect table of " + length + " bytes at descriptor " + index
                                    + " is not a positive multiple of 16");
                }
                if (length / DESCRIPTOR_SIZE > size) {
                    throw new VirtqueueException(
                            Problem.INDIRECT_TOO_LONG,
                            "indirect table of " + length / DESCRIPTOR_SIZE
                                    + " descriptors is longer than the queue size " + size);
                }
                int region = ram.regionOf(address, length);
                if (region < 0) {
                    throw new VirtqueueException(
                            Problem.INDIRECT_OUTSIDE_RAM,
                            String.format(
                                    "indirect table [0x%x, +%d) at descriptor %d is outside guest RAM",
                                    address, length, index));
                }
                current = ram.region(region);
                base = address - current.guestAddress();
                tableSize = (int) (length / DESCRIPTOR_SIZE);
                seen = seenIndirect;
                inIndirect = true;
                index = 0;
                continue;
            }
            if (count == size) {
                throw new VirtqueueException(
                        Problem.CHAIN_TOO_LONG,
                        "the chain from head " + first + " has more than the queue size " + size + " descriptors");
            }
            int region = ram.regionOf(address, length);
            if (region < 0) {
                throw new VirtqueueException(
                        Problem.BUFFER_OUTSIDE_RAM,
                        String.format(
                                "buffer [0x%x, +%d) of descriptor %d%s is outside guest RAM",
                                address, length, index, inIndirect ? " of an indirect table" : ""));
            }
            if ((flags & F_WRITE) != 0) {
                writableBytes += length;
            } else {
                if (count > readableCount) {
                    throw new VirtqueueException(
                            Problem.READABLE_AFTER_WRITABLE,
                            "descriptor " + index + " is device-readable after a device-writable one (chain from head "
                                    + first + ")");
                }
                readableCount++;
                readableBytes += length;
            }
            if (readableBytes + writableBytes > MAX_TOTAL_LENGTH) {
                throw new VirtqueueException(
                        Problem.TOTAL_LENGTH,
                        "the chain from head " + first + " adds up to more than 2^32 bytes at descriptor " + index);
            }
            addresses[count] = address;
            lengths[count] = (int) length;
            regions[count] = region;
            count++;
            if ((flags & F_NEXT) == 0) {
                return;
            }
            if (next >= tableSize) {
                throw new VirtqueueException(
                        Problem.INDEX_OUT_OF_RANGE,
                        "descriptor " + index + " names next " + next + ", beyond its table of " + tableSize
                                + " (chain from head " + first + ")");
            }
            index = next;
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("DescriptorChain[head ").append(head);
        for (int i = 0; i < count; i++) {
            s.append(i == 0 ? ": " : ", ")
                    .append(i < readableCount ? "r " : "w ")
                    .append("0x")
                    .append(Long.toHexString(addresses[i]))
                    .append('+')
                    .append(lengths[i] & 0xffff_ffffL);
        }
        return s.append(']').toString();
    }
}
