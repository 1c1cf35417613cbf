package org.vmm4j.internal.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BsdIoctlTest {

    @Test
    void encodesDirectionLengthGroupAndNumberInTheirBitFields() {
        long request = BsdIoctl.iowr('V', 2, 40);
        assertEquals(0xC0000000L, request & 0xE0000000L);
        assertEquals(40, BsdIoctl.length(request));
        assertEquals('V', (request >> 8) & 0xff);
        assertEquals(2, request & 0xff);
    }

    @Test
    void writeMeansCallerToKernelAsOnBsd() {
        assertEquals(BsdIoctl.IOC_IN, BsdIoctl.iow('V', 4, 4) & 0xE0000000L);
        assertEquals(BsdIoctl.IOC_OUT, BsdIoctl.ior('V', 4, 4) & 0xE0000000L);
        assertEquals(BsdIoctl.IOC_VOID, BsdIoctl.io('V', 4) & 0xE0000000L);
    }

    @Test
    void rejectsParameterLongerThanThirteenBits() {
        assertThrows(IllegalArgumentException.class, () -> BsdIoctl.iowr('V', 1, 0x2000));
    }
}
