package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortIoBusTest {

    /** Answers reads with offset * 0x11 + size, records writes as "offset:size:value". */
    static final class Probe implements PortIoDevice {
        final List<String> writes = new ArrayList<>();

        @Override
        public int ioRead(int offset, int size) {
            return offset * 0x11 + size;
        }

        @Override
        public void ioWrite(int offset, int size, int value) {
            writes.add(offset + ":" + size + ":" + Integer.toHexString(value));
        }
    }

    @Test
    void passesOffsetFromTheBasePort() {
        PortIoBus bus = new PortIoBus();
        Probe probe = new Probe();
        bus.register(0x3f8, 8, probe);
        assertEquals(5 * 0x11 + 1, bus.read(0x3fd, 1));
        bus.write(0x3ff, 1, 0x41);
        assertEquals(List.of("7:1:41"), probe.writes);
    }

    @Test
    void unclaimedPortsReadAllOnesOfTheAccessSize() {
        PortIoBus bus = new PortIoBus();
        assertEquals(0xff, bus.read(0x80, 1));
        assertEquals(0xffff, bus.read(0x80, 2));
        assertEquals(0xffff_ffff, bus.read(0x80, 4));
        bus.write(0x80, 1, 0x12); // ignored, no exception
    }

    @Test
    void masksValuesToTheAccessSize() {
        PortIoBus bus = new PortIoBus();
        Probe probe = new Probe();
        bus.register(0x100, 1, probe);
        bus.write(0x100, 1, 0x1234_5678);
        bus.write(0x100, 2, 0x1234_5678);
        assertEquals(List.of("0:1:78", "0:2:5678"), probe.writes);
    }

    @Test
    void rejectsOverlappingRegistration() {
        PortIoBus bus = new PortIoBus();
        bus.register(0x60, 5, new Probe());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> bus.register(0x64, 1, new Probe()));
        assertTrue(e.getMessage().contains("0x64"), e.getMessage());
    }

    @Test
    void rejectsRangesBeyondPortSpace() {
        PortIoBus bus = new PortIoBus();
        assertThrows(IllegalArgumentException.class, () -> bus.register(0xfffe, 4, new Probe()));
        assertThrows(IllegalArgumentException.class, () -> bus.register(-1, 1, new Probe()));
    }

    @Test
    void lastPortIsUsable() {
        PortIoBus bus = new PortIoBus();
        Probe probe = new Probe();
        bus.register(0xffff, 1, probe);
        assertSame(probe, bus.deviceAt(0xffff));
        assertNull(bus.deviceAt(0xfffe));
    }
}
