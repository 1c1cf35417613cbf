package org.vmm4j.linux.internal;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.POINTER;
import static org.vmm4j.internal.nat.CType.VOID;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.guest.GuestConsole;
import org.vmm4j.internal.nat.NativeCallback;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;
import org.vmm4j.linux.abi.LibvirtLayout;

/**
 * A domain's console as a non-blocking libvirt stream ({@code virDomainOpenConsole} into
 * {@code virStreamNew(conn, VIR_STREAM_NONBLOCK)}), driven by stream events on the libvirt event loop
 * thread ({@link LibvirtEventLoop}): a readable event drains the stream into a 64 KiB buffer that
 * {@link #output()} reads; when the buffer is full, readable events are switched off until the reader
 * catches up, so a slow reader holds the data back in libvirt instead of growing the heap. Writes call
 * {@code virStreamSend} on the writer's thread and, on EAGAIN, wait for a writable event.
 *
 * <p>Every stream call, on either thread, and the one native buffer they share, are guarded by one lock;
 * {@link #close()} marks the console closed under it, so after that no callback or writer touches the
 * stream, and the stream and buffer are then released without it. The C callback is one process-wide
 * upcall stub that finds the console by the number passed as libvirt's opaque pointer, as
 * {@link LibvirtEvents} does, so no stub is freed while libvirt might still call it.
 */
