package org.vmm4j.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.testing.HeapGuestMemory;
import org.vmm4j.virtio.VirtioInterrupt.Cause;

class VirtioRngTest {
    // virtio-mmio registers and status bits from the spec (section 4.2.2, 2.1)
    private static final int DEVICE_ID = 0x008;
    private static final int DEVICE_FEATURES = 0x010;
    private static final int DEVICE_FEATURES_SEL = 0x014;
    private static final int DRIVER_FEATURES = 0x020;
    private static final int DRIVER_FEATURES_SEL = 0x024;
    private static final int QUEUE_NUM_MAX = 0x034;
    private static final int QUEUE_NUM = 0x038;
    private static final int QUEUE_READY = 0x044;
    private static final int QUEUE_NOTIFY = 0x050;
    private static final int INTERRUPT_STATUS = 0x060;
    private static final int STATUS = 0x070;
    private static final int QUEUE_DESC_LOW = 0x080;
    private static final int QUEUE_DRIVER_LOW = 0x090;
    private static final int QUEUE_DEVICE_LOW = 0x0a0;
    private static final int READY_STATUS = 1 | 2 | 8 | 4; // ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK
    private static final int NEEDS_RESET = 0x40;

    private final HeapGuestMemory memory = new HeapGuestMemory(0x10000, 0x30000);
    private final VirtioRng rng = new VirtioRng(new SecureRandom());
    private final List<Cause> interrupts = new ArrayList<>();
    private final VirtioMmio mmio = new VirtioMmio(rng, GuestRam.of(memory), interrupts::add);
    private final Rings rings = new Rings(memory, 16, 0x11000, 0x12000, 0x13000);

    private void bringUp() {
        mmio.mmioWrite(STATUS, 4, 1 | 2);
        mmio.mmioWrite(DEVICE_FEATURES_SEL, 4, 1);
        assertEquals(1, mmio.mmioRead(DEVICE_FEATURES, 4), "VERSION_1 offered");
        mmio.mmioWrite(DRIVER_FEATURES_SEL, 4, 1);
        mmio.mmioWrite(DRIVER_FEATURES, 4, 1); // VERSION_1 only
        mmio.mmioWrite(STATUS, 4, 1 | 2 | 8);
        mmio.mmioWrite(QUEUE_NUM, 4, 16);
        mmio.mmioWrite(QUEUE_DESC_LOW, 4, 0x11000);
        mmio.mmioWrite(QUEUE_DRIVER_LOW, 4, 0x12000);
        mmio.mmioWrite(QUEUE_DEVICE_LOW, 4, 0x13000);
        mmio.mmioWrite(QUEUE_READY, 4, 1);
        mmio.mmioWrite(STATUS, 4, READY_STATUS);
    }

    @Test
    void isAnEntropyDeviceWithOneQueue() {
        assertEquals(4, mmio.mmioRead(DEVICE_ID, 4));
        assertTrue(mmio.mmioRead(QUEUE_NUM_MAX, 4) > 0);
        assertFalse(rng.activated());
        bringUp();
        assertTrue(rng.activated());
    }

    @Test
    void fillsWritableBuffersAndReturnsTheirLength() {
        bringUp();
        memory.fill(0x4000, 0x3000, (byte) 0);
        rings.descriptor(0, 0x14000, 5000, Rings.WRITE | Rings.NEXT, 1);
        rings.descriptor(1, 0x16000, 64, Rings.WRITE, 0);
        rings.publish(0);
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 0);

        assertEquals(1, rings.usedIdx());
        assertEquals(0, rings.usedId(0));
        assertEquals(5064, rings.usedLen(0));
        assertEquals(List.of(Cause.USED_BUFFER), interrupts);
        assertEquals(1, mmio.mmioRead(INTERRUPT_STATUS, 4));
        assertEquals(1, rng.requestsServed());
        assertEquals(5064, rng.bytesServed());
        // 5000 random bytes all zero has probability 2^-40000
        assertTrue(nonZero(0x4000, 5000) > 4000, "the first buffer was filled");
        assertTrue(nonZero(0x6000, 64) > 0, "the second buffer was filled");
        assertEquals(0, nonZero(0x4000 + 5000, 0x6000 - 0x4000 - 5000), "nothing past the first buffer");
        assertEquals(0, nonZero(0x6000 + 64, 0x100), "nothing past the second buffer");
        assertEquals(0, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
    }

    @Test
    void aRequestGetsAtMostMaxRequestBytes() {
        bringUp();
        memory.fill(0x10000, 0x20000, (byte) 0);
        rings.descriptor(0, 0x20000, 0x18000, Rings.WRITE | Rings.NEXT, 1);
        rings.descriptor(1, 0x14000, 64, Rings.WRITE, 0);
        rings.publish(0);
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 0);

        assertEquals(1, rings.usedIdx());
        assertEquals(0x10000, rings.usedLen(0), "64 KiB of the 96 KiB + 64 offered");
        assertTrue(nonZero(0x10000 + 0x10000 - 256, 256) > 200, "the last bytes of the 64 KiB were filled");
        assertEquals(0, nonZero(0x20000, 0x8000), "nothing past 64 KiB");
        assertEquals(0, nonZero(0x4000, 64), "nor in the second buffer");
    }

    @Test
    void refusesAChainWithoutWritableBuffers() {
        bringUp();
        rings.descriptor(0, 0x14000, 64, 0, 0);
        rings.publish(0);
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 0);

        assertEquals(NEEDS_RESET, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
        assertEquals(0, rings.usedIdx(), "nothing returned");
        assertEquals(0, rng.requestsServed());
        assertEquals(List.of(Cause.CONFIG_CHANGE), interrupts);
    }

    private int nonZero(long offset, int length) {
        int n = 0;
        for (int i = 0; i < length; i++) {
            if (memory.getByte(offset + i) != 0) {
                n++;
            }
        }
        return n;
    }
}
