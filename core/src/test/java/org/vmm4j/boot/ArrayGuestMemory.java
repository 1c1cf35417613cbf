package org.vmm4j.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.vmm4j.GuestMemory;

/** Guest memory backed by a heap array, for tests that inspect what the boot code wrote. */
final class ArrayGuestMemory implements GuestMemory {

    private final ByteBuffer b;

    ArrayGuestMemory(int size) {
        b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long guestAddress() {
        return 0;
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
        return b.get(i(o, 1));
    }

    @Override
    public void putByte(long o, byte v) {
        b.put(i(o, 1), v);
    }

    @Override
    public short getShort(long o) {
        return b.getShort(i(o, 2));
    }

    @Override
    public void putShort(long o, short v) {
        b.putShort(i(o, 2), v);
    }

    @Override
    public int getInt(long o) {
        return b.getInt(i(o, 4));
    }

    @Override
    public void putInt(long o, int v) {
        b.putInt(i(o, 4), v);
    }

    @Override
    public long getLong(long o) {
        return b.getLong(i(o, 8));
    }

    @Override
    public void putLong(long o, long v) {
        b.putLong(i(o, 8), v);
    }

    @Override
    public void read(long o, byte[] dst, int dstIndex, int length) {
        b.get(i(o, length), dst, dstIndex, length);
    }

    @Override
    public void write(long o, byte[] src, int srcIndex, int length) {
        b.put(i(o, length), src, srcIndex, length);
    }

    @Override
    public void fill(long o, long length, byte value) {
        int start = i(o, (int) length);
        for (int k = 0; k < length; k++) {
            b.put(start + k, value);
        }
    }

    byte[] bytes(long o, int length) {
        byte[] out = new byte[length];
        read(o, out, 0, length);
        return out;
    }

    private int i(long offset, int length) {
        if (offset < 0 || offset + length > b.capacity()) {
            throw new IndexOutOfBoundsException("guest offset " + offset + "+" + length + " outside " + b.capacity());
        }
        return (int) offset;
    }
}
