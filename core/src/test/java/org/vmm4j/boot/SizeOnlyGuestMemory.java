package org.vmm4j.boot;

import org.vmm4j.GuestMemory;

/**
 * Guest memory of any size that stores nothing: every access is checked against its size (and every
 * source array range against the array), so the fuzz targets can load hostile kernels into gigabytes
 * of "memory" without allocating it. Reads return zero.
 */
final class SizeOnlyGuestMemory implements GuestMemory {

    private final long size;
    private long bytesWritten;

    SizeOnlyGuestMemory(long size) {
        this.size = size;
    }

    /** Bytes written and filled so far. */
    long bytesWritten() {
        return bytesWritten;
    }

    @Override
    public long guestAddress() {
        return 0;
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

    @Override
    public byte getByte(long offset) {
        check(offset, 1);
        return 0;
    }

    @Override
    public void putByte(long offset, byte value) {
        written(offset, 1);
    }

    @Override
    public short getShort(long offset) {
        check(offset, 2);
        return 0;
    }

    @Override
    public void putShort(long offset, short value) {
        written(offset, 2);
    }

    @Override
    public int getInt(long offset) {
        check(offset, 4);
        return 0;
    }

    @Override
    public void putInt(long offset, int value) {
        written(offset, 4);
    }

    @Override
    public long getLong(long offset) {
        check(offset, 8);
        return 0;
    }

    @Override
    public void putLong(long offset, long value) {
        written(offset, 8);
    }

    @Override
    public void read(long offset, byte[] dst, int dstIndex, int length) {
        check(offset, length);
        checkArray(dst, dstIndex, length);
    }

    @Override
    public void write(long offset, byte[] src, int srcIndex, int length) {
        checkArray(src, srcIndex, length);
        written(offset, length);
    }

    @Override
    public void fill(long offset, long length, byte value) {
        written(offset, length);
    }

    private void written(long offset, long length) {
        check(offset, length);
        bytesWritten += length;
    }

    private void check(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new AssertionError(
                    "access of " + length + " bytes at 0x" + Long.toHexString(offset) + " outside " + size + " bytes");
        }
    }

    private static void checkArray(byte[] array, int index, int length) {
        if (index < 0 || length < 0 || index > array.length - length) {
            throw new AssertionError(
                    "array range " + index + "+" + length + " outside an array of " + array.length + " bytes");
        }
    }
}
