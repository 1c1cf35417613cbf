package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.x86.InterruptLine;

class ExitDispatcherTest {

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final Uart16550 uart = new Uart16550(console, InterruptLine.NONE);
    private final MmioBusTest.Tagged mmioDevice = new MmioBusTest.Tagged(5);
    private final ExitDispatcher dispatcher = dispatcher(uart, mmioDevice);

    private static ExitDispatcher dispatcher(Uart16550 uart, MmioDevice mmioDevice) {
        PortIoBus ports = new PortIoBus();
        ports.register(Uart16550.COM1_PORT, Uart16550.REGISTER_COUNT, uart);
        ports.register(CmosRtc.INDEX_PORT, CmosRtc.PORT_SPAN, new CmosRtc());
        ports.register(PciConfigSpace.ADDRESS_PORT, PciConfigSpace.PORT_SPAN, new PciConfigSpace());
        ports.register(I8042.DATA_PORT, I8042.PORT_SPAN, new I8042(() -> {}, InterruptLine.NONE));
        MmioBus mmio = new MmioBus();
        mmio.register(0xd000_0000L, 0x1000, mmioDevice);
        return new ExitDispatcher(ports, mmio);
    }

    @Test
    void stringOutputWritesEveryElementInOrder() {
        ScriptedExit exit = new ScriptedExit().io(ExitKind.IO_OUT, 0x3f8, 1, 5);
        byte[] text = "hello".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < text.length; i++) {
            exit.setIoData(i, text[i]);
        }
        assertTrue(dispatcher.dispatch(exit));
        assertEquals("hello", console.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void stringInputFillsEveryElementInOrder() {
        uart.queueInput("abc".getBytes(StandardCharsets.US_ASCII));
        ScriptedExit exit = new ScriptedExit().io(ExitKind.IO_IN, 0x3f8, 1, 4);
        assertTrue(dispatcher.dispatch(exit));
        assertEquals('a', exit.ioData(0));
        assertEquals('b', exit.ioData(1));
        assertEquals('c', exit.ioData(2));
        assertEquals(0, exit.ioData(3), "receive buffer empty");
    }

    @Test
    void inputFromUnclaimedPortIsAllOnes() {
        ScriptedExit exit = new ScriptedExit().io(ExitKind.IO_IN, 0x2f8, 2, 1);
        dispatcher.dispatch(exit);
        assertEquals(0xffff, exit.ioData(0));
    }

    @Test
    void pciConfigReadWithoutDeviceIsAllOnes() {
        ScriptedExit out = new ScriptedExit().io(ExitKind.IO_OUT, 0xcf8, 4, 1);
        out.setIoData(0, 0x8000_0000L);
        dispatcher.dispatch(out);
        ScriptedExit in = new ScriptedExit().io(ExitKind.IO_IN, 0xcfc, 4, 1);
        dispatcher.dispatch(in);
        assertEquals(0xffff_ffffL, in.ioData(0));
    }

    @Test
    void mmioReadAndWriteReachTheDevice() {
        ScriptedExit read = new ScriptedExit().mmio(ExitKind.MMIO_READ, 0xd000_0010L, 8, 0);
        assertTrue(dispatcher.dispatch(read));
        assertEquals(5L << 32 | 0x10, read.mmioData());
        ScriptedExit write = new ScriptedExit().mmio(ExitKind.MMIO_WRITE, 0xd000_0020L, 4, 0x1234);
        assertTrue(dispatcher.dispatch(write));
        assertEquals(0x20, mmioDevice.lastOffset);
        assertEquals(0x1234, mmioDevice.lastValue);
    }

    @Test
    void leavesOtherExitsToTheCaller() {
        assertFalse(dispatcher.dispatch(new ScriptedExit().io(ExitKind.HLT, 0, 0, 0)));
        assertFalse(dispatcher.dispatch(new ScriptedExit().io(ExitKind.SHUTDOWN, 0, 0, 0)));
    }

    static volatile byte[] sink;

    @Test
    void dispatchAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        ExitDispatcher d = dispatcher(
                new Uart16550(OutputStream.nullOutputStream(), InterruptLine.NONE), new MmioBusTest.Tagged(1));
        ScriptedExit[] exits = {
            new ScriptedExit().io(ExitKind.IO_OUT, 0x3f8, 1, 1), // UART THR
            new ScriptedExit().io(ExitKind.IO_IN, 0x3fd, 1, 1), // UART LSR
            new ScriptedExit().io(ExitKind.IO_OUT, 0x3f8, 1, 16), // rep outsb
            new ScriptedExit().io(ExitKind.IO_IN, 0x3fa, 1, 8), // rep insb of IIR
            new ScriptedExit().io(ExitKind.IO_OUT, 0x70, 1, 1), // RTC index
            new ScriptedExit().io(ExitKind.IO_IN, 0x71, 1, 1), // RTC data (the clock)
            new ScriptedExit().io(ExitKind.IO_OUT, 0xcf8, 4, 1),
            new ScriptedExit().io(ExitKind.IO_IN, 0xcfc, 4, 1),
            new ScriptedExit().io(ExitKind.IO_IN, 0x64, 1, 1), // i8042 status
            new ScriptedExit().io(ExitKind.IO_IN, 0x1234, 2, 1), // nobody
            new ScriptedExit().mmio(ExitKind.MMIO_READ, 0xd000_0008L, 4, 0),
            new ScriptedExit().mmio(ExitKind.MMIO_WRITE, 0xd000_0008L, 4, 7),
            new ScriptedExit().mmio(ExitKind.MMIO_READ, 0xe000_0000L, 4, 0),
        };
        exits[0].setIoData(0, 'x');
        exits[6].setIoData(0, 0x8000_0800L);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            d.dispatch(exits[i % exits.length]); // warm up: let the JIT compile the path
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < n; i++) {
            d.dispatch(exits[i % exits.length]);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < n, allocated + " bytes allocated for " + n + " exits");
        // the meter itself works: it sees a deliberate allocation
        long control = threads.getCurrentThreadAllocatedBytes();
        sink = new byte[10_000];
        assertTrue(threads.getCurrentThreadAllocatedBytes() - control >= 10_000, "allocation meter is live");
    }
}
