package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BootTimerTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final List<Long> told = new ArrayList<>();
    private final BootTimer timer = new BootTimer(now::get, told::add);

    @Test
    void recordsTimeSinceStartOnMagicWrite() {
        now.set(5_000);
        timer.start();
        now.set(2_505_000);
        timer.ioWrite(0, 1, 123);
        assertEquals(Duration.ofNanos(2_500_000), timer.bootTime().orElseThrow());
        assertEquals(List.of(2_500_000L), told);
    }

    @Test
    void ignoresOtherValuesAndLaterWrites() {
        timer.ioWrite(0, 1, 7);
        assertTrue(timer.bootTime().isEmpty());
        now.set(3_000);
        timer.mmioWrite(0, 1, 123);
        now.set(9_000);
        timer.ioWrite(0, 1, 123);
        assertEquals(Duration.ofNanos(2_000), timer.bootTime().orElseThrow());
        assertEquals(1, told.size());
    }

    @Test
    void worksThroughThePortBus() {
        PortIoBus bus = new PortIoBus();
        bus.register(BootTimer.DEFAULT_PORT, 1, timer);
        now.set(4_000);
        bus.write(0x440, 1, 123);
        assertEquals(3_000, timer.bootTime().orElseThrow().toNanos());
    }
}
