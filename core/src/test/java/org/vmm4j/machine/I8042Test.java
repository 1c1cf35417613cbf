package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class I8042Test {

    private final AtomicInteger resets = new AtomicInteger();
    private final RecordingLine irq = new RecordingLine();
    private final I8042 kbc = new I8042(resets::incrementAndGet, irq);
    private final PortIoBus bus = new PortIoBus();

    {
        bus.register(0x60, 5, kbc);
    }

    @Test
    void pulseResetCommandResetsTheMachine() {
        bus.write(0x64, 1, 0xfe);
        assertEquals(1, resets.get());
    }

    @Test
    void otherPulseCommandsKeepingLine0HighDoNotReset() {
        bus.write(0x64, 1, 0xff);
        bus.write(0x64, 1, 0xfd);
        assertEquals(0, resets.get());
    }

    @Test
    void writingOutputPortWithResetBitLowResets() {
        bus.write(0x64, 1, 0xd1);
        bus.write(0x60, 1, 0x03);
        assertEquals(0, resets.get(), "A20 on, reset line high");
        bus.write(0x64, 1, 0xd1);
        bus.write(0x60, 1, 0x02);
        assertEquals(1, resets.get());
    }

    @Test
    void statusIsSaneAndNotAllOnes() {
        int status = bus.read(0x64, 1);
        assertTrue(status != 0xff, "0xff would mean no controller");
        assertEquals(0, status & 0x01, "output buffer empty");
        assertEquals(0x04, status & 0x04, "system flag: self test passed");
    }

    @Test
    void selfTestAnswers0x55() {
        bus.write(0x64, 1, 0xaa);
        assertEquals(0x01, bus.read(0x64, 1) & 0x01, "output buffer full");
        assertEquals(0x55, bus.read(0x60, 1));
        assertEquals(0, bus.read(0x64, 1) & 0x01, "read empties it");
    }

    @Test
    void configByteRoundTrips() {
        bus.write(0x64, 1, 0x60);
        bus.write(0x60, 1, 0x34);
        bus.write(0x64, 1, 0x20);
        assertEquals(0x34, bus.read(0x60, 1));
    }

    @Test
    void keyboardCommandsAreAcknowledgedWithAnInterrupt() {
        bus.write(0x60, 1, 0xf4); // enable scanning
        assertTrue(irq.level, "IRQ 1 with the keyboard interrupt enabled");
        assertEquals(0xfa, bus.read(0x60, 1));
        assertFalse(irq.level);
    }

    @Test
    void noInterruptWhenConfigDisablesIt() {
        bus.write(0x64, 1, 0x60);
        bus.write(0x60, 1, 0x00);
        bus.write(0x64, 1, 0xaa);
        assertFalse(irq.level);
    }

    @Test
    void auxInterfaceTestReportsNoMouse() {
        bus.write(0x64, 1, 0xa9);
        int answer = bus.read(0x60, 1);
        assertTrue(answer != 0x00 && answer != 0xfa && answer != 0xff, "an error Linux takes as no aux port");
    }

    @Test
    void keyboardIdArrivesByteByByteWithAnEdgeEach() {
        bus.write(0x60, 1, 0xf2);
        assertEquals(0xfa, bus.read(0x60, 1));
        assertEquals(1, bus.read(0x64, 1) & 1, "more to read");
        assertEquals(0xab, bus.read(0x60, 1));
        assertEquals(0x83, bus.read(0x60, 1));
        assertEquals(0, bus.read(0x64, 1) & 1);
        // raised for the ACK, then lowered and raised again for each following byte, lowered at the end
        assertEquals(java.util.List.of(true, false, true, false, true, false), irq.changes);
    }

    @Test
    void keyboardResetAnswersSelfTestPassed() {
        bus.write(0x60, 1, 0xff);
        assertEquals(0xfa, bus.read(0x60, 1));
        assertEquals(0xaa, bus.read(0x60, 1));
    }

    @Test
    void aNewCommandDropsUnreadAnswers() {
        bus.write(0x60, 1, 0xf2);
        bus.write(0x64, 1, 0xaa);
        assertEquals(0x55, bus.read(0x60, 1));
        assertEquals(0, bus.read(0x64, 1) & 1);
    }
}
