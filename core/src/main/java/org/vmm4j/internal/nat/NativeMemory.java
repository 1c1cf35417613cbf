package org.vmm4j.internal.nat;

import java.nio.charset.StandardCharsets;

/**
 * An off-heap region addressed with {@code long} offsets: guest RAM, the mapped {@code kvm_run}, ioctl
 * argument structs, stats buffers. Accesses are bounds-checked and fail with an exception, never a
 * crash, including after {@link #close()}. Byte order is the platform's (little-endian on x86-64).
 *
 * <p>Owning regions (from {@link NativeAccess#allocate} or {@link Libc#mmap}) release their memory on
 * close; slices and views share their parent's lifetime and their close does nothing.
 */
public abstract class NativeMemory implements AutoCloseable {

    /** Native address of offset 0. */
    public abstract long address();

    /** Size in bytes. */
    public abstract long size();

    public abstract byte getByte(long offset);

    public abstract void putByte(long offset, byte value);

    public abstract short getShort(long offset);

    public abstract void putShort(long offset, short value);

    public abstract int getInt(long offset);

    public abstract void putInt(long offset, int value);

    public abstract long getLong(long offset);

    public abstract void putLong(long offset, long value);

    public abstract double getDouble(long offset);

    public abstract void putDouble(long offset, double value);

    /** A byte read with volatile semantics, for fields another thread or the kernel writes concurrently. */
    public abstract byte getByteVolatile(long offset);

    /** A byte written with volatile semantics (e.g. {@code kvm_run.immediate_exit} set from another thread). */
    public abstract void putByteVolatile(long offset, byte value);

    /** Copies {@code length} bytes at {@code offset} into {@code dst[dstIndex..]}. */
    public abstract void get(long offset, byte[] dst, int dstIndex, int length);

    /** Copies {@code src[srcIndex..srcIndex+length)} to {@code offset}. */
    public abstract void put(long offset, byte[] src, int srcIndex, int length);

    /** Copies {@code length} bytes from this region at {@code offset} to {@code dst} at {@code dstOffset}. */
    public abstract void copyTo(long offset, NativeMemory dst, long dstOffset, long length);

    /** Sets {@code length} bytes from {@code offset} to {@code value}. */
    public abstract void fill(long offset, long length, byte value);

    /** A view of part of this region, sharing its lifetime. */
    public abstract NativeMemory slice(long offset, long length);

    /** Whether the memory can still be accessed. */
    public abstract boolean isAlive();

    /** Releases owned memory; a no-op for slices and views, idempotent for owners. */
    @Override
    public abstract void close();

    public final int getUnsignedByte(long offset) {
        return getByte(offset) & 0xff;
    }

    public final int getUnsignedShort(long offset) {
        return getShort(offset) & 0xffff;
    }

    public final long getUnsignedInt(long offset) {
        return getInt(offset) & 0xffff_ffffL;
    }

    /** Clears the whole region. */
    public final void clear() {
        fill(0, size(), (byte) 0);
    }

    /** Reads bytes into a new array. */
    public final byte[] toArray(long offset, int length) {
        byte[] bytes = new byte[length];
        get(offset, bytes, 0, length);
        return bytes;
    }

    /** A NUL-terminated UTF-8 string at {@code offset}, bounded by the end of the region. */
    public final String getString(long offset) {
        long end = offset;
        long limit = size();
        while (end < limit && getByte(end) != 0) {
            end++;
        }
        return new String(toArray(offset, Math.toIntExact(end - offset)), StandardCharsets.UTF_8);
    }

    /** Writes {@code value} as UTF-8 with a terminating NUL; fails if it does not fit. */
    public final void putString(long offset, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (offset + bytes.length + 1 > size()) {
            throw new IndexOutOfBoundsException("string of " + bytes.length + " bytes does not fit at offset " + offset
                    + " of a " + size() + "-byte region");
        }
        put(offset, bytes, 0, bytes.length);
        putByte(offset + bytes.length, (byte) 0);
    }
}
