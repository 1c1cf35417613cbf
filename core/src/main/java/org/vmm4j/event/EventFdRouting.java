package org.vmm4j.event;

import java.util.OptionalLong;

/**
 * A VM's connections between guest accesses or interrupts and {@link EventFd}s, in the hypervisor
 * (KVM: KVM_IOEVENTFD and KVM_IRQFD), so that a device thread learns of a guest's notification, and
 * interrupts the guest, without passing through the vCPU's exit path. Reached backend-neutrally with
 * {@link org.vmm4j.VirtualMachine#eventFdRouting()}; every registration ends with the VM.
 */
public interface EventFdRouting {

    /**
     * The guest's writes of {@code length} bytes (0: any length) to {@code guestPhysicalAddress} signal
     * {@code eventFd} with no exit; with a {@code datamatch}, only writes of that value do (others exit
     * as ordinary MMIO writes).
     *
     * @throws IllegalArgumentException if {@code length} is not 0, 1, 2, 4 or 8, a datamatch comes with
     *         length 0 or does not fit {@code length} bytes, or a write could match an existing registration
     * @throws IllegalStateException if the VM or {@code eventFd} is closed
     */
    void registerIoEventFd(EventFd eventFd, long guestPhysicalAddress, int length, OptionalLong datamatch);

    /**
     * Ends a registration made with {@link #registerIoEventFd}: the same eventfd, address and datamatch.
     *
     * @throws IllegalArgumentException if there is no such registration
     */
    void unregisterIoEventFd(EventFd eventFd, long guestPhysicalAddress, OptionalLong datamatch);

    /**
     * As {@link #registerIoEventFd} for the guest's {@code OUT} to I/O port {@code port}.
     *
     * @throws IllegalArgumentException as {@link #registerIoEventFd}, or if the ports leave 0..0xffff
     */
    void registerPortIoEventFd(EventFd eventFd, int port, int length, OptionalLong datamatch);

    /**
     * Ends a registration made with {@link #registerPortIoEventFd}.
     *
     * @throws IllegalArgumentException if there is no such registration
     */
    void unregisterPortIoEventFd(EventFd eventFd, int port, OptionalLong datamatch);

    /**
     * Signalling {@code eventFd} raises interrupt {@code gsi} as an edge (asserted and dropped at
     * once): an interrupt controller pin, or a message-signalled route.
     *
     * @throws IllegalArgumentException if {@code eventFd} is an irqfd already or {@code gsi} is negative
     */
    void registerIrqFd(EventFd eventFd, int gsi);

    /**
     * For a level-triggered pin: signalling {@code eventFd} asserts {@code gsi} until the guest
     * acknowledges the interrupt; then the hypervisor drops the line and signals {@code resample}, on
     * which the device asserts the line again if its interrupt is still pending.
     *
     * @throws IllegalArgumentException as {@link #registerIrqFd(EventFd, int)}, or if {@code resample}
     *         is {@code eventFd}
     */
    void registerIrqFd(EventFd eventFd, int gsi, EventFd resample);

    /**
     * Ends a registration made with {@link #registerIrqFd}.
     *
     * @throws IllegalArgumentException if {@code eventFd} is not the irqfd of {@code gsi}
     */
    void unregisterIrqFd(EventFd eventFd, int gsi);
}
