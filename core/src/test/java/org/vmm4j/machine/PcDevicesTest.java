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
import org.vmm4j.boot.Layout;
import org.vmm4j.testing.HeapGuestMemory;
import org.vmm4j.virtio.GuestRam;
import org.vmm4j.virtio.VirtioMmio;
import org.vmm4j.virtio.VirtioRng;

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
        ScriptedExit e = new ScriptedExit().io(ExitKind.IO_OUT, port, 1, 1);
        e.setIoData(0, value);
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
        ScriptedExit e = new ScriptedExit().mmio(ExitKind.MMIO_WRITE, 0xd000_8000L, 1, 123);
        pc.dispatcher().dispatch(e);
        assertTrue(pc.bootTimer().bootTime().isPresent());
    }

    @Test
    void everyVirtioSlotIsFreeAndAnswersThroughTheDispatcher() {
        for (int slot = 0; slot < Layout.VIRTIO_MMIO_SLOTS; slot++) {
            VirtioMmio transport =
                    new VirtioMmio(new VirtioRng(), GuestRam.of(new HeapGuestMemory(0, 0x10000)), cause -> {});
            pc.mmio().register(Layout.virtioMmioAddress(slot), Layout.VIRTIO_MMIO_WINDOW, transport);
            ScriptedExit e = new ScriptedExit().mmio(ExitKind.MMIO_READ, Layout.virtioMmioAddress(slot), 4, 0);
            pc.dispatcher().dispatch(e);
            assertEquals(0x7472_6976L, e.mmioData(), "MagicValue \"virt\" in slot " + slot);
        }
    }

    @Test
    void keyboardInterruptIsIrq1() {
        out(0x64, 0xaa);
        assertTrue(lines.get(1).level);
    }
}
