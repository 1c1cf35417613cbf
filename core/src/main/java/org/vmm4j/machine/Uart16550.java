package org.vmm4j.machine;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.StateSection;
import org.vmm4j.x86.InterruptLine;

/**
 * A 16550A UART (COM1 at 0x3f8, IRQ 4 on a PC): the eight registers with the divisor latch, FIFO
 * control, modem control with loopback, line and modem status, and interrupt identification in
 * the chip's priority order. Transmitted bytes go to an {@link OutputStream} at once; received
 * bytes are queued by the host with {@link #queueInput} and read by the guest.
 *
 * <p>The receive buffer is larger than the chip's 16 bytes so a paste into an interactive console
 * is not lost; an overrun (and its line-status interrupt) happens only when it is full. With the
 * FIFO on, data below the trigger level is reported as a character timeout at once rather than
 * after four character times: the guest reads it the same way, just sooner.
 */
public final class Uart16550 implements PortIoDevice {

    public static final int COM1_PORT = 0x3f8;
    public static final int COM1_IRQ = 4;
    public static final int REGISTER_COUNT = 8;
    public static final int DEFAULT_INPUT_CAPACITY = 4096;

    // Register offsets
    public static final int RBR_THR_DLL = 0;
    public static final int IER_DLM = 1;
    public static final int IIR_FCR = 2;
    public static final int LCR = 3;
    public static final int MCR = 4;
    public static final int LSR = 5;
    public static final int MSR = 6;
    public static final int SCR = 7;

    public static final int IER_RDI = 0x01;
    public static final int IER_THRI = 0x02;
    public static final int IER_RLSI = 0x04;
    public static final int IER_MSI = 0x08;

    public static final int IIR_NO_INTERRUPT = 0x01;
    public static final int IIR_MSI = 0x00;
    public static final int IIR_THRI = 0x02;
    public static final int IIR_RDI = 0x04;
    public static final int IIR_RLSI = 0x06;
    public static final int IIR_TIMEOUT = 0x0c;
    public static final int IIR_FIFO_ENABLED = 0xc0;

    public static final int FCR_ENABLE_FIFO = 0x01;
    public static final int FCR_CLEAR_RCVR = 0x02;
    public static final int FCR_CLEAR_XMIT = 0x04;

    public static final int LCR_DLAB = 0x80;

    public static final int MCR_DTR = 0x01;
    public static final int MCR_RTS = 0x02;
    public static final int MCR_OUT1 = 0x04;
    public static final int MCR_OUT2 = 0x08;
    public static final int MCR_LOOP = 0x10;

    public static final int LSR_DR = 0x01;
    public static final int LSR_OE = 0x02;
    public static final int LSR_THRE = 0x20;
    public static final int LSR_TEMT = 0x40;

    public static final int MSR_DCTS = 0x01;
    public static final int MSR_DDSR = 0x02;
    public static final int MSR_TERI = 0x04;
    public static final int MSR_DDCD = 0x08;
    public static final int MSR_CTS = 0x10;
    public static final int MSR_DSR = 0x20;
    public static final int MSR_RI = 0x40;
    public static final int MSR_DCD = 0x80;

    private static final Logger LOG = LoggerFactory.getLogger(Uart16550.class);
    private static final int[] TRIGGER_LEVELS = {1, 4, 8, 14};
    /** The bits of IER and MCR this UART has. */
    private static final int IER_BITS = 0x0f;

    private static final int MCR_BITS = 0x1f;

    private final OutputStream output;
    private final InterruptLine irq;
    private final byte[] rx;
    private int rxHead;
    private int rxCount;

    private int ier;
    private int lcr;
    private int mcr;
    private int scr;
    private int dll = 0x0c; // 9600 baud, as after a BIOS
    private int dlm;
    private boolean fifoEnabled;
    private int triggerLevel = 1;
    private boolean overrun;
    private boolean thrPending;
    private int msrDelta;
    private boolean level;
    private boolean outputFailed;
    private int waiters;

    public Uart16550(OutputStream output, InterruptLine irq) {
        this(output, irq, DEFAULT_INPUT_CAPACITY);
    }

    public Uart16550(OutputStream output, InterruptLine irq, int inputCapacity) {
        if (inputCapacity < 1) {
            throw new IllegalArgumentException("input capacity must be positive: " + inputCapacity);
        }
        this.output = output;
        this.irq = irq;
        this.rx = new byte[inputCapacity];
    }

