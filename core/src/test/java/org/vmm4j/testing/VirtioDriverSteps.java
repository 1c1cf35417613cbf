package org.vmm4j.testing;

import org.vmm4j.virtio.VirtioMmio;

/**
 * What a virtio driver writes to a device's MMIO registers, step by step. The register offsets and status bits are
 * the virtio 1.2 spec's (sections 4.2.2 and 2.1), written out here, not taken from the transport under test.
 */
public final class VirtioDriverSteps {
    private static final int DEVICE_FEATURES = 0x010;
    private static final int DEVICE_FEATURES_SEL = 0x014;
    private static final int DRIVER_FEATURES = 0x020;
    private static final int DRIVER_FEATURES_SEL = 0x024;
    private static final int QUEUE_NUM = 0x038;
    private static final int STATUS = 0x070;
    private static final int QUEUE_DESC_LOW = 0x080;
    private static final int QUEUE_DRIVER_LOW = 0x090;
    private static final int QUEUE_DEVICE_LOW = 0x0a0;
    private static final int ACKNOWLEDGE = 1;
    private static final int DRIVER = 2;
    private static final int FEATURES_OK = 8;
    private static final long EVENT_IDX = 1L << 29;

    private VirtioDriverSteps() {}

    /**
     * ACKNOWLEDGE and DRIVER, every offered feature of the first 32 but EVENT_IDX, VERSION_1, FEATURES_OK, and
     * queue 0 laid out with {@code queueSize} entries at {@code desc}, {@code avail} and {@code used} (below 4 GiB),
     * not enabled yet.
     */
    public static void negotiate(VirtioMmio mmio, int queueSize, long desc, long avail, long used) {
        mmio.mmioWrite(STATUS, 4, ACKNOWLEDGE | DRIVER);
        mmio.mmioWrite(DEVICE_FEATURES_SEL, 4, 0);
        long low = mmio.mmioRead(DEVICE_FEATURES, 4) & ~EVENT_IDX;
        mmio.mmioWrite(DRIVER_FEATURES_SEL, 4, 0);
        mmio.mmioWrite(DRIVER_FEATURES, 4, low);
        mmio.mmioWrite(DRIVER_FEATURES_SEL, 4, 1);
        mmio.mmioWrite(DRIVER_FEATURES, 4, 1); // VERSION_1, bit 32
        mmio.mmioWrite(STATUS, 4, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        mmio.mmioWrite(QUEUE_NUM, 4, queueSize);
        mmio.mmioWrite(QUEUE_DESC_LOW, 4, desc);
        mmio.mmioWrite(QUEUE_DRIVER_LOW, 4, avail);
        mmio.mmioWrite(QUEUE_DEVICE_LOW, 4, used);
    }
}
