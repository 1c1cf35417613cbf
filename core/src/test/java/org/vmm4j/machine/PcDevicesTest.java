package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;

class PcDevicesTest {

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final Map<Integer, RecordingLine> lines = new HashMap<>();
    private final List<String> events = new ArrayList<>();
    private final PcDevices pc = new PcDevices(
            console,
            irq -> lines.computeIfAbsent(irq, i -> new RecordingLine()),
            () -> events.add("reset"),
            nanos -> events.add("booted"),
            status -> events.add("exit " + status));

    private void out(int port, int value) {
        FakeVmExit e = new FakeVmExit().io(ExitKind.IO_OUT, port, 1, 1);
        e.data[0] = value;
        assertTrue(pc.dispatcher().dispatch(e));
    }

    @Test
    void com1WritesReachTheConsoleAndRaiseIrq4() {
        out(0x3f9, 0x02); // IER: THR empty
        out(0x3f8, 'A');
        assertEquals("A", console.toString(StandardCharsets.US_ASCII));
        assertTrue(lines.get(4).level, "IRQ 4");
    }

    @Test
    void i8042ResetAndBootTimerAndDebugExitReportTheirEvents() {
        out(0x440, 123);
        out(0x501, 1);
        out(0x64, 0xfe);
        assertEquals(List.of("booted", "exit 3", "reset"), events);
    }

    @Test
    void bootTimerAnswersOnItsMmioPage() {
        FakeVmExit e = new FakeVmExit().mmio(ExitKind.MMIO_WRITE, 0xd000_0000L, 1, 123);
        pc.dispatcher().dispatch(e);
        assertTrue(pc.bootTimer().bootTime().isPresent());
    }

    @Test
    void keyboardInterruptIsIrq1() {
        out(0x64, 0xaa);
        assertTrue(lines.get(1).level);
    }
}