    /**
     * Queues bytes for the guest to receive, as if they arrived on the line.
     *
     * @return how many were queued: fewer than {@code length} when the receive buffer is full
     */
    public synchronized int queueInput(byte[] data, int offset, int length) {
        int n = Math.min(length, rx.length - rxCount);
        for (int i = 0; i < n; i++) {
            rx[(rxHead + rxCount + i) % rx.length] = data[offset + i];
        }
        rxCount += n;
        updateInterrupt();
        return n;
    }

    public int queueInput(byte[] data) {
        return queueInput(data, 0, data.length);
    }

    /**
     * Queues all of {@code length} bytes, waiting while the receive buffer is full: for a thread
     * that copies a terminal or stream into the guest.
     *
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public synchronized void queueInputFully(byte[] data, int offset, int length) throws InterruptedException {
        int done = 0;
        while (done < length) {
            int n = queueInput(data, offset + done, length - done);
            done += n;
            if (done < length) {
                waiters++;
                try {
                    wait();
                } finally {
                    waiters--;
                }
            }
        }
    }

    /** Room left in the receive buffer. */
    public synchronized int inputSpace() {
        return rx.length - rxCount;
    }

    @Override
    public synchronized int ioRead(int offset, int size) {
        int value;
        switch (offset) {
            case RBR_THR_DLL -> value = dlab() ? dll : receive();
            case IER_DLM -> value = dlab() ? dlm : ier;
            case IIR_FCR -> {
                value = interruptId() | (fifoEnabled ? IIR_FIFO_ENABLED : 0);
                if ((value & 0x0f) == IIR_THRI) {
                    thrPending = false;
                }
            }
            case LCR -> value = lcr;
            case MCR -> value = mcr;
            case LSR -> {
                value = lineStatus();
                overrun = false;
            }
            case MSR -> {
                value = modemStatus() | msrDelta;
                msrDelta = 0;
            }
            case SCR -> value = scr;
            default -> value = 0xff;
        }
        updateInterrupt();
        return value;
    }

    @Override
    public synchronized void ioWrite(int offset, int size, int value) {
        int v = value & 0xff;
        switch (offset) {
            case RBR_THR_DLL -> {
                if (dlab()) {
                    dll = v;
                } else {
                    transmit(v);
                }
            }
            case IER_DLM -> {
                if (dlab()) {
                    dlm = v;
                } else {
                    if ((v & IER_THRI) != 0 && (ier & IER_THRI) == 0) {
                        thrPending = true; // the transmitter is always empty: enabling THRI interrupts at once
                    }
                    ier = v & IER_BITS;
                }
            }
            case IIR_FCR -> writeFifoControl(v);
            case LCR -> lcr = v;
            case MCR -> writeModemControl(v & MCR_BITS);
            case SCR -> scr = v;
            default -> {} // LSR and MSR are read-only
        }
        updateInterrupt();
    }

    private boolean dlab() {
        return (lcr & LCR_DLAB) != 0;
    }

    private int receive() {
        if (rxCount == 0) {
            return 0;
        }
        int b = rx[rxHead] & 0xff;
        rxHead = (rxHead + 1) % rx.length;
        rxCount--;
        if (waiters > 0) {
            notifyAll();
        }
        return b;
    }

    private void transmit(int b) {
        thrPending = false;
        if ((mcr & MCR_LOOP) != 0) {
            if (rxCount == rx.length) {
                overrun = true;
            } else {
                rx[(rxHead + rxCount) % rx.length] = (byte) b;
                rxCount++;
            }
        } else if (output != null && !outputFailed) {
            try {
                output.write(b);
                output.flush();
            } catch (IOException e) {
                outputFailed = true;
                LOG.warn("UART output failed; further output is dropped", e);
            }
        }
        thrPending = true; // sent at once: the holding register is empty again
    }

    private void writeFifoControl(int v) {
        boolean enable = (v & FCR_ENABLE_FIFO) != 0;
        if (enable != fifoEnabled || (v & FCR_CLEAR_RCVR) != 0) {
            rxHead = 0;
            rxCount = 0;
        }
        fifoEnabled = enable;
        triggerLevel = TRIGGER_LEVELS[v >>> 6];
    }

    private void writeModemControl(int v) {
        int before = modemStatus();
        mcr = v;
        int after = modemStatus();
        int changed = before ^ after;
        if ((changed & MSR_CTS) != 0) {
            msrDelta |= MSR_DCTS;
        }
        if ((changed & MSR_DSR) != 0) {
            msrDelta |= MSR_DDSR;
        }
        if ((before & MSR_RI) != 0 && (after & MSR_RI) == 0) {
            msrDelta |= MSR_TERI;
        }
        if ((changed & MSR_DCD) != 0) {
            msrDelta |= MSR_DDCD;
        }
    }