public final class LibvirtConsole implements GuestConsole {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtConsole.class);
    private static final int RING_BYTES = 64 << 10;
    private static final int CHUNK_BYTES = 16 << 10;
    /** virStreamRecv's and virStreamSend's "would block". */
    private static final long EAGAIN = -2;

    private static final int ALWAYS = LibvirtLayout.STREAM_EVENT_ERROR | LibvirtLayout.STREAM_EVENT_HANGUP;
    private static final AtomicLong IDS = new AtomicLong();
    private static final Map<Long, LibvirtConsole> REGISTRY = new ConcurrentHashMap<>();
    private static NativeCallback streamStub;

    private final Libvirt lv;
    private final String guest;
    private final long id = IDS.incrementAndGet();
    private final LibvirtHandle stream;
    private final NativeMemory chunk;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ReentrantLock writers = new ReentrantLock();
    private final byte[] ring = new byte[RING_BYTES];
    private final InputStream output = new Output();
    private final OutputStream input = new Input();

    // guarded by lock
    private int head;
    private int count;
    private boolean eof;
    private boolean closed;
    private boolean writerWaiting;
    private boolean writable;
    private int registered;
    private IOException failure;

    // set while opening, read by close after closed is set
    private boolean opened;
    private boolean loopAcquired;
    private boolean callbackAdded;

    private LibvirtConsole(Libvirt lv, String guest, long stream) {
        this.lv = lv;
        this.guest = guest;
        this.stream = new LibvirtHandle(this, stream, lv.virStreamFree, "the console stream of " + guest);
        this.chunk = lv.access.allocate(CHUNK_BYTES);
    }

    /**
     * Opens the first console of the domain {@code dom} (a pinned {@code virDomainPtr}) on the connection
     * {@code conn} (pinned too). The caller has checked that the domain runs and has a console; a libvirt
     * failure is thrown as it is.
     *
     * @param force take the console over from another session ({@code VIR_DOMAIN_CONSOLE_FORCE})
     */
    public static LibvirtConsole open(Libvirt lv, long conn, long dom, String guest, boolean force) {
        createStub(lv);
        long st = LibvirtErrors.checkPointer(
                lv, lv.virStreamNew.call(conn, LibvirtLayout.STREAM_NONBLOCK), "virStreamNew", guest);
        LibvirtConsole console = new LibvirtConsole(lv, guest, st);
        try {
            int flags = LibvirtLayout.DOMAIN_CONSOLE_SAFE | (force ? LibvirtLayout.DOMAIN_CONSOLE_FORCE : 0);
            LibvirtErrors.check(lv, lv.virDomainOpenConsole.call(dom, 0, st, flags), "virDomainOpenConsole", guest);
            console.opened = true;
            LibvirtEventLoop.acquire(lv);
            console.loopAcquired = true;
            REGISTRY.put(console.id, console);
            int events = LibvirtLayout.STREAM_EVENT_READABLE | ALWAYS;
            LibvirtErrors.check(
                    lv,
                    lv.virStreamEventAddCallback.call(st, events, streamStub.address(), console.id, 0),
                    "virStreamEventAddCallback",
                    guest);
            console.registered = events;
            console.callbackAdded = true;
            return console;
        } catch (RuntimeException e) {
            console.close();
            throw e;
        }
    }

    private static synchronized void createStub(Libvirt lv) {
        if (streamStub != null) {
            return;
        }
        try {
            streamStub = lv.access.upcall(
                    MethodHandles.lookup()
                            .findStatic(
                                    LibvirtConsole.class,
                                    "onStreamEvent",
                                    MethodType.methodType(void.class, long.class, int.class, long.class)),
                    Signature.of(VOID, POINTER, INT, POINTER));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Consoles open in this process, for leak tests. */
    public static int openCount() {
        return REGISTRY.size();
    }

    @Override
    public InputStream output() {
        return output;
    }

    @Override
    public OutputStream input() {
        return input;
    }

    @Override
    public boolean isOpen() {
        lock.lock();
        try {
            return !closed && !eof;
        } finally {
            lock.unlock();
        }
    }

    /** virStreamEventCallback, on the event loop thread. */
    @SuppressWarnings("unused") // an upcall target, found by name; its parameters are the C callback's
    private static void onStreamEvent(long st, int events, long opaque) {
        try {
            LibvirtConsole console = REGISTRY.get(opaque);
            if (console != null) {
                console.onEvents(events);
            }
        } catch (Throwable t) {
            // never let an exception escape an upcall
            LOG.warn("cannot handle console stream events {}", events, t);
        }
    }

    private void onEvents(int events) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if ((events & LibvirtLayout.STREAM_EVENT_WRITABLE) != 0) {
                writable = true;
            }
            if ((events & ~LibvirtLayout.STREAM_EVENT_WRITABLE) != 0 && !eof) {
                receive(events);
            }
            updateEvents();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Drains the stream into the ring until it would block, ends, or the ring is full. Under lock. */
    private void receive(int events) {
        long s = stream.acquire();
        try {
            while (count < ring.length) {
                int room = Math.min(ring.length - count, CHUNK_BYTES);
                long n = lv.virStreamRecv.call(s, chunk.address(), room);
                if (n == EAGAIN) {
                    if ((events & (LibvirtLayout.STREAM_EVENT_HANGUP | LibvirtLayout.STREAM_EVENT_ERROR)) != 0) {
                        end(
                                (events & LibvirtLayout.STREAM_EVENT_ERROR) != 0
                                        ? new IOException("the console stream of guest '" + guest + "' failed")
                                        : null);
                    }
                    return;
                }
                if (n == 0) {
                    end(null);
                    return;
                }
                if (n < 0) {
                    end(new IOException(LibvirtErrors.failure(lv, "virStreamRecv(" + guest + ")")
                            .getMessage()));
                    return;
                }
                int tail = (head + count) % ring.length;
                int first = (int) Math.min(n, ring.length - tail);
                chunk.get(0, ring, tail, first);
                if (first < n) {
                    chunk.get(first, ring, 0, (int) n - first);
                }
                count += (int) n;
            }
        } finally {
            stream.release();
        }
    }

    private void end(IOException why) {
        eof = true;
        failure = why;
    }

    /** Asks libvirt for exactly the events this console can use now. Under lock, not closed. */
    private void updateEvents() {
        int wanted = eof
                ? 0
                : ALWAYS
                        | (count < ring.length ? LibvirtLayout.STREAM_EVENT_READABLE : 0)
                        | (writerWaiting ? LibvirtLayout.STREAM_EVENT_WRITABLE : 0);
        if (wanted == registered || !callbackAdded) {
            return;
        }
        long s = stream.acquire();
        try {
            if (lv.virStreamEventUpdateCallback.call(s, wanted) < 0) {
                LOG.debug(
                        "{}",
                        LibvirtErrors.failure(lv, "virStreamEventUpdateCallback(" + guest + ")")
                                .getMessage());
                return;
            }
            registered = wanted;
        } finally {
            stream.release();
        }
    }

    private int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        lock.lock();
        try {
            while (count == 0) {
                if (closed) {
                    return -1;
                }
                if (eof) {
                    if (failure != null) {
                        throw failure;
                    }
                    return -1;
                }
                changed.await();
            }
            int n = Math.min(len, count);
            int first = Math.min(n, ring.length - head);
            System.arraycopy(ring, head, b, off, first);
            System.arraycopy(ring, 0, b, off + first, n - first);
            head = (head + n) % ring.length;
            count -= n;
            if (!closed && (registered & LibvirtLayout.STREAM_EVENT_READABLE) == 0) {
                updateEvents();
            }
            return n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the console of guest '" + guest + "'");
        } finally {
            lock.unlock();
        }
    }

    private void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        writers.lock();
        try {
            while (len > 0) {
                int sent = sendSome(b, off, Math.min(len, CHUNK_BYTES));
                off += sent;
                len -= sent;
            }
        } finally {
            writers.unlock();
        }
    }

    /** Sends up to {@code len} bytes, waiting while the stream would block; returns how many went. */
    private int sendSome(byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            for (; ; ) {
                if (closed || eof) {
                    throw new IOException("the console of guest '" + guest + "' is closed");
                }
                chunk.put(0, b, off, len);
                long n;
                long s = stream.acquire();
                try {
                    n = lv.virStreamSend.call(s, chunk.address(), len);
                } finally {
                    stream.release();
                }
                if (n > 0) {
                    return (int) n;
                }
                if (n != EAGAIN) {
                    throw new IOException(LibvirtErrors.failure(lv, "virStreamSend(" + guest + ")")
                            .getMessage());
                }
                writable = false;
                writerWaiting = true;
                updateEvents();
                try {
                    while (!writable && !closed && !eof) {
                        changed.await();
                    }
                } finally {
                    writerWaiting = false;
                    if (!closed) {
                        updateEvents();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while typing into the console of guest '" + guest + "'");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        boolean ended;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            ended = eof && failure == null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        REGISTRY.remove(id);
        long s = stream.acquire();
        try {
            if (callbackAdded && lv.virStreamEventRemoveCallback.call(s) < 0) {
                LibvirtErrors.discard(lv);
            }
            // A stream that reached its end is finished; one cut off here, or never opened, is aborted.
            if (opened && (ended ? lv.virStreamFinish.call(s) : lv.virStreamAbort.call(s)) < 0) {
                LibvirtErrors.discard(lv);
            }
        } finally {
            stream.release();
            stream.close();
        }
        chunk.close();
        if (loopAcquired) {
            LibvirtEventLoop.release(lv);
        }
    }

    private final class Output extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return LibvirtConsole.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return LibvirtConsole.this.read(b, off, len);
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return count;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            LibvirtConsole.this.close();
        }
    }

    private final class Input extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            LibvirtConsole.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            LibvirtConsole.this.write(b, off, len);
        }

        @Override
        public void close() {
            LibvirtConsole.this.close();
        }
    }
}
