package org.vmm4j.virtio;

import org.vmm4j.GuestMemory;

/**
 * The driver's side of a split virtqueue, written by hand from the spec's layout (section 2.7), not
 * with the classes under test: descriptors, the available ring and reads of the used ring, all at
 * guest-physical addresses in one region.
 */
final class Rings {
    static final int NEXT = 1;
    static final int WRITE = 2;
    static final int INDIRECT = 4;

    final GuestMemory memory;
    final int size;
    final long desc;
    final long avail;
    final long used;
    private int availIdx;

    Rings(GuestMemory memory, int size, long desc, long avail, long used) {
        this.memory = memory;
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
    }

    private long off(long guestAddress) {
        return guestAddress - memory.guestAddress();
    }

    /** Writes descriptor {@code index} of the table at {@code table}. */
    void descriptor(long table, int index, long address, int length, int flags, int next) {
        long at = off(table) + 16L * index;
        memory.putLong(at, address);
        memory.putInt(at + 8, length);
        memory.putShort(at + 12, (short) flags);
        memory.putShort(at + 14, (short) next);
    }

    void descriptor(int index, long address, int length, int flags, int next) {
        descriptor(desc, index, address, length, flags, next);
    }

    /** Makes {@code head} available and publishes the new avail->idx. */
    void publish(int head) {
        memory.putShort(off(avail) + 4 + 2L * (availIdx % size), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        memory.putShort(off(avail) + 2, (short) availIdx);
    }

    void availIdx(int idx) {
        availIdx = idx & 0xffff;
        memory.putShort(off(avail) + 2, (short) availIdx);
    }

    void availFlags(int flags) {
        memory.putShort(off(avail), (short) flags);
    }

    void usedEvent(int event) {
        memory.putShort(off(avail) + 4 + 2L * size, (short) event);
    }

    int usedIdx() {
        return memory.getShort(off(used) + 2) & 0xffff;
    }

    int usedId(int slot) {
        return memory.getInt(off(used) + 4 + 8L * slot);
    }

    int usedLen(int slot) {
        return memory.getInt(off(used) + 8 + 8L * slot);
    }

    int availEvent() {
        return memory.getShort(off(used) + 4 + 8L * size) & 0xffff;
    }
}
