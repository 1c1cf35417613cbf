package org.vmm4j.internal.nat;

import com.sun.jna.Pointer;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Native memory with the checks FFM segments make for free: every access is bounds-checked against
 * this region and fails with {@link IllegalStateException} once the owner is closed. Slices share
 * their owner's {@link Lifetime}.
 *
 * <p>Typed accesses go through a direct {@link ByteBuffer} over the region (JNA's
 * {@code Pointer#getByteBuffer}; the JIT compiles its absolute gets and puts to plain loads and
 * stores, about 2 ns against about 15 ns for a JNI call per access). A region too large for a
 * buffer's {@code int} index (guest RAM over 2 GiB) uses JNA's {@link Pointer} accessors instead.
 *
 * <p>The liveness check makes an access after close throw; it cannot make close wait for an access
 * already in flight on another thread, as a shared FFM arena's close does (a thread-local handshake
 * that JNA has no equivalent for). An access racing with close on another thread may touch freed or
 * unmapped memory: on JNA, close a region only once no other thread is using it.
 */
final class JnaMemory extends NativeMemory {
    private final Pointer pointer;
    /** The region as a native-order buffer, or {@code null} when it is larger than 2 GiB - 1. */
    private final ByteBuffer buffer;

    private final long address;
    private final long size;
    private final Lifetime lifetime;
    private final boolean owner;

    private JnaMemory(long address, long size, Lifetime lifetime, boolean owner) {
        this(
                address,
                size,
                lifetime,
                owner,
                size <= Integer.MAX_VALUE
                        ? new Pointer(address).getByteBuffer(0, size).order(ByteOrder.nativeOrder())
                        : null);
    }

    private JnaMemory(long address, long size, Lifetime lifetime, boolean owner, ByteBuffer buffer) {
        this.pointer = new Pointer(address);
        this.buffer = buffer;
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
        return new IllegalStateException(
                "native memory at 0x" + Long.toHexString(address) + " (" + size + " bytes) is already closed");
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
        long at = check(offset, 1);
        return buffer != null ? buffer.get((int) at) : pointer.getByte(at);
    }

    @Override
    public void putByte(long offset, byte value) {
        long at = check(offset, 1);
        if (buffer != null) {
            buffer.put((int) at, value);
        } else {
            pointer.setByte(at, value);
        }
    }

    @Override
    public short getShort(long offset) {
        long at = check(offset, 2);
        return buffer != null ? buffer.getShort((int) at) : pointer.getShort(at);
    }

    @Override
    public void putShort(long offset, short value) {
        long at = check(offset, 2);
        if (buffer != null) {
            buffer.putShort((int) at, value);
        } else {
            pointer.setShort(at, value);
        }
    }

    @Override
    public int getInt(long offset) {
        long at = check(offset, 4);
        return buffer != null ? buffer.getInt((int) at) : pointer.getInt(at);
    }

    @Override
    public void putInt(long offset, int value) {
        long at = check(offset, 4);
        if (buffer != null) {
            buffer.putInt((int) at, value);
        } else {
            pointer.setInt(at, value);
        }
    }

    @Override
    public long getLong(long offset) {
        long at = check(offset, 8);
        return buffer != null ? buffer.getLong((int) at) : pointer.getLong(at);
    }

    @Override
    public void putLong(long offset, long value) {
        long at = check(offset, 8);
        if (buffer != null) {
            buffer.putLong((int) at, value);
        } else {
            pointer.setLong(at, value);
        }
    }

    @Override
    public double getDouble(long offset) {
        long at = check(offset, 8);
        return buffer != null ? buffer.getDouble((int) at) : pointer.getDouble(at);
    }

    @Override
    public void putDouble(long offset, double value) {
        long at = check(offset, 8);
        if (buffer != null) {
            buffer.putDouble((int) at, value);
        } else {
            pointer.setDouble(at, value);
        }
    }

    // Plain accesses between fences: the fences give the load and the store volatile (sequentially
    // consistent) ordering, as VarHandle#getVolatile/#setVolatile do on the FFM side (JDK 17 has no
    // byte view VarHandle over a ByteBuffer).

    @Override
    public byte getByteVolatile(long offset) {
        long at = check(offset, 1);
        VarHandle.fullFence();
        byte value = buffer != null ? buffer.get((int) at) : pointer.getByte(at);
        VarHandle.acquireFence();
        return value;
    }

    @Override
    public void putByteVolatile(long offset, byte value) {
        long at = check(offset, 1);
        VarHandle.releaseFence();
        if (buffer != null) {
            buffer.put((int) at, value);
        } else {
            pointer.setByte(at, value);
        }
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
        ByteBuffer part = buffer != null
                ? buffer.slice((int) at, (int) length).order(ByteOrder.nativeOrder())
                : length <= Integer.MAX_VALUE
                        ? pointer.getByteBuffer(at, length).order(ByteOrder.nativeOrder())
                        : null;
        return new JnaMemory(address + at, length, lifetime, false, part);
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
