package org.vmm4j.machine;

import org.vmm4j.event.EventFd;
import org.vmm4j.event.EventFdRouting;
import org.vmm4j.virtio.VirtioInterrupt;

/**
 * A virtio device's interrupt through a KVM irqfd: signalling the eventfd raises the device's line in the
 * in-kernel interrupt controller as an edge (the MP table routes ISA interrupts edge-triggered), from any
 * thread, with no vCPU exit and no lock of ours. The driver learns the cause from InterruptStatus, which
 * the transport set before signalling. Allocates nothing per interrupt.
 */
final class IrqFdInterrupt implements VirtioInterrupt, AutoCloseable {
    private final EventFdRouting routing;
    private final EventFd eventFd;
    private final int gsi;

    private IrqFdInterrupt(EventFdRouting routing, EventFd eventFd, int gsi) {
        this.routing = routing;
        this.eventFd = eventFd;
        this.gsi = gsi;
    }

    /**
     * An irqfd raising {@code gsi}.
     *
     * @throws org.vmm4j.VmmException if the hypervisor refuses it (the eventfd is closed again)
     */
    static IrqFdInterrupt register(EventFdRouting routing, int gsi) {
        EventFd fd = EventFd.create();
        try {
            routing.registerIrqFd(fd, gsi);
        } catch (RuntimeException | Error e) {
            fd.close();
            throw e;
        }
        return new IrqFdInterrupt(routing, fd, gsi);
    }

    @Override
    public void signal(Cause cause) {
        eventFd.signal();
    }

    /** Ends the registration (if the VM still has it) and closes the eventfd. */
    @Override
    public void close() {
        try {
            routing.unregisterIrqFd(eventFd, gsi);
        } catch (RuntimeException e) {
            // the VM is gone already: its registrations went with it
        }
        eventFd.close();
    }
}
