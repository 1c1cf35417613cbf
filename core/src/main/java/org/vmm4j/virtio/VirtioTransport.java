package org.vmm4j.virtio;

/**
 * What a device may ask of its transport once active: interrupt the driver for used buffers, announce
 * a configuration change, or give up on a broken queue. Safe from any thread; allocates nothing; takes no
 * lock that a register access holds, so a device may wait for its own threads in {@link VirtioDevice#reset}
 * while they call these.
 */
public interface VirtioTransport {

    /**
     * The device added used elements to queue {@code queue}: interrupts the driver if the queue says it
     * wants one ({@link Virtqueue#needsInterrupt()}). Call from the thread that owns the queue.
     */
    void usedBuffers(int queue);

    /** The device's configuration space changed: bumps ConfigGeneration and interrupts the driver. */
    void configChanged();

    /**
     * The device cannot go on (a hostile or broken queue): sets DEVICE_NEEDS_RESET, interrupts the
     * driver with a configuration change and logs {@code reason}. Notifications are ignored until the
     * driver resets the device.
     */
    void needsReset(String reason);
}
