package org.vmm4j.internal.nat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A {@link MemorySegment} as {@link NativeMemory}. Owners hold a shared arena: closing it invalidates
 * the segment for every thread (accesses then throw instead of touching unmapped memory).
 */
final class FfmMemory extends NativeMemory {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final VarHandle BYTE_HANDLE = ValueLayout.JAVA_BYTE.varHandle();

    private final MemorySegment segment;
    private final Arena arena;

    FfmMemory(MemorySegment segment, Arena arena) {
        this.segment = segment;
        this.arena = arena;
    }

    MemorySegment segment() {
        return segment;
    }

    @Override
    public long address() {
        return segment.address();
    }

    @Override
    public long size() {
        return segment.byteSize();
    }

    @Override
    public byte getByte(long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset);
    }

    @Override
    public void putByte(long offset, byte value) {
        segment.set(ValueLayout.JAVA_BYTE, offset, value);
    }

    @Override
    public short getShort(long offset) {
        return segment.get(SHORT, offset);
    }

    @Override
    public void putShort(long offset, short value) {
        segment.set(SHORT, offset, value);
    }

    @Override
    public int getInt(long offset) {
        return segment.get(INT, offset);
    }

    @Override
    public void putInt(long offset, int value) {
        segment.set(INT, offset, value);
    }

    @Override
    public long getLong(long offset) {
        return segment.get(LONG, offset);
    }

    @Override
    public void putLong(long offset, long value) {
        segment.set(LONG, offset, value);
    }

    @Override
    public double getDouble(long offset) {
        return segment.get(DOUBLE, offset);
    }

    @Override
    public void putDouble(long offset, double value) {
        segment.set(DOUBLE, offset, value);
    }

    @Override
    public byte getByteVolatile(long offset) {
        return (byte) BYTE_HANDLE.getVolatile(segment, offset);
    }

    @Override
    public void putByteVolatile(long offset, byte value) {
        BYTE_HANDLE.setVolatile(segment, offset, value);
    }

    @Override
    public void get(long offset, byte[] dst, int dstIndex, int length) {
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, dst, dstIndex, length);
    }

    @Override
    public void put(long offset, byte[] src, int srcIndex, int length) {
        MemorySegment.copy(src, srcIndex, segment, ValueLayout.JAVA_BYTE, offset, length);
    }

    @Override
    public void copyTo(long offset, NativeMemory dst, long dstOffset, long length) {
        MemorySegment.copy(segment, offset, ((FfmMemory) dst).segment, dstOffset, length);
    }

    @Override
    public void fill(long offset, long length, byte value) {
        segment.asSlice(offset, length).fill(value);
    }

    @Override
    public NativeMemory slice(long offset, long length) {
        return new FfmMemory(segment.asSlice(offset, length), null);
    }

    @Override
    public boolean isAlive() {
        return segment.scope().isAlive();
    }

    @Override
    public void close() {
        if (arena != null) {
            synchronized (this) {
                if (arena.scope().isAlive()) {
                    arena.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "NativeMemory[0x" + Long.toHexString(address()) + ", " + size() + " bytes]";
    }
}
