package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebugExitTest {

    @Test
    void reportsValueShiftedLeftWithLowBitSet() {
        List<Integer> statuses = new ArrayList<>();
        PortIoBus bus = new PortIoBus();
        bus.register(DebugExit.DEFAULT_PORT, 2, new DebugExit(statuses::add));
        bus.write(0x501, 1, 0);
        bus.write(0x501, 4, 0x10);
        assertEquals(List.of(1, 0x21), statuses);
    }
}
