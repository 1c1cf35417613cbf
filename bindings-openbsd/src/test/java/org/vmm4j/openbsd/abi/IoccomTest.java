package org.vmm4j.openbsd.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IoccomTest {

    @Test
    void encodesDirectionLengthGroupAndNumberInTheirBitFields() {
        long request = Ioccom.iowr('V', 2, 40);
        assertEquals(0xC0000000L, request & 0xE0000000L);
        assertEquals(40, Ioccom.length(request));
        assertEquals('V', (request >> 8) & 0xff);
        assertEquals(2, request & 0xff);
    }

    @Test
    void writeMeansCallerToKernelAsOnBsd() {
        assertEquals(Ioccom.IOC_IN, Ioccom.iow('V', 4, 4) & 0xE0000000L);
        assertEquals(Ioccom.IOC_OUT, Ioccom.ior('V', 4, 4) & 0xE0000000L);
        assertEquals(Ioccom.IOC_VOID, Ioccom.io('V', 4) & 0xE0000000L);
    }

    @Test
    void rejectsParameterLongerThanThirteenBits() {
        assertThrows(IllegalArgumentException.class, () -> Ioccom.iowr('V', 1, 0x2000));
    }
}
