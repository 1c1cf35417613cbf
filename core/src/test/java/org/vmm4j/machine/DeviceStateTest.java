package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.vmm4j.StateSection;

/** Each device saved, restored into a fresh one, and then behaving as the original does. */
class DeviceStateTest {
    // 16550A registers and bits from the data sheet
    private static final int RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, SCR = 7;

    @Test
    void uartWithBytesInItsFifoAndInterruptsEnabledRestoresToTheSameBehaviour() {
        Uart16550 original = new Uart16550(new ByteArrayOutputStream(), new RecordingLine());
        original.ioWrite(FCR, 1, 0xc1); // FIFO on, trigger level 14
        original.ioWrite(LCR, 1, 0x03);
        original.ioWrite(MCR, 1, 0x0b);
        original.ioWrite(SCR, 1, 0x5a);
        original.ioWrite(IER, 1, 0x01); // received-data interrupts
        original.queueInput("hello".getBytes(StandardCharsets.US_ASCII));
        assertEquals('h', original.ioRead(RBR, 1), "one byte read before the snapshot");

        RecordingLine line = new RecordingLine();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Uart16550 restored = new Uart16550(out, line);
        restored.restoreState(original.saveState());

        assertTrue(line.changes.isEmpty(), "restoring drives no interrupt line: the irqchip's state has it");
        for (int reg : new int[] {IER, IIR, LCR, MCR, LSR, SCR}) {
            assertEquals(original.ioRead(reg, 1), restored.ioRead(reg, 1), "register " + reg);
        }
        assertEquals(0xcc, restored.ioRead(IIR, 1) & 0xcf, "FIFO on, character timeout below the trigger level");
        StringBuilder rest = new StringBuilder();
        while ((restored.ioRead(LSR, 1) & 1) != 0) {
            rest.append((char) restored.ioRead(RBR, 1));
        }
        assertEquals("ello", rest.toString(), "the FIFO's bytes, in order");
        restored.ioWrite(0, 1, 'x');
        assertEquals("x", out.toString(StandardCharsets.US_ASCII), "it transmits to its own stream");
    }

