package org.vmm4j.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Uses in flight of a kernel resource that other threads may close, so that its descriptor and
 * buffers are released exactly once and never while a call still uses them (a freed buffer under a
 * blocked system call would be a use-after-free in native memory). Allocates nothing. Closing is a
 * use too: {@code if (tryEnter()) { if (markClosed()) wake(); if (exit()) release(); }}.
 */
public final class UseCount {
    private static final int CLOSED = Integer.MIN_VALUE;

    private final AtomicInteger state = new AtomicInteger();
    private final String what;

    /** {@code what} names the resource in the exception a use after close throws. */
    public UseCount(String what) {
        this.what = what;
    }

    /**
     * Starts a use; pair it with {@link #exit()} in a {@code finally}.
     *
     * @throws IllegalStateException if the resource is closed
     */
    public void enter() {
        if (!tryEnter()) {
            throw new IllegalStateException(what + " is closed");
        }
    }

    /** Ends a use: {@code true} if the resource was closed meanwhile and this was its last use (release it now). */
    public boolean exit() {
        return state.decrementAndGet() == CLOSED;
    }

    /** Starts a use if the resource is open: {@code false} (and no use started) if it is closed. */
    public boolean tryEnter() {
        while (true) {
            int s = state.get();
            if (s < 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /**
     * Marks the resource closed while the caller holds a use (so that the caller's own {@link #exit()}
     * or a later one releases it): {@code true} if this call closed it, {@code false} if it was closed
     * already.
     */
    public boolean markClosed() {
        while (true) {
            int s = state.get();
            if (s < 0) {
                return false;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                return true;
            }
        }
    }

    public boolean isClosed() {
        return state.get() < 0;
    }
}
