package org.vmm4j.internal;

import org.vmm4j.GuestMemory;
import org.vmm4j.internal.nat.NativeMemory;

/** A {@link GuestMemory} region backed by this process's {@link NativeMemory}; shared by all backends. */
public final class NativeGuestMemory implements GuestMemory {
    private final long guestAddress;
    private final NativeMemory memory;
    private final boolean readOnly;
    private final boolean logsDirtyPages;
    private final int slot;

    public NativeGuestMemory(
            long guestAddress, NativeMemory memory, boolean readOnly, boolean logsDirtyPages, int slot) {
        this.guestAddress = guestAddress;
        this.memory = memory;
        this.readOnly = readOnly;
        this.logsDirtyPages = logsDirtyPages;
        this.slot = slot;
    }

    /** The host memory behind the region. */
    public NativeMemory memory() {
        return memory;
    }

    /** The backend's slot number for this region (KVM memory slot, bhyve segment id). */
    public int slot() {
        return slot;
    }

    @Override
    public long guestAddress() {
        return guestAddress;
    }

    @Override
    public long size() {
        return memory.size();
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public boolean logsDirtyPages() {
        return logsDirtyPages;
    }

    @Override
    public byte getByte(long offset) {
        return memory.getByte(offset);
    }

    @Override
    public void putByte(long offset, byte value) {
        memory.putByte(offset, value);
    }

    @Override
    public short getShort(long offset) {
        return memory.getShort(offset);
    }

    @Override
    public void putShort(long offset, short value) {
        memory.putShort(offset, value);
    }

    @Override
    public int getInt(long offset) {
        return memory.getInt(offset);
    }

    @Override
    public void putInt(long offset, int value) {
        memory.putInt(offset, value);
    }

    @Override
    public long getLong(long offset) {
        return memory.getLong(offset);
    }

    @Override
    public void putLong(long offset, long value) {
        memory.putLong(offset, value);
    }

    @Override
    public void read(long offset, byte[] dst, int dstIndex, int length) {
        memory.get(offset, dst, dstIndex, length);
    }

    @Override
    public void write(long offset, byte[] src, int srcIndex, int length) {
        memory.put(offset, src, srcIndex, length);
    }

    @Override
    public void fill(long offset, long length, byte value) {
        memory.fill(offset, length, value);
    }

    @Override
    public String toString() {
        return String.format(
                "GuestMemory[0x%x..0x%x%s%s]",
                guestAddress,
                guestAddress + size(),
                readOnly ? ", read-only" : "",
                logsDirtyPages ? ", dirty-log" : "");
    }
}