    @Test
    void uartRefusesMoreSavedInputThanItHolds() {
        Uart16550 big = new Uart16550(null, new RecordingLine(), 64);
        big.queueInput(new byte[40]);
        Uart16550 small = new Uart16550(null, new RecordingLine(), 16);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> small.restoreState(big.saveState()));
        assertTrue(e.getMessage().contains("40 received bytes"), e.getMessage());
    }

    @Test
    void sectionsOfAnotherDeviceAnotherLayoutOrTruncatedAreRefusedByName() {
        Uart16550 uart = new Uart16550(null, new RecordingLine());
        StateSection rtc = new CmosRtc().saveState();
        IllegalArgumentException wrongName = assertThrows(IllegalArgumentException.class, () -> uart.restoreState(rtc));
        assertTrue(wrongName.getMessage().contains("cmos-rtc"), wrongName.getMessage());

        byte[] data = uart.saveState().data();
        data[0] = 9;
        IllegalArgumentException version = assertThrows(
                IllegalArgumentException.class, () -> uart.restoreState(new StateSection("uart16550", data)));
        assertTrue(version.getMessage().contains("layout version 9"), version.getMessage());

        byte[] whole = uart.saveState().data();
        IllegalArgumentException truncated = assertThrows(
                IllegalArgumentException.class,
                () -> uart.restoreState(new StateSection("uart16550", Arrays.copyOf(whole, whole.length - 2))));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

        byte[] longer = Arrays.copyOf(whole, whole.length + 3);
        IllegalArgumentException trailing = assertThrows(
                IllegalArgumentException.class, () -> uart.restoreState(new StateSection("uart16550", longer)));
        assertTrue(trailing.getMessage().contains("3 bytes more"), trailing.getMessage());
    }

    @Test
    void statesNoDeviceCanBeInAreRefusedByName() {
        Uart16550 uart = new Uart16550(null, new RecordingLine());
        byte[] trigger = uart.saveState().data();
        trigger[8] = 5; // after the version and IER, LCR, MCR, SCR, DLL, DLM, FIFO enabled: the trigger level
        assertRefused(() -> uart.restoreState(new StateSection("uart16550", trigger)), "trigger level 5");
        byte[] ier = uart.saveState().data();
        ier[1] = (byte) 0x80;
        assertRefused(() -> uart.restoreState(new StateSection("uart16550", ier)), "IER 0x80 has bits outside 0xf");

        CmosRtc rtc = new CmosRtc();
        byte[] index = rtc.saveState().data();
        index[1] = (byte) 0x80;
        assertRefused(() -> rtc.restoreState(new StateSection("cmos-rtc", index)), "index 0x80");

        I8042 i8042 = new I8042(() -> {}, new RecordingLine());
        byte[] pending = i8042.saveState().data();
        pending[5] = 0x20; // version, config, output port, status, output buffer, then the pending command
        assertRefused(() -> i8042.restoreState(new StateSection("i8042", pending)), "pending command 0x20");
        I8042 answering = new I8042(() -> {}, new RecordingLine());
        answering.ioWrite(0, 1, 0xf2); // ACK, then two ID bytes queued
        byte[] queued = answering.saveState().data();
        queued[3] = 0; // status without OUTPUT_FULL
        assertRefused(() -> i8042.restoreState(new StateSection("i8042", queued)), "queued behind an empty");

        BootTimer timer = new BootTimer(() -> 0, null);
        byte[] minusTwo = timer.saveState().data();
        minusTwo[1] = (byte) 0xfe; // -2 little-endian: -1 (0xff...) with the lowest bit cleared
        assertRefused(() -> timer.restoreState(new StateSection("boot-timer", minusTwo)), "boot time (-1");
    }

    private static void assertRefused(Runnable restore, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, restore::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void rtcKeepsItsRamAndIndexAndReadsTheClockOfTheRestoringHost() {
        Clock then = Clock.fixed(Instant.parse("2020-01-02T03:04:05Z"), ZoneOffset.UTC);
        CmosRtc original = new CmosRtc(then);
        original.ioWrite(0, 1, 0x0b);
        original.ioWrite(1, 1, 0x06); // binary, 24-hour
        original.ioWrite(0, 1, 0x40);
        original.ioWrite(1, 1, 0x77); // a byte of CMOS RAM
        original.ioWrite(0, 1, 0x40);

        Clock now = Clock.fixed(Instant.parse("2026-12-05T10:20:30Z"), ZoneOffset.UTC);
        CmosRtc restored = new CmosRtc(now);
        restored.restoreState(original.saveState());
        assertEquals(0x77, restored.ioRead(1, 1), "the index register and the RAM byte it selects");
        restored.ioWrite(0, 1, 0x04);
        assertEquals(10, restored.ioRead(1, 1), "hours in binary, from the restoring host's clock");
    }

    @Test
    void i8042KeepsTheBytesAKeyboardAnswerLeftUnread() {
        I8042 original = new I8042(() -> {}, new RecordingLine());
        original.ioWrite(0, 1, 0xf2); // keyboard: get ID
        assertEquals(0xfa, original.ioRead(0, 1), "the ACK, before the snapshot");

        I8042 restored = new I8042(() -> {}, new RecordingLine());
        restored.restoreState(original.saveState());
        assertEquals(original.ioRead(4, 1), restored.ioRead(4, 1), "status");
        assertEquals(0xab, restored.ioRead(0, 1));
        assertEquals(0x83, restored.ioRead(0, 1));
        assertEquals(0, restored.ioRead(4, 1) & 1, "nothing more to read");
    }

    @Test
    void bootTimerKeepsAReportedBootTime() {
        AtomicLong clock = new AtomicLong(1_000);
        BootTimer original = new BootTimer(clock::get, null);
        clock.set(5_000);
        original.ioWrite(0, 1, BootTimer.MAGIC);

        AtomicLong told = new AtomicLong(-1);
        BootTimer restored = new BootTimer(clock::get, told::set);
        restored.restoreState(original.saveState());
        assertEquals(4_000, restored.bootTime().orElseThrow().toNanos());
        restored.ioWrite(0, 1, BootTimer.MAGIC);
        assertEquals(-1, told.get(), "a boot reported before the snapshot is not reported again");
    }

    @Test
    void ioApicRestoresEntriesRoutesAndAPendingEdge() {
        IoApicTest.Recorder before = new IoApicTest.Recorder();
        IoApic original = new IoApic(before, 2);
        program(original, 3, 0x1_0031, 1); // masked edge entry, vector 0x31, to APIC 1
        program(original, 4, 0x0041, 0); // unmasked edge entry
        original.setLevel(3, true); // masked: the edge waits

        IoApicTest.Recorder after = new IoApicTest.Recorder();
        IoApic restored = new IoApic(after, 9);
        restored.restoreState(original.saveState());
        assertEquals(original.redirectionEntry(3), restored.redirectionEntry(3));
        assertEquals(original.redirectionEntry(4), restored.redirectionEntry(4));
        assertEquals(1, after.routeUpdates, "the routes were given to the hypervisor");
        assertArrayEquals(before.addresses, after.addresses);
        assertArrayEquals(before.data, after.data);
        assertTrue(after.sent.isEmpty(), "restoring sends nothing");
        restored.mmioWrite(IoApic.IOREGSEL, 4, 0x00);
        assertEquals(2 << 24, (int) restored.mmioRead(IoApic.IOWIN, 4), "the saved id, not the constructor's");
        program(restored, 3, 0x0031, 1); // unmask: the pending edge is delivered
        assertEquals(1, after.sent.size());
        assertEquals(0x31, after.sent.get(0)[1] & 0xff);
    }

    private static void program(IoApic ioapic, int pin, int low, int destination) {
        ioapic.mmioWrite(IoApic.IOREGSEL, 4, 0x11 + 2 * pin);
        ioapic.mmioWrite(IoApic.IOWIN, 4, destination << 24);
        ioapic.mmioWrite(IoApic.IOREGSEL, 4, 0x10 + 2 * pin);
        ioapic.mmioWrite(IoApic.IOWIN, 4, low);
    }
}
