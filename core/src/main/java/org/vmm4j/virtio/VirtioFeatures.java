package org.vmm4j.virtio;

/**
 * The device-independent feature bits (virtio 1.x section 6) that the ring engine and the transport
 * implement. Device-specific bits are the device's ({@link VirtioDevice#features()}).
 */
public final class VirtioFeatures {
    private VirtioFeatures() {}

    /** VIRTIO_F_RING_INDIRECT_DESC (28): descriptors may point to indirect tables. */
    public static final long RING_INDIRECT_DESC = 1L << 28;
    /** VIRTIO_F_RING_EVENT_IDX (29): {@code used_event} and {@code avail_event} suppress notifications. */
    public static final long RING_EVENT_IDX = 1L << 29;
    /** VIRTIO_F_VERSION_1 (32): the modern interface, always offered and required. */
    public static final long VERSION_1 = 1L << 32;
    /** What every device offers on top of its own bits. */
    public static final long TRANSPORT = RING_INDIRECT_DESC | RING_EVENT_IDX | VERSION_1;
}
