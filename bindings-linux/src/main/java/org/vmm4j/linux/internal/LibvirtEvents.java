package org.vmm4j.linux.internal;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.POINTER;
import static org.vmm4j.internal.nat.CType.VOID;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.guest.GuestEvent;
import org.vmm4j.guest.GuestEventListener;
import org.vmm4j.internal.nat.NativeCallback;
import org.vmm4j.internal.nat.Signature;
import org.vmm4j.linux.abi.LibvirtLayout;

/**
 * Lifecycle and reboot events of one connection, delivered to its listeners on the event loop
 * thread. The C callbacks are two process-wide upcall stubs that find the connection by the number
 * passed as libvirt's opaque pointer, so no stub is ever freed while libvirt might still call it.
 */
public final class LibvirtEvents {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtEvents.class);
    private static final AtomicLong IDS = new AtomicLong();
    private static final Map<Long, LibvirtEvents> REGISTRY = new ConcurrentHashMap<>();
    private static NativeCallback lifecycleStub;
    private static NativeCallback rebootStub;

    private final Libvirt lv;
    private final LibvirtHandle conn;
    private final String uri;
    private final long id = IDS.incrementAndGet();
    private final List<GuestEventListener> listeners = new CopyOnWriteArrayList<>();
    private int lifecycleCallback = -1;
    private int rebootCallback = -1;
    private boolean closed;
    private boolean loopHeld;

    /** The events of the connection {@code conn} to {@code uri}. */
    public LibvirtEvents(Libvirt lv, LibvirtHandle conn, String uri) {
        this.lv = lv;
        this.conn = conn;
        this.uri = uri;
    }

    private static synchronized void createStubs(Libvirt lv) throws ReflectiveOperationException {
        if (lifecycleStub != null) {
            return;
        }
        var lookup = MethodHandles.lookup();
        lifecycleStub = lv.access.upcall(
                lookup.findStatic(
                        LibvirtEvents.class,
                        "onLifecycle",
                        MethodType.methodType(int.class, long.class, long.class, int.class, int.class, long.class)),
                Signature.of(INT, POINTER, POINTER, INT, INT, POINTER));
        rebootStub = lv.access.upcall(
                lookup.findStatic(
                        LibvirtEvents.class,
                        "onReboot",
                        MethodType.methodType(void.class, long.class, long.class, long.class)),
                Signature.of(VOID, POINTER, POINTER, POINTER));
    }

    /**
     * Runs libvirt's event loop for as long as this connection is open, listeners or not. The event
     * implementation is registered before any connection opens, so libvirt turns keepalive on for
     * connections to a daemon (qemu:///system included): libvirtd pings every 5 s and closes a connection
     * that has not answered for 30 s, and only a running loop answers between calls. Without it a
     * connection idle for half a minute (a provisioning run talking SSH to its guest) is closed under the
     * caller: measured, "connection closed due to keepalive timeout" in libvirtd's log.
     */
    public synchronized void holdLoop() {
        if (!closed && !loopHeld) {
            LibvirtEventLoop.acquire(lv);
            loopHeld = true;
        }
    }

    public synchronized AutoCloseable add(GuestEventListener listener) {
        if (closed) {
            throw new IllegalStateException("the libvirt connection to " + uri + " is closed");
        }
        if (lifecycleCallback < 0) {
            register();
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void register() {
        try {
            createStubs(lv);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        LibvirtEventLoop.acquire(lv);
        REGISTRY.put(id, this);
        long c = conn.acquire();
        try {
            lifecycleCallback = LibvirtErrors.check(
                    lv,
                    lv.virConnectDomainEventRegisterAny.call(
                            c, 0, LibvirtLayout.EVENT_ID_LIFECYCLE, lifecycleStub.address(), id, 0),
                    "virConnectDomainEventRegisterAny(lifecycle)");
            rebootCallback = LibvirtErrors.check(
                    lv,
                    lv.virConnectDomainEventRegisterAny.call(
                            c, 0, LibvirtLayout.EVENT_ID_REBOOT, rebootStub.address(), id, 0),
                    "virConnectDomainEventRegisterAny(reboot)");
            // Keepalive only exists for remote connections; the others refuse it harmlessly.
            if (lv.virConnectSetKeepAlive.call(c, 5, 3) < 0) {
                LibvirtErrors.discard(lv);
            }
        } catch (RuntimeException e) {
            deregister(c);
            throw e;
        } finally {
            conn.release();
        }
    }

    private void deregister(long c) {
        if (lifecycleCallback >= 0 && lv.virConnectDomainEventDeregisterAny.call(c, lifecycleCallback) < 0) {
            LibvirtErrors.discard(lv);
        }
        if (rebootCallback >= 0 && lv.virConnectDomainEventDeregisterAny.call(c, rebootCallback) < 0) {
            LibvirtErrors.discard(lv);
        }
        lifecycleCallback = -1;
        rebootCallback = -1;
        REGISTRY.remove(id);
        LibvirtEventLoop.release(lv);
    }

    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        listeners.clear();
        if (loopHeld) {
            loopHeld = false;
            LibvirtEventLoop.release(lv);
        }
        if (lifecycleCallback >= 0) {
            long c = conn.acquire();
            try {
                deregister(c);
            } finally {
                conn.release();
            }
        }
    }

    private void deliver(GuestEvent event) {
        for (GuestEventListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (Throwable t) {
                LOG.warn("guest event listener failed on {}", event, t);
            }
        }
    }

    static GuestEvent.Type type(int event) {
        switch (event) {
            case LibvirtLayout.EVENT_DEFINED:
                return GuestEvent.Type.DEFINED;
            case LibvirtLayout.EVENT_UNDEFINED:
                return GuestEvent.Type.UNDEFINED;
            case LibvirtLayout.EVENT_STARTED:
                return GuestEvent.Type.STARTED;
            case LibvirtLayout.EVENT_SUSPENDED:
                return GuestEvent.Type.SUSPENDED;
            case LibvirtLayout.EVENT_RESUMED:
                return GuestEvent.Type.RESUMED;
            case LibvirtLayout.EVENT_STOPPED:
                return GuestEvent.Type.STOPPED;
            case LibvirtLayout.EVENT_SHUTDOWN:
                return GuestEvent.Type.SHUTDOWN;
            case LibvirtLayout.EVENT_PMSUSPENDED:
                return GuestEvent.Type.PMSUSPENDED;
            case LibvirtLayout.EVENT_CRASHED:
                return GuestEvent.Type.CRASHED;
            default:
                return null;
        }
    }

    /** virConnectDomainEventCallback for VIR_DOMAIN_EVENT_ID_LIFECYCLE. */
    @SuppressWarnings("unused") // an upcall target, found by name; its parameters are the C callback's
    private static int onLifecycle(long conn, long dom, int event, int detail, long opaque) {
        try {
            LibvirtEvents target = REGISTRY.get(opaque);
            GuestEvent.Type type = type(event);
            if (target != null && type != null) {
                target.deliver(new GuestEvent(
                        target.lv.access.readString(target.lv.virDomainGetName.call(dom)), type, detail));
            }
        } catch (Throwable t) {
            // never let an exception escape an upcall
            LOG.warn("cannot deliver libvirt lifecycle event {} (detail {})", event, detail, t);
        }
        return 0;
    }

    /** virConnectDomainEventGenericCallback for VIR_DOMAIN_EVENT_ID_REBOOT. */
    @SuppressWarnings("unused") // an upcall target, found by name; its parameters are the C callback's
    private static void onReboot(long conn, long dom, long opaque) {
        try {
            LibvirtEvents target = REGISTRY.get(opaque);
            if (target != null) {
                target.deliver(new GuestEvent(
                        target.lv.access.readString(target.lv.virDomainGetName.call(dom)),
                        GuestEvent.Type.REBOOTED,
                        0));
            }
        } catch (Throwable t) {
            // never let an exception escape an upcall
            LOG.warn("cannot deliver a libvirt reboot event", t);
        }
    }
}
