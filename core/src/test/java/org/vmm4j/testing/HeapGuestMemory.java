package org.vmm4j.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmm4j.GuestMemory;

/**
 * Guest RAM on the Java heap at a chosen guest-physical address, for tests that build guest data by hand
 * (virtqueues) or inspect what code under test wrote (boot structures).
 */
public final class HeapGuestMemory implements GuestMemory {
    private final long guestAddress;
    private final ByteBuffer b;

    /** {@code size} bytes at guest-physical address 0. */
    public HeapGuestMemory(int size) {
        this(0, size);
    }

    /** {@code size} bytes at {@code guestAddress}. */
    public HeapGuestMemory(long guestAddress, int size) {
        this.guestAddress = guestAddress;
        b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long guestAddress() {
        return guestAddress;
    }

    @Override
    public long size() {
        return b.capacity();
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public boolean logsDirtyPages() {
        return false;
    }

    @Override
    public byte getByte(long o) {
        return b.get(at(o, 1));
    }

    @Override
    public void putByte(long o, byte v) {
        b.put(at(o, 1), v);
    }

    @Override
    public short getShort(long o) {
        return b.getShort(at(o, 2));
    }

    @Override
    public void putShort(long o, short v) {
        b.putShort(at(o, 2), v);
    }

    @Override
    public int getInt(long o) {
        return b.getInt(at(o, 4));
    }

    @Override
    public void putInt(long o, int v) {
        b.putInt(at(o, 4), v);
    }

    @Override
    public long getLong(long o) {
        return b.getLong(at(o, 8));
    }

    @Override
    public void putLong(long o, long v) {
        b.putLong(at(o, 8), v);
    }

    @Override
    public void read(long o, byte[] dst, int dstIndex, int length) {
        b.get(at(o, length), dst, dstIndex, length);
    }

    @Override
    public void write(long o, byte[] src, int srcIndex, int length) {
        b.put(at(o, length), src, srcIndex, length);
    }

    @Override
    public void fill(long o, long length, byte value) {
        int start = at(o, length);
        for (int k = 0; k < length; k++) {
            b.put(start + k, value);
        }
    }

    /** A copy of {@code length} bytes at guest offset {@code o}. */
    public byte[] bytes(long o, int length) {
        byte[] out = new byte[length];
        read(o, out, 0, length);
        return out;
    }

    private int at(long offset, long length) {
        if (offset < 0 || length < 0 || offset > b.capacity() - length) {
            throw new IndexOutOfBoundsException(
                    "guest offset " + offset + "+" + length + " outside " + b.capacity() + " bytes");
        }
        return (int) offset;
    }
}
