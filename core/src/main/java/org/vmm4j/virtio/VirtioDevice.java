package org.vmm4j.virtio;

import java.util.Optional;

/**
 * A virtio device behind a transport ({@link VirtioMmio}): what it is, what it offers, its
 * configuration space and its queues. The transport owns the device status, feature negotiation and
 * the queue registers; the device sees the result through {@link #activate} and works on the queues
 * it is given.
 *
 * <p>The transport calls {@link #readConfig}, {@link #writeConfig} and {@link #queueNotified} on vCPU
 * threads (or an ioeventfd thread), possibly at once: they must not block or allocate. An exception
 * from {@link #queueNotified} or {@link #activate} is caught by the transport, which sets
 * DEVICE_NEEDS_RESET; it never reaches the vCPU.
 */
public interface VirtioDevice extends AutoCloseable {

    /** The virtio device ID (1 network, 2 block, 4 entropy, 3 console, 19 vsock, ...). */
    int deviceId();

    /**
     * The device-specific feature bits it offers. The transport adds {@link VirtioFeatures#TRANSPORT}
     * (VIRTIO_F_VERSION_1, VIRTIO_F_RING_INDIRECT_DESC, VIRTIO_F_RING_EVENT_IDX) itself.
     */
    long features();

    /** The number of queues. */
    int queueCount();

    /** The largest size of queue {@code index}: a power of two up to {@link Virtqueue#MAX_SIZE}. */
    int queueMaxSize(int index);

    /** Reads {@code size} bytes at {@code offset} of the configuration space; 0 beyond its end. */
    long readConfig(long offset, int size);

    /** The driver writes the low {@code size} bytes of {@code value} at {@code offset} of the configuration space. */
    void writeConfig(long offset, int size, long value);

    /**
     * The driver set DRIVER_OK: start working. {@code queues} holds every queue, the ones the driver
     * enabled {@link Virtqueue#ready()}; {@code features} are the negotiated ones.
     */
    void activate(Virtqueue[] queues, long features, VirtioTransport transport);

    /**
     * The driver made buffers available in queue {@code index}: a QueueNotify write or (later) an
     * ioeventfd, both through {@link VirtioMmio#notifyQueue}. Only called while the device is active.
     * With ioeventfds (KVM) every notification of one device arrives on one device thread of its own,
     * never a vCPU's, so this may do blocking I/O; without them (QueueNotify exits) it runs on the
     * notifying vCPU thread.
     */
    void queueNotified(int index);

    /**
     * The driver reset the device (status 0): stop using the queues and forget the negotiation. The
     * transport forgets the queues' layout when this returns, so a device that works on them on its
     * own threads stops those first. A {@link #queueNotified} already running on another vCPU thread
     * may still be running; what it throws then is dropped, not reported as DEVICE_NEEDS_RESET.
     */
    void reset();

    /**
     * The machine is closing: stop every thread the device started and release what it opened (files,
     * tap devices, sockets). Called once, after the vCPUs stopped; no other method is called after it.
     * The default does nothing.
     */
    @Override
    default void close() {}

    /**
     * The machine is pausing: a device with threads of its own that write guest memory (a tap's receiver)
     * lets them finish what they are doing and wait, until {@link #resume()}, before this returns. Called after
     * the vCPUs and the notification thread stopped; idempotent. The default does nothing.
     */
    default void pause() {}

    /** The machine continues after a {@link #pause()}: the device's threads go on. The default does nothing. */
    default void resume() {}

    /**
     * Why this device cannot be saved in a snapshot now, or empty if it can (the default): a device in a state it
     * cannot save says so here, and {@code Machine.snapshot} refuses with the reason before writing anything.
     * vmm4j's devices all can; what they do with host connections a snapshot cannot carry (frames waiting in a
     * tap, vsock connections) is in their {@link #saveState} and {@code docs/snapshot-format.md}.
     */
    default Optional<String> snapshotRefusal() {
        return Optional.empty();
    }

    /**
     * The device's own state beyond what its transport saves (feature negotiation, queue layouts and
     * positions): empty for a device that keeps none (the default). Called with the machine paused.
     */
    default byte[] saveState() {
        return new byte[0];
    }

    /**
     * Puts back what {@link #saveState} saved, before the transport {@linkplain #activate activates} the
     * restored device.
     *
     * @throws IllegalArgumentException if the state is not this device's
     */
    default void restoreState(byte[] state) {
        if (state.length != 0) {
            throw new IllegalArgumentException("virtio device " + deviceId() + " keeps no state of its own, but "
                    + state.length + " bytes were saved for it");
        }
    }
}
