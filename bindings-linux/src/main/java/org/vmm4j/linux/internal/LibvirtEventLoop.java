package org.vmm4j.linux.internal;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.POINTER;
import static org.vmm4j.internal.nat.CType.VOID;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.internal.nat.NativeCallback;
import org.vmm4j.internal.nat.Signature;

/**
 * libvirt's default event loop ({@code virEventRunDefaultImpl}) on a daemon thread of vmm4j's. One
 * per process, because libvirt's default implementation is process-wide: the first connection that
 * needs events starts it, the last one to close stops it. {@link Libvirt#get()} has already
 * registered the implementation ({@code virEventRegisterDefaultImpl}), before any connection opened,
 * so remote connections watch their sockets through it and keepalive works.
 */
public final class LibvirtEventLoop {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtEventLoop.class);
    private static final Object LOCK = new Object();
    private static int users;
    private static Thread thread;
    private static volatile boolean running;
    /** Wakes the loop from poll(2) when it must stop; process-lifetime, never freed. */
    private static NativeCallback wakeStub;

    private LibvirtEventLoop() {}

    static void acquire(Libvirt lv) {
        synchronized (LOCK) {
            if (users++ > 0) {
                return;
            }
            if (wakeStub == null) {
                try {
                    var target = MethodHandles.lookup()
                            .findStatic(
                                    LibvirtEventLoop.class,
                                    "onWake",
                                    MethodType.methodType(void.class, int.class, long.class));
                    wakeStub = lv.access.upcall(target, Signature.of(VOID, INT, POINTER));
                } catch (ReflectiveOperationException e) {
                    users--;
                    throw new IllegalStateException(e);
                }
            }
            running = true;
            Thread t = new Thread(() -> run(lv), "vmm4j-libvirt-events");
            t.setDaemon(true);
            t.start();
            thread = t;
        }
    }

    static void release(Libvirt lv) {
        synchronized (LOCK) {
            if (users == 0 || --users > 0) {
                return;
            }
            running = false;
            Thread t = thread;
            thread = null;
            if (lv.virEventAddTimeout.call(0, wakeStub.address(), 0, 0) < 0) {
                LibvirtErrors.discard(lv);
            }
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (t.isAlive()) {
                    LOG.warn("libvirt event loop thread did not stop within 5 s");
                }
            }
        }
    }

    /** Whether the loop thread is running (for tests). */
    public static boolean isRunning() {
        synchronized (LOCK) {
            return thread != null && thread.isAlive();
        }
    }

    private static void run(Libvirt lv) {
        while (running) {
            if (lv.virEventRunDefaultImpl.call() < 0) {
                LOG.debug(
                        "{}",
                        LibvirtErrors.failure(lv, "virEventRunDefaultImpl").getMessage());
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    LOG.warn(
                            "libvirt event loop thread interrupted: it stops, and guest events are no longer delivered");
                    return;
                }
            }
        }
    }

    /** virEventTimeoutCallback: a one-shot timer whose only job was to end the current poll. */
    @SuppressWarnings("unused") // an upcall target, found by name; its parameters are the C callback's
    private static void onWake(int timer, long opaque) {
        try {
            Libvirt lv = Libvirt.get();
            lv.virEventRemoveTimeout.call(timer);
        } catch (Throwable t) {
            // never let an exception escape an upcall
            LOG.warn("cannot remove the libvirt event loop's wake-up timer {}", timer, t);
        }
    }
}
