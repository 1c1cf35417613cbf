package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class Uart16550Test {

    // Register offsets and bits from the 16550A data sheet, written out independently of the class
    private static final int THR = 0,
            RBR = 0,
            DLL = 0,
            IER = 1,
            DLM = 1,
            IIR = 2,
            FCR = 2,
            LCR = 3,
            MCR = 4,
            LSR = 5,
            MSR = 6,
            SCR = 7;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final RecordingLine irq = new RecordingLine();
    private final Uart16550 uart = new Uart16550(out, irq);

    private int read(int reg) {
        return uart.ioRead(reg, 1);
    }

    private void write(int reg, int value) {
        uart.ioWrite(reg, 1, value);
    }

    @Test
    void transmitsToTheOutputStream() {
        for (byte b : "ok\n".getBytes(StandardCharsets.US_ASCII)) {
            write(THR, b);
        }
        assertEquals("ok\n", out.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void lineStatusShowsEmptyTransmitterAndDataReady() {
        assertEquals(0x60, read(LSR), "THRE | TEMT, no data");
        uart.queueInput(new byte[] {'k'});
        assertEquals(0x61, read(LSR), "data ready");
        assertEquals('k', read(RBR));
        assertEquals(0x60, read(LSR));
    }

    @Test
    void iirReportsNoInterruptWhenNothingIsEnabled() {
        uart.queueInput(new byte[] {1});
        assertEquals(0x01, read(IIR));
        assertTrue(irq.changes.isEmpty());
    }

    @Test
    void receiveInterruptRisesWithDataAndFallsWhenDrained() {
        write(IER, 0x01);
        assertFalse(irq.level);
        uart.queueInput(new byte[] {'a', 'b'});
        assertTrue(irq.level);
        assertEquals(0x04, read(IIR) & 0x0f, "received data available");
        read(RBR);
        assertTrue(irq.level, "one byte left");
        read(RBR);
        assertFalse(irq.level);
        assertEquals(0x01, read(IIR));
    }

    @Test
    void enablingTransmitInterruptRaisesItAndReadingIirClearsIt() {
        write(IER, 0x02);
        assertTrue(irq.level, "THR is empty: interrupt at once");
        assertEquals(0x02, read(IIR), "THR empty");
        assertFalse(irq.level, "reading IIR acknowledged it");
        assertEquals(0x01, read(IIR));
        write(THR, 'z');
        assertTrue(irq.level, "empty again after the byte went out");
        assertEquals(List.of(true, false, true), irq.changes);
    }

    @Test
    void receiveDataHasPriorityOverTransmitterEmpty() {
        write(IER, 0x03);
        uart.queueInput(new byte[] {'q'});
        assertEquals(0x04, read(IIR));
        read(RBR);
        assertEquals(0x02, read(IIR));
    }

    @Test
    void fifoControlSetsIirFifoBitsAndTriggerLevel() {
        write(FCR, 0x01 | 0x80); // enable, trigger level 8
        write(IER, 0x01);
        uart.queueInput(new byte[] {1, 2, 3});
        assertEquals(0xc0 | 0x0c, read(IIR), "FIFO on; below the trigger level: character timeout");
        uart.queueInput(new byte[] {4, 5, 6, 7, 8});
        assertEquals(0xc0 | 0x04, read(IIR), "trigger level reached");
        write(FCR, 0x01 | 0x02);
        assertEquals(0x60, read(LSR), "receive FIFO cleared");
        write(FCR, 0);
        assertEquals(0x01, read(IIR), "FIFO off");
    }

    @Test
    void fifoKeepsByteOrder() {
        write(FCR, 0x07);
        uart.queueInput("fifo".getBytes(StandardCharsets.US_ASCII));
        StringBuilder s = new StringBuilder();
        while ((read(LSR) & 1) != 0) {
            s.append((char) read(RBR));
        }
        assertEquals("fifo", s.toString());
    }

    @Test
    void divisorLatchHidesDataRegisters() {
        write(LCR, 0x83);
        write(DLL, 0x01);
        write(DLM, 0x00);
        assertEquals(0x01, read(DLL));
        assertEquals(0x00, read(DLM));
        assertTrue(out.size() == 0, "writing DLL transmits nothing");
        write(LCR, 0x03);
        assertEquals(0x03, read(LCR));
        assertEquals(0x00, read(IER), "IER untouched by the DLM write");
        write(THR, 'x');
        assertEquals("x", out.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void loopbackReturnsTransmittedBytesAndWiresModemLines() {
        write(MCR, 0x10);
        write(THR, 0x5a);
        assertEquals(0, out.size(), "nothing leaves in loopback");
        assertEquals(0x61, read(LSR));
        assertEquals(0x5a, read(RBR));
        read(MSR);
        write(MCR, 0x10 | 0x01 | 0x02); // DTR, RTS
        int msr = read(MSR);
        assertEquals(0x10 | 0x20, msr & 0xf0, "CTS = RTS, DSR = DTR");
        assertEquals(0x01 | 0x02, msr & 0x0f, "delta CTS and delta DSR");
        assertEquals(0, read(MSR) & 0x0f, "deltas clear on read");
        write(MCR, 0x10 | 0x08 | 0x04);
        assertEquals(0xc0, read(MSR) & 0xf0, "DCD = OUT2, RI = OUT1");
    }

    @Test
    void modemStatusInterruptOnLoopbackChange() {
        write(MCR, 0x10);
        read(MSR);
        write(IER, 0x08);
        assertFalse(irq.level);
        write(MCR, 0x10 | 0x02);
        assertTrue(irq.level);
        assertEquals(0x00, read(IIR), "modem status interrupt");
        read(MSR);
        assertFalse(irq.level);
    }

    @Test
    void modemStatusOutsideLoopbackIsAReadyTerminal() {
        assertEquals(0xb0, read(MSR), "DCD, DSR, CTS");
    }

    @Test
    void overrunSetsLsrAndLineStatusInterrupt() {
        Uart16550 small = new Uart16550(out, irq, 2);
        small.ioWrite(IER, 1, 0x04);
        small.ioWrite(MCR, 1, 0x10);
        small.ioWrite(THR, 1, 1);
        small.ioWrite(THR, 1, 2);
        small.ioWrite(THR, 1, 3);
        assertTrue(irq.level);
        assertEquals(0x06, small.ioRead(IIR, 1), "receiver line status");
        assertEquals(0x63, small.ioRead(LSR, 1), "overrun and data ready");
        assertEquals(0x61, small.ioRead(LSR, 1), "OE clears on read");
        assertFalse(irq.level);
        assertEquals(1, small.ioRead(RBR, 1));
        assertEquals(2, small.ioRead(RBR, 1));
    }

    @Test
    void queueInputAcceptsOnlyWhatFits() {
        Uart16550 small = new Uart16550(out, irq, 3);
        assertEquals(3, small.queueInput("abcdef".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0, small.inputSpace());
        small.ioRead(RBR, 1);
        assertEquals(1, small.inputSpace());
    }

    @Test
    void scratchRegisterHoldsAByte() {
        write(SCR, 0xa5);
        assertEquals(0xa5, read(SCR));
    }

    @Test
    void queueInputFullyWaitsForTheGuestToRead() throws Exception {
        Uart16550 small = new Uart16550(out, irq, 3);
        byte[] text = "0123456789".getBytes(StandardCharsets.US_ASCII);
        Thread feeder = new Thread(() -> {
            try {
                small.queueInputFully(text, 0, text.length);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        feeder.start();
        StringBuilder got = new StringBuilder();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (got.length() < text.length && System.nanoTime() < deadline) {
            if ((small.ioRead(LSR, 1) & 1) != 0) {
                got.append((char) small.ioRead(RBR, 1));
            } else {
                Thread.onSpinWait();
            }
        }
        feeder.join(10_000);
        assertEquals("0123456789", got.toString());
        assertFalse(feeder.isAlive());
    }
}
