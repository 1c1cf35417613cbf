package org.vmm4j.linux.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vmm4j.internal.nat.NativeFunction;

/**
 * Owns one reference to a libvirt object ({@code virDomainPtr}, {@code virNetworkPtr}, ...) and frees
 * it exactly once with its free function: on {@link #close()}, after the last call in flight returns.
 * A call after close fails with {@link IllegalStateException} instead of touching freed memory. If
 * the owner is never closed, a {@link Cleaner} frees the reference when the owner becomes
 * unreachable, as a safety net only.
 *
 * <p>Guarding costs two uncontended CAS operations per call.
 */
public final class LibvirtHandle {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int CLOSED = Integer.MIN_VALUE;
    private static final VarHandle USERS;

    static {
        try {
            USERS = MethodHandles.lookup().findVarHandle(LibvirtHandle.class, "users", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long address;
    private final String what;
    /** Calls in flight, with CLOSED or-ed in once closed; updated through USERS only. */
    @SuppressWarnings("unused")
    private volatile int users;

    private final Cleaner.Cleanable cleanable;

    /** Frees once; the flag it extends says whether it has run. */
    @SuppressWarnings("serial")
    private static final class Free extends AtomicBoolean implements Runnable {
        private final NativeFunction free;
        private final long address;

        Free(NativeFunction free, long address) {
            this.free = free;
            this.address = address;
        }

        @Override
        public void run() {
            if (compareAndSet(false, true)) {
                free.call(address);
            }
        }
    }

    public LibvirtHandle(Object owner, long address, NativeFunction free, String what) {
        if (address == 0) {
            throw new IllegalArgumentException("NULL " + what);
        }
        this.address = address;
        this.what = what;
        this.cleanable = CLEANER.register(owner, new Free(free, address));
    }

    /** The address, pinned until {@link #release()}; fails when closed. */
    public long acquire() {
        for (; ; ) {
            int u = users;
            if (u < 0) {
                throw new IllegalStateException(what + " is closed");
            }
            if (USERS.compareAndSet(this, u, u + 1)) {
                return address;
            }
        }
    }

    public void release() {
        if ((int) USERS.getAndAdd(this, -1) - 1 == CLOSED) {
            cleanable.clean();
        }
    }

    /**
     * Calls {@code f(object)} with the reference pinned; a negative result throws libvirt's error as
     * {@code function(subject)}.
     */
    public int call(Libvirt lv, NativeFunction f, String function, String subject) {
        long a = acquire();
        try {
            return LibvirtErrors.check(lv, f.call(a), function, subject);
        } finally {
            release();
        }
    }

    /** {@link #call(Libvirt, NativeFunction, String, String)} for {@code f(object, argument)}. */
    public int call(Libvirt lv, NativeFunction f, long argument, String function, String subject) {
        long a = acquire();
        try {
            return LibvirtErrors.check(lv, f.call(a, argument), function, subject);
        } finally {
            release();
        }
    }

    /** The raw address without pinning, for identity and logging only. */
    public long address() {
        return address;
    }

    public boolean isClosed() {
        return users < 0;
    }

    /** Fails as {@link #acquire()} does when closed, for calls answered without the reference. */
    public void checkOpen() {
        if (isClosed()) {
            throw new IllegalStateException(what + " is closed");
        }
    }

    /** Frees the reference now, or when the last call in flight returns. Idempotent. */
    public void close() {
        for (; ; ) {
            int u = users;
            if (u < 0) {
                return;
            }
            if (USERS.compareAndSet(this, u, u | CLOSED)) {
                if (u == 0) {
                    cleanable.clean();
                }
                return;
            }
        }
    }
}
