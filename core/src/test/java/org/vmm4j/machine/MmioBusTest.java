package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MmioBusTest {

    /** Reads return tag << 32 | offset; the last write is kept. */
    static final class Tagged implements MmioDevice {
        final long tag;
        long lastOffset = -1;
        long lastValue;
        int lastSize;

        Tagged(long tag) {
            this.tag = tag;
        }

        @Override
        public long mmioRead(long offset, int size) {
            return tag << 32 | offset;
        }

        @Override
        public void mmioWrite(long offset, int size, long value) {
            lastOffset = offset;
            lastSize = size;
            lastValue = value;
        }
    }

    @Test
    void findsTheDeviceOwningEachAddress() {
        MmioBus bus = new MmioBus();
        Tagged a = new Tagged(1);
        Tagged b = new Tagged(2);
        Tagged c = new Tagged(3);
        // registered out of order on purpose
        bus.register(0xd000_2000L, 0x1000, c);
        bus.register(0xd000_0000L, 0x1000, a);
        bus.register(0xd000_1000L, 0x100, b);
        assertEquals(1L << 32, bus.read(0xd000_0000L, 8));
        assertEquals(1L << 32 | 0xfff, bus.read(0xd000_0fffL, 8));
        assertEquals(2L << 32 | 0x10, bus.read(0xd000_1010L, 8));
        assertEquals(3L << 32 | 0x8, bus.read(0xd000_2008L, 8));
        assertEquals(-1L, bus.read(0xd000_1100L, 8), "gap between b and c");
        assertEquals(0xffff_ffffL, bus.read(0xc000_0000L, 4), "below every range");
        assertEquals(0xffL, bus.read(0xd000_3000L, 1), "past the last range");
    }

    @Test
    void masksReadsToTheAccessSize() {
        MmioBus bus = new MmioBus();
        bus.register(0x1000, 0x100, new Tagged(0xab));
        assertEquals(0x20, bus.read(0x1020, 1));
        assertEquals(0x20, bus.read(0x1020, 4));
    }

    @Test
    void passesWritesWithOffsetAndSize() {
        MmioBus bus = new MmioBus();
        Tagged t = new Tagged(1);
        bus.register(0xfeb0_0000L, 0x200, t);
        bus.write(0xfeb0_0104L, 4, 0xcafe);
        assertEquals(0x104, t.lastOffset);
        assertEquals(4, t.lastSize);
        assertEquals(0xcafe, t.lastValue);
        bus.write(0xfeb0_0200L, 4, 1);
        assertEquals(0x104, t.lastOffset, "a write past the range does not reach the device");
    }

    @Test
    void rejectsOverlaps() {
        MmioBus bus = new MmioBus();
        bus.register(0x1000, 0x1000, new Tagged(1));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x1fff, 0x10, new Tagged(2)));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x0800, 0x801, new Tagged(2)));
        bus.register(0x2000, 0x10, new Tagged(2));
        bus.register(0x0800, 0x800, new Tagged(3));
        assertTrue(bus.claims(0x0800));
        assertFalse(bus.claims(0x2010));
    }

    @Test
    void handlesAddressesAboveTheSignedRange() {
        MmioBus bus = new MmioBus();
        bus.register(0x8000_0000_0000_0000L, 0x1000, new Tagged(7));
        bus.register(0x1000, 0x1000, new Tagged(8));
        assertEquals(7L << 32 | 0x10, bus.read(0x8000_0000_0000_0010L, 8));
        assertEquals(8L << 32, bus.read(0x1000, 8));
    }

    @Test
    void rejectsEmptyRange() {
        assertThrows(IllegalArgumentException.class, () -> new MmioBus().register(0x1000, 0, new Tagged(1)));
    }
}
