package org.vmm4j.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ConfigSpaceTest {

    @Test
    void readsLittleEndianFieldsAtAnyOffsetAndWidthAndZeroPastTheEnd() {
        ConfigSpace space = new ConfigSpace(8);
        space.put(0, 4, 0x1122_3344L);
        space.put(4, new byte[] {0x55, 0x66});
        assertEquals(0x44, space.read(0, 1));
        assertEquals(0x3344, space.read(0, 2));
        assertEquals(0x1122_3344L, space.read(0, 4));
        assertEquals(0x6655_1122_3344L, space.read(0, 8));
        assertEquals(0x2233, space.read(1, 2), "unaligned");
        assertEquals(0x66, space.read(5, 4), "bytes past the end read as 0");
        assertEquals(0, space.read(8, 4));
        assertEquals(0, space.read(-1, 1));
        assertEquals(0x4400, space.read(-1, 2), "a byte before the start reads as 0 too");
        assertEquals(0, space.read(Long.MAX_VALUE, 8), "no overflow into a valid offset");
    }

    @Test
    void aPutChangesOnlyItsField() {
        ConfigSpace space = new ConfigSpace(4);
        space.put(0, 4, 0xffff_ffffL);
        space.put(1, 2, 0);
        assertEquals(0xff00_00ffL, space.read(0, 4));
    }
}
