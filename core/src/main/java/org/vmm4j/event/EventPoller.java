package org.vmm4j.event;

import java.util.concurrent.atomic.AtomicBoolean;
import org.vmm4j.VmmException;
import org.vmm4j.internal.UseCount;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * One thread waiting on many {@link EventFd}s at once, through Linux epoll: a device thread adds its
 * queue-notify eventfds, then loops on {@link #await(int)} and reads the ones that are {@link #ready}.
 * Another thread ends the loop with {@link #wakeUp()} (after setting its own stop flag) or
 * {@link #close()}.
 *
 * <pre>{@code
 * while (running) {
 *     int n = poller.await(-1);
 *     for (int i = 0; i < n; i++) {
 *         EventFd ready = poller.ready(i);
 *         if (ready.tryRead() != 0) { ... }
 *     }
 * }
 * }</pre>
 *
 * <p>A wake-up in steady state allocates nothing. Readiness is a hint: an eventfd removed or read by
 * another thread meanwhile may show as ready with nothing to read, so read with {@link EventFd#tryRead()}.
 * {@link #await(int)} is for one thread at a time; {@link #add}, {@link #remove}, {@link #wakeUp()}
 * and {@link #close()} may be called from any thread.
 */
public final class EventPoller implements AutoCloseable {
    private static final long WAKE_TOKEN = -1;

    private final Libc libc;
    private final int epollFd;
    private final EventFd wake;
    private final int capacity;
    /** epoll_wait's output, then one event for epoll_ctl. */
    private final NativeMemory buffer;

    private final NativeMemory ctlEvent;
    /** The eventfd in each slot (the slot is the epoll token); replaced whole on add and remove. */
    private volatile EventFd[] slots;

    private final EventFd[] ready;
    private final UseCount uses;
    private final AtomicBoolean awaiting = new AtomicBoolean();

    private EventPoller(Libc libc, int epollFd, EventFd wake, int capacity, NativeMemory buffer) {
        this.libc = libc;
        this.epollFd = epollFd;
        this.wake = wake;
        this.capacity = capacity;
        this.buffer = buffer;
        this.ctlEvent = buffer.slice((long) (capacity + 1) * Libc.EPOLL_EVENT_SIZE, Libc.EPOLL_EVENT_SIZE);
        this.slots = new EventFd[capacity];
        this.ready = new EventFd[capacity];
        this.uses = new UseCount("event poller (epoll fd " + epollFd + ")");
    }

    /**
     * A poller for up to {@code capacity} eventfds, with its own wake-up eventfd.
     *
     * @throws IllegalArgumentException if {@code capacity} is not 1..4096
     * @throws VmmException naming {@code epoll_create1} or {@code eventfd} with the errno when the kernel refuses
     */
    public static EventPoller create(int capacity) {
        if (capacity < 1 || capacity > 4096) {
            throw new IllegalArgumentException("poller capacity must be 1..4096, not " + capacity);
        }
        Libc libc = Libc.get();
        int epollFd = libc.epollCreate1(Libc.EPOLL_CLOEXEC);
        if (epollFd < 0) {
            throw Errno.exception("epoll_create1(EPOLL_CLOEXEC)", -epollFd);
        }
        EventFd wake = null;
        NativeMemory buffer = null;
        try {
            wake = EventFd.create();
            buffer = libc.access().allocate((long) (capacity + 2) * Libc.EPOLL_EVENT_SIZE);
            EventPoller poller = new EventPoller(libc, epollFd, wake, capacity, buffer);
            poller.control(Libc.EPOLL_CTL_ADD, wake.fd(), WAKE_TOKEN, "the wake-up eventfd");
            return poller;
        } catch (RuntimeException | Error e) {
            if (buffer != null) {
                buffer.close();
            }
            if (wake != null) {
                wake.close();
            }
            libc.close(epollFd);
            throw e;
        }
    }

    /** The most eventfds this poller holds at once. */
    public int capacity() {
        return capacity;
    }

    /**
     * Starts watching {@code eventFd} for a non-zero counter.
     *
     * @throws IllegalArgumentException if it is watched already
     * @throws IllegalStateException if the poller is full or closed, or {@code eventFd} is closed
     */
    public synchronized void add(EventFd eventFd) {
        uses.enter();
        try {
            EventFd[] current = slots;
            int free = -1;
            for (int i = current.length - 1; i >= 0; i--) {
                if (current[i] == eventFd) {
                    throw new IllegalArgumentException(eventFd + " is watched by this poller already");
                }
                if (current[i] == null) {
                    free = i;
                }
            }
            if (free < 0) {
                throw new IllegalStateException("the poller is full (" + capacity + " eventfds)");
            }
            control(Libc.EPOLL_CTL_ADD, eventFd.fd(), free, eventFd.toString());
            EventFd[] next = current.clone();
            next[free] = eventFd;
            slots = next;
        } finally {
            exit();
        }
    }

    /**
     * Stops watching {@code eventFd} (unwatch it before closing it).
     *
     * @throws IllegalArgumentException if it is not watched
     * @throws IllegalStateException if the poller is closed
     */
    public synchronized void remove(EventFd eventFd) {
        uses.enter();
        try {
            EventFd[] current = slots;
            for (int i = 0; i < current.length; i++) {
                if (current[i] == eventFd) {
                    if (!eventFd.isClosed()) {
                        control(Libc.EPOLL_CTL_DEL, eventFd.fd(), 0, eventFd.toString());
                    } // a closed eventfd left the epoll set when its last descriptor closed
                    EventFd[] next = current.clone();
                    next[i] = null;
                    slots = next;
                    return;
                }
            }
            throw new IllegalArgumentException(eventFd + " is not watched by this poller");
        } finally {
            exit();
        }
    }

    private void control(int op, int fd, long token, String what) {
        ctlEvent.putInt(0, Libc.EPOLLIN);
        ctlEvent.putLong(Libc.EPOLL_EVENT_DATA, token);
        int r = libc.epollCtl(epollFd, op, fd, ctlEvent);
        if (r < 0) {
            throw Errno.exception(
                    "epoll_ctl(" + (op == Libc.EPOLL_CTL_ADD ? "EPOLL_CTL_ADD" : "EPOLL_CTL_DEL") + ", " + what + ")",
                    -r);
        }
    }

    /**
     * Waits until a watched eventfd has a non-zero counter, {@link #wakeUp()} is called, or
     * {@code timeoutMillis} pass ({@code -1}: no limit). Blocks in {@code epoll_wait(2)}; allocates nothing.
     *
     * @return how many eventfds are ready, {@link #ready(int) ready(0..n-1)}; 0 after a wake-up, a
     *         timeout or an interrupting signal
     * @throws IllegalStateException if the poller is closed (also when closed while waiting), or another
     *         thread is waiting
     */
    public int await(int timeoutMillis) {
        uses.enter();
        try {
            if (!awaiting.compareAndSet(false, true)) {
                throw new IllegalStateException("another thread is waiting on this poller");
            }
            try {
                int n = libc.epollWait(epollFd, buffer, capacity + 1, timeoutMillis);
                if (n < 0) {
                    if (n == -Errno.EINTR) {
                        return 0;
                    }
                    throw Errno.exception("epoll_wait(epoll fd " + epollFd + ")", -n);
                }
                if (uses.isClosed()) {
                    throw new IllegalStateException("the event poller was closed while waiting");
                }
                EventFd[] current = slots;
                int count = 0;
                for (int i = 0; i < n; i++) {
                    long token = buffer.getLong((long) i * Libc.EPOLL_EVENT_SIZE + Libc.EPOLL_EVENT_DATA);
                    if (token == WAKE_TOKEN) {
                        wake.tryRead();
                    } else if (token >= 0 && token < current.length && current[(int) token] != null) {
                        ready[count++] = current[(int) token];
                    }
                }
                return count;
            } finally {
                awaiting.set(false);
            }
        } finally {
            exit();
        }
    }

    /**
     * The {@code index}th eventfd the last {@link #await(int)} found ready.
     *
     * @throws IndexOutOfBoundsException if {@code index} is outside what it returned
     */
    public EventFd ready(int index) {
        return ready[index];
    }

    /** Makes a thread waiting in {@link #await(int)} return 0 now (or its next wait, if none waits). */
    public void wakeUp() {
        if (uses.tryEnter()) {
            try {
                wake.signal();
            } finally {
                exit();
            }
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return uses.isClosed();
    }

    /**
     * Closes the poller (not the eventfds it watches); closing again does nothing. A thread waiting in
     * {@link #await(int)} wakes up and throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (!uses.tryEnter()) {
            return;
        }
        try {
            if (uses.markClosed()) {
                wake.signal();
            }
        } finally {
            exit();
        }
    }

    private void exit() {
        if (uses.exit()) {
            libc.close(epollFd);
            wake.close();
            buffer.close();
            java.util.Arrays.fill(ready, null);
        }
    }
}
