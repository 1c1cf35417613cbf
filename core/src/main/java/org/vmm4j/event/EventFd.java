package org.vmm4j.event;

import java.util.concurrent.atomic.AtomicBoolean;
import org.vmm4j.VmmException;
import org.vmm4j.internal.UseCount;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * A Linux eventfd: a 64-bit counter in the kernel that {@link #signal()} adds one to and a read
 * takes and resets. KVM signals one when the guest writes a registered address (ioeventfd) and
 * injects an interrupt when one is signalled (irqfd); a device thread waits on several with an
 * {@link EventPoller}.
 *
 * <p>The descriptor is always close-on-exec and non-blocking; {@link #await()} blocks in
 * {@code poll(2)}, never in a critical downcall. {@link #signal()} may be called from any thread;
 * reads ({@link #await()}, {@link #tryRead()}) from one thread at a time. Signalling and reading
 * allocate nothing. {@link #close()} wakes a thread blocked in {@link #await()} (which then throws
 * {@link IllegalStateException}) and releases the descriptor once no call uses it any more.
 */
public final class EventFd implements AutoCloseable {
    private static final long ONE = 0;
    private static final long VALUE = 8;
    private static final long POLLFD = 16;
    private static final int BUFFER_SIZE = 24;

    private final Libc libc;
    private final int fd;
    /** The constant 1 that a signal writes, the value a read takes, and a pollfd for {@link #await()}. */
    private final NativeMemory buffer;

    private final NativeMemory pollFd;

    private final UseCount uses;
    private final AtomicBoolean reading = new AtomicBoolean();

    private EventFd(Libc libc, int fd, NativeMemory buffer) {
        this.libc = libc;
        this.fd = fd;
        this.buffer = buffer;
        this.pollFd = buffer.slice(POLLFD, Libc.POLLFD_SIZE);
        this.uses = new UseCount("eventfd " + fd);
        buffer.putLong(ONE, 1);
        buffer.putInt(POLLFD, fd);
        buffer.putShort(POLLFD + 4, Libc.POLLIN);
    }

    /**
     * A new eventfd with counter 0.
     *
     * @throws VmmException naming {@code eventfd} and the errno when the kernel refuses (e.g. out of
     *         descriptors, or an OS without eventfd)
     */
    public static EventFd create() {
        Libc libc = Libc.get();
        int fd = libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (fd < 0) {
            throw Errno.exception("eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)", -fd);
        }
        NativeMemory buffer;
        try {
            buffer = libc.access().allocate(BUFFER_SIZE);
        } catch (RuntimeException | Error e) {
            libc.close(fd);
            throw e;
        }
        return new EventFd(libc, fd, buffer);
    }

    /**
     * The file descriptor, for handing to the kernel (KVM_IOEVENTFD, KVM_IRQFD). It stays valid until
     * {@link #close()}.
     *
     * @throws IllegalStateException if closed
     */
    public int fd() {
        if (uses.isClosed()) {
            throw new IllegalStateException("eventfd " + fd + " is closed");
        }
        return fd;
    }

    /**
     * Adds one to the counter, waking a reader. Allocates nothing.
     *
     * @throws IllegalStateException if closed
     * @throws VmmException if the write fails (the counter would overflow: 2^64 - 2 signals unread)
     */
    public void signal() {
        uses.enter();
        long r;
        try {
            r = libc.write(fd, buffer, ONE, 8);
        } finally {
            if (uses.exit()) {
                release();
            }
        }
        if (r != 8) {
            throw Errno.exception("write(eventfd " + fd + ")", (int) -r);
        }
    }

    /**
     * Takes the counter without waiting: its value (the signals since the last read), or 0 if none.
     * Allocates nothing.
     *
     * @throws IllegalStateException if closed, or if another thread is reading
     */
    public long tryRead() {
        beginRead();
        try {
            return readOnce();
        } finally {
            endRead();
        }
    }

    /**
     * Waits until the counter is non-zero, then takes it: the number of signals since the last read.
     * Blocks in {@code poll(2)}; allocates nothing.
     *
     * @throws IllegalStateException if closed (also when closed while waiting), or if another thread is
     *         reading
     */
    public long await() {
        beginRead();
        try {
            while (true) {
                long value = readOnce();
                if (value != 0) {
                    if (uses.isClosed()) {
                        throw new IllegalStateException("eventfd " + fd + " was closed while waiting");
                    }
                    return value;
                }
                int r = libc.poll(pollFd, 1, -1);
                if (r < 0 && r != -Errno.EINTR) {
                    throw Errno.exception("poll(eventfd " + fd + ")", -r);
                }
            }
        } finally {
            endRead();
        }
    }

    private long readOnce() {
        long r = libc.read(fd, buffer, VALUE, 8);
        if (r == 8) {
            return buffer.getLong(VALUE);
        }
        if (r == -Errno.EAGAIN || r == -Errno.EINTR) {
            return 0;
        }
        throw Errno.exception("read(eventfd " + fd + ")", (int) -r);
    }

    private void beginRead() {
        uses.enter();
        if (!reading.compareAndSet(false, true)) {
            if (uses.exit()) {
                release();
            }
            throw new IllegalStateException("another thread is reading eventfd " + fd);
        }
    }

    private void endRead() {
        reading.set(false);
        if (uses.exit()) {
            release();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return uses.isClosed();
    }

    /**
     * Closes the eventfd; closing again does nothing. A thread waiting in {@link #await()} wakes up
     * and throws; the descriptor is closed when the last call in flight returns. A registration with
     * KVM holds the kernel's own reference: unregister it first (or close the VM).
     */
    @Override
    public void close() {
        if (!uses.tryEnter()) {
            return; // closed already
        }
        try {
            if (uses.markClosed()) {
                libc.write(fd, buffer, ONE, 8); // wakes a reader blocked in await()
            }
        } finally {
            if (uses.exit()) {
                release();
            }
        }
    }

    private void release() {
        libc.close(fd);
        buffer.close();
    }

    @Override
    public String toString() {
        return "eventfd " + fd + (uses.isClosed() ? " (closed)" : "");
    }
}
