package org.vmm4j.internal.nat;

import java.lang.invoke.VarHandle;
import java.util.Objects;

import com.sun.jna.Pointer;

/**
 * Native memory through JNA's {@link Pointer} accessors, with the checks FFM segments make for free:
 * every access is bounds-checked against this region and fails with {@link IllegalStateException}
 * once the owner is closed. Slices share their owner's {@link Lifetime}.
 *
 * <p>Unlike a shared FFM arena, closing does not wait for accesses in flight on other threads: the
 * callers (vCPU, VM and stats owners) close a region only after the threads using it are done.
 */
final class JnaMemory extends NativeMemory {
    private final Pointer pointer;
    private final long address;
    private final long size;
    private final Lifetime lifetime;
    private final boolean owner;

    private JnaMemory(long address, long size, Lifetime lifetime, boolean owner) {
        this.pointer = new Pointer(address);
        this.address = address;
        this.size = size;
        this.lifetime = lifetime;
        this.owner = owner;
    }

    /** Memory whose close runs {@code release} once. */
    static JnaMemory owning(long address, long size, Runnable release) {
        return new JnaMemory(address, size, new Lifetime(release), true);
    }

    /** Memory that something else owns; never closes. */
    static JnaMemory view(long address, long size) {
        return new JnaMemory(address, size, Lifetime.FOREVER, false);
    }

    /** The liveness shared by an owner and its slices. */
    static final class Lifetime {
        static final Lifetime FOREVER = new Lifetime(null);

        private volatile boolean alive = true;
        private Runnable release;

        Lifetime(Runnable release) {
            this.release = release;
        }

        synchronized void close() {
            if (alive && release != null) {
                alive = false;
                Runnable r = release;
                release = null;
                r.run();
            }
        }
    }

    /** Checks liveness and {@code [offset, offset + length)}; returns {@code offset}. */
    private long check(long offset, long length) {
        if (!lifetime.alive) {
            throw closed();
        }
        return Objects.checkFromIndexSize(offset, length, size);
    }

    private IllegalStateException closed() {
        return new IllegalStateException("native memory at 0x" + Long.toHexString(address) + " (" + size
                + " bytes) is already closed");
    }

    @Override
    public long address() {
        return address;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public byte getByte(long offset) {
        return pointer.getByte(check(offset, 1));
    }

    @Override
    public void putByte(long offset, byte value) {
        pointer.setByte(check(offset, 1), value);
    }

    @Override
    public short getShort(long offset) {
        return pointer.getShort(check(offset, 2));
    }

    @Override
    public void putShort(long offset, short value) {
        pointer.setShort(check(offset, 2), value);
    }

    @Override
    public int getInt(long offset) {
        return pointer.getInt(check(offset, 4));
    }

    @Override
    public void putInt(long offset, int value) {
        pointer.setInt(check(offset, 4), value);
    }

    @Override
    public long getLong(long offset) {
        return pointer.getLong(check(offset, 8));
    }

    @Override
    public void putLong(long offset, long value) {
        pointer.setLong(check(offset, 8), value);
    }

    @Override
    public double getDouble(long offset) {
        return pointer.getDouble(check(offset, 8));
    }

    @Override
    public void putDouble(long offset, double value) {
        pointer.setDouble(check(offset, 8), value);
    }

    // JNA's accessors are JNI calls the JIT cannot move memory operations across, but the CPU can
    // reorder around them: the fences give the load and the store volatile (sequentially consistent)
    // ordering, as VarHandle#getVolatile/#setVolatile do on the FFM side.

    @Override
    public byte getByteVolatile(long offset) {
        long at = check(offset, 1);
        VarHandle.fullFence();
        byte value = pointer.getByte(at);
        VarHandle.acquireFence();
        return value;
    }

    @Override
    public void putByteVolatile(long offset, byte value) {
        long at = check(offset, 1);
        VarHandle.releaseFence();
        pointer.setByte(at, value);
        VarHandle.fullFence();
    }

    @Override
    public void get(long offset, byte[] dst, int dstIndex, int length) {
        Objects.checkFromIndexSize(dstIndex, length, dst.length);
        pointer.read(check(offset, length), dst, dstIndex, length);
    }

    @Override
    public void put(long offset, byte[] src, int srcIndex, int length) {
        Objects.checkFromIndexSize(srcIndex, length, src.length);
        pointer.write(check(offset, length), src, srcIndex, length);
    }

    @Override
    public void copyTo(long offset, NativeMemory dst, long dstOffset, long length) {
        JnaMemory target = (JnaMemory) dst;
        long from = address + check(offset, length);
        long to = target.address + target.check(dstOffset, length);
        if (length > 0) {
            JnaAccess.memmove(to, from, length);
        }
    }

    @Override
    public void fill(long offset, long length, byte value) {
        pointer.setMemory(check(offset, length), length, value);
    }

    @Override
    public NativeMemory slice(long offset, long length) {
        long at = check(offset, length);
        return new JnaMemory(address + at, length, lifetime, false);
    }

    @Override
    public boolean isAlive() {
        return lifetime.alive;
    }

    @Override
    public void close() {
        if (owner) {
            lifetime.close();
        }
    }

    @Override
    public String toString() {
        return "NativeMemory[0x" + Long.toHexString(address) + ", " + size + " bytes]";
    }
}
