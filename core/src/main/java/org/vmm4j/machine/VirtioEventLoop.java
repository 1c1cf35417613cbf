package org.vmm4j.machine;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.event.EventFd;
import org.vmm4j.event.EventFdRouting;
import org.vmm4j.event.EventPoller;
import org.vmm4j.virtio.VirtioMmio;

/**
 * The queue notifications of one virtio-mmio device, delivered by the hypervisor to a thread of the
 * device's own.
 *
 * <p>Each queue gets an eventfd that the hypervisor signals when the guest writes that queue's index to
 * QueueNotify (an ioeventfd with a datamatch), so a notification costs the vCPU no exit to user space;
 * a write of any other value still exits and reaches {@link VirtioMmio#notifyQueue} on the vCPU. The
 * device thread waits on those eventfds and calls {@link VirtioMmio#notifyQueue}: the device's work
 * (file and socket I/O) runs there, one notification at a time, never on a vCPU thread. (Interrupts
 * take the opposite shortcut: {@link IrqFdInterrupt}.)
 *
 * <p>Memory ordering: the guest's ring writes happen before its QueueNotify write; KVM signals the
 * eventfd after the write, and reading the eventfd on this thread orders what follows after it, so the
 * device sees the rings as the guest left them. The device's used-ring writes end with a release fence
 * ({@link org.vmm4j.virtio.Virtqueue#addUsed}) before the irqfd write that interrupts the guest.
 */
final class VirtioEventLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioEventLoop.class);

    private final VirtioMmio transport;
    private final EventFdRouting routing;
    private final long notifyAddress;
    private final EventFd[] queueEvents;
    private final EventPoller poller;
    private final Thread thread;
    private volatile boolean running;
    /** Guards {@link #pauseRequested} and {@link #parked}; the thread waits on it while paused. */
    private final Object gate = new Object();

    private boolean pauseRequested;
    private boolean parked;

    private VirtioEventLoop(
            VirtioMmio transport,
            EventFdRouting routing,
            long notifyAddress,
            EventFd[] queueEvents,
            EventPoller poller,
            String name) {
        this.transport = transport;
        this.routing = routing;
        this.notifyAddress = notifyAddress;
        this.queueEvents = queueEvents;
        this.poller = poller;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    /**
     * Registers an ioeventfd for each of {@code transport}'s queues at {@code base} (the device's window).
     * Nothing runs until {@link #start()}.
     *
     * @throws org.vmm4j.VmmException if the hypervisor refuses a registration (everything made so far is
     *         released)
     */
    static VirtioEventLoop create(VirtioMmio transport, EventFdRouting routing, long base, String name) {
        int count = transport.device().queueCount();
        long notifyAddress = base + VirtioMmio.QUEUE_NOTIFY;
        List<AutoCloseable> made = new ArrayList<>();
        EventFd[] events = new EventFd[count];
        int registered = 0;
        try {
            EventPoller poller = EventPoller.create(count);
            made.add(poller);
            for (int q = 0; q < count; q++) {
                events[q] = EventFd.create();
                made.add(events[q]);
                routing.registerIoEventFd(events[q], notifyAddress, 4, OptionalLong.of(q));
                registered++;
                poller.add(events[q]);
            }
            return new VirtioEventLoop(transport, routing, notifyAddress, events, poller, name);
        } catch (RuntimeException | Error e) {
            unregister(routing, events, registered, notifyAddress);
            for (int i = made.size() - 1; i >= 0; i--) {
                try {
                    made.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** The device thread. */
    Thread thread() {
        return thread;
    }

    /** Starts the device thread. */
    void start() {
        running = true;
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                parkWhilePaused();
                int n = poller.await(-1);
                for (int i = 0; i < n && running && !pauseWanted(); i++) {
                    EventFd ready = poller.ready(i);
                    if (ready.tryRead() != 0) {
                        transport.notifyQueue(queueOf(ready));
                    }
                }
            }
        } catch (RuntimeException e) {
            // notifyQueue never throws; only a poller closed under a running loop ends here
            if (running) {
                LOG.error("{}: the device thread stopped", transport, e);
            }
        }
    }

    private boolean pauseWanted() {
        synchronized (gate) {
            return pauseRequested;
        }
    }

    private void parkWhilePaused() {
        synchronized (gate) {
            while (pauseRequested && running) {
                parked = true;
                gate.notifyAll();
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            parked = false;
        }
    }

    /**
     * Stops handling notifications after the one in progress, and waits until it is done. Notifications
     * that arrive meanwhile stay in their eventfds (a counter each) and are handled after {@link #resume()}.
     * Idempotent; returns at once if the thread is not running.
     */
    void pause() throws InterruptedException {
        synchronized (gate) {
            pauseRequested = true;
        }
        poller.wakeUp();
        synchronized (gate) {
            while (!parked && running && thread.isAlive()) {
                gate.wait(100);
            }
        }
    }

    /** Handles notifications again. Idempotent. */
    void resume() {
        synchronized (gate) {
            pauseRequested = false;
            gate.notifyAll();
        }
    }

    /**
     * Signals the eventfd of every ready queue, as if the driver had notified them: after a restore, buffers the
     * driver made available before the snapshot whose notification was not handled yet are looked at.
     */
    void notifyReadyQueues() {
        for (int q = 0; q < queueEvents.length; q++) {
            if (transport.queue(q).ready()) {
                queueEvents[q].signal();
            }
        }
    }

    private int queueOf(EventFd ready) {
        for (int q = 0; q < queueEvents.length; q++) {
            if (queueEvents[q] == ready) {
                return q;
            }
        }
        throw new IllegalStateException(ready + " is not a queue's eventfd");
    }

    /** Stops the device thread, waits for it, ends the registrations and closes the eventfds. */
    @Override
    public void close() {
        running = false;
        synchronized (gate) {
            gate.notifyAll();
        }
        if (thread.isAlive()) {
            poller.wakeUp();
            try {
                thread.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("{}: the device thread did not stop within 60 s", transport);
            }
        }
        unregister(routing, queueEvents, queueEvents.length, notifyAddress);
        poller.close();
        for (EventFd e : queueEvents) {
            e.close();
        }
    }

    private static void unregister(EventFdRouting routing, EventFd[] events, int registered, long address) {
        for (int q = 0; q < registered; q++) {
            try {
                routing.unregisterIoEventFd(events[q], address, OptionalLong.of(q));
            } catch (RuntimeException e) {
                LOG.debug("unregistering the ioeventfd of queue {} at 0x{}", q, Long.toHexString(address), e);
            }
        }
    }
}
