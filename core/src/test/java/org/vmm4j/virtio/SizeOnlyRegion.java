package org.vmm4j.virtio;

import org.vmm4j.GuestMemory;

/** A RAM region that has an address and a size but no contents: any access to it fails the test. */
final class SizeOnlyRegion implements GuestMemory {
    private final long guestAddress;
    private final long size;

    SizeOnlyRegion(long guestAddress, long size) {
        this.guestAddress = guestAddress;
        this.size = size;
    }

    @Override
    public long guestAddress() {
        return guestAddress;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public boolean logsDirtyPages() {
        return false;
    }

    private static AssertionError touched() {
        return new AssertionError("a size-only region was accessed");
    }

    @Override
    public byte getByte(long offset) {
        throw touched();
    }

    @Override
    public void putByte(long offset, byte value) {
        throw touched();
    }

    @Override
    public short getShort(long offset) {
        throw touched();
    }

    @Override
    public void putShort(long offset, short value) {
        throw touched();
    }

    @Override
    public int getInt(long offset) {
        throw touched();
    }

    @Override
    public void putInt(long offset, int value) {
        throw touched();
    }

    @Override
    public long getLong(long offset) {
        throw touched();
    }

    @Override
    public void putLong(long offset, long value) {
        throw touched();
    }

    @Override
    public void read(long offset, byte[] dst, int dstIndex, int length) {
        throw touched();
    }

    @Override
    public void write(long offset, byte[] src, int srcIndex, int length) {
        throw touched();
    }

    @Override
    public void fill(long offset, long length, byte value) {
        throw touched();
    }
}
