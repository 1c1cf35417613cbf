package org.vmm4j.virtio;

import org.vmm4j.VmmException;

/**
 * The guest's driver broke the virtqueue rules: a ring or descriptor outside guest RAM, a loop, a
 * chain longer than the queue, a wrong direction. {@link #problem()} says which rule, the message
 * says where. The device stops using the queue (the transport sets DEVICE_NEEDS_RESET).
 */
public final class VirtqueueException extends VmmException {
    private static final long serialVersionUID = 1L;

    /** The rule of virtio 1.x (section 2.7) that the guest broke. */
    public enum Problem {
        /** The queue size is not a power of two from 1 to 32768, or above the device's maximum. */
        QUEUE_SIZE,
        /** A ring address is not aligned as the spec requires (descriptors 16, driver area 2, device area 4). */
        RING_ALIGNMENT,
        /** A ring does not lie wholly inside one region of guest RAM. */
        RING_OUTSIDE_RAM,
        /** The driver's available index moved more than the queue size past the device's position. */
        AVAIL_INDEX,
        /** An available-ring head, or a descriptor's next, names a descriptor beyond the table. */
        INDEX_OUT_OF_RANGE,
        /** A buffer does not lie wholly inside one region of guest RAM (or its address plus length wraps). */
        BUFFER_OUTSIDE_RAM,
        /** A chain's buffers add up to more than 2^32 bytes. */
        TOTAL_LENGTH,
        /** A descriptor is INDIRECT but VIRTIO_F_RING_INDIRECT_DESC was not negotiated. */
        INDIRECT_NOT_NEGOTIATED,
        /** A chain visits a descriptor twice. */
        LOOP,
        /** A chain, counting the descriptors of an indirect table, has more descriptors than the queue size. */
        CHAIN_TOO_LONG,
        /** A device-readable descriptor follows a device-writable one. */
        READABLE_AFTER_WRITABLE,
        /** An indirect table's length is zero or not a multiple of 16 bytes. */
        INDIRECT_LENGTH,
        /** An indirect table holds a descriptor that is itself indirect. */
        INDIRECT_NESTED,
        /** A descriptor has both INDIRECT and NEXT set. */
        INDIRECT_WITH_NEXT,
        /** An indirect table holds more descriptors than the queue size. */
        INDIRECT_TOO_LONG,
        /** An indirect table does not lie wholly inside one region of guest RAM. */
        INDIRECT_OUTSIDE_RAM,
        /** The queue was used before it was configured and enabled. */
        NOT_READY
    }

    private final Problem problem;

    /** A violation of {@code problem}, described by {@code message}. */
    public VirtqueueException(Problem problem, String message) {
        super(problem + ": " + message);
        this.problem = problem;
    }

    /** The rule that was broken. */
    public Problem problem() {
        return problem;
    }
}