    /** Modem status lines: wired to MCR outputs in loopback, else a connected, ready terminal. */
    private int modemStatus() {
        if ((mcr & MCR_LOOP) != 0) {
            return ((mcr & MCR_RTS) != 0 ? MSR_CTS : 0)
                    | ((mcr & MCR_DTR) != 0 ? MSR_DSR : 0)
                    | ((mcr & MCR_OUT1) != 0 ? MSR_RI : 0)
                    | ((mcr & MCR_OUT2) != 0 ? MSR_DCD : 0);
        }
        return MSR_CTS | MSR_DSR | MSR_DCD;
    }

    private int lineStatus() {
        return (rxCount > 0 ? LSR_DR : 0) | (overrun ? LSR_OE : 0) | LSR_THRE | LSR_TEMT;
    }

    /** The highest-priority pending interrupt, as IIR bits 3:0. */
    private int interruptId() {
        if ((ier & IER_RLSI) != 0 && overrun) {
            return IIR_RLSI;
        }
        if ((ier & IER_RDI) != 0 && rxCount > 0) {
            return fifoEnabled && rxCount < triggerLevel ? IIR_TIMEOUT : IIR_RDI;
        }
        if ((ier & IER_THRI) != 0 && thrPending) {
            return IIR_THRI;
        }
        if ((ier & IER_MSI) != 0 && msrDelta != 0) {
            return IIR_MSI;
        }
        return IIR_NO_INTERRUPT;
    }

    private void updateInterrupt() {
        boolean pending = interruptId() != IIR_NO_INTERRUPT;
        if (pending != level) {
            level = pending;
            irq.setLevel(pending);
        }
    }

    /** The section {@link #saveState} writes. */
    public static final String STATE_SECTION = "uart16550";

    /**
     * The registers, the received bytes not yet read, and the interrupt state, for {@link #restoreState}
     * into a UART of the same input capacity or larger.
     */
    public synchronized StateSection saveState() {
        byte[] pending = new byte[rxCount];
        for (int i = 0; i < rxCount; i++) {
            pending[i] = rx[(rxHead + i) % rx.length];
        }
        return new StateEncoder(STATE_SECTION, 1)
                .u8(ier)
                .u8(lcr)
                .u8(mcr)
                .u8(scr)
                .u8(dll)
                .u8(dlm)
                .bool(fifoEnabled)
                .u8(triggerLevel)
                .bool(overrun)
                .bool(thrPending)
                .u8(msrDelta)
                .bool(level)
                .bytes(pending)
                .toSection();
    }

    /**
     * Puts back what {@link #saveState} saved. The interrupt line is not driven: its level is part of the
     * interrupt controller's own saved state.
     *
     * @throws IllegalArgumentException if the section is not a UART's, is damaged, or holds more received
     *     bytes than this UART's input capacity
     */
    public synchronized void restoreState(StateSection section) {
        StateDecoder in = new StateDecoder(section, STATE_SECTION, 1);
        int newIer = in.u8Bits("IER", IER_BITS);
        int newLcr = in.u8();
        int newMcr = in.u8Bits("MCR", MCR_BITS);
        int newScr = in.u8();
        int newDll = in.u8();
        int newDlm = in.u8();
        boolean newFifo = in.bool();
        int newTrigger = in.u8();
        if (Arrays.binarySearch(TRIGGER_LEVELS, newTrigger) < 0) {
            throw in.refused("FIFO trigger level " + newTrigger + " is not one of " + Arrays.toString(TRIGGER_LEVELS));
        }
        boolean newOverrun = in.bool();
        boolean newThrPending = in.bool();
        int newMsrDelta = in.u8Bits("modem status change bits", MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD);
        boolean newLevel = in.bool();
        byte[] pending = in.bytes();
        in.end();
        if (pending.length > rx.length) {
            throw new IllegalArgumentException(
                    "the saved UART holds " + pending.length + " received bytes; this one takes " + rx.length);
        }
        ier = newIer;
        lcr = newLcr;
        mcr = newMcr;
        scr = newScr;
        dll = newDll;
        dlm = newDlm;
        fifoEnabled = newFifo;
        triggerLevel = newTrigger;
        overrun = newOverrun;
        thrPending = newThrPending;
        msrDelta = newMsrDelta;
        level = newLevel;
        System.arraycopy(pending, 0, rx, 0, pending.length);
        rxHead = 0;
        rxCount = pending.length;
    }
}
