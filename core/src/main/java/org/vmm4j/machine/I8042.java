package org.vmm4j.machine;

import org.vmm4j.StateSection;
import org.vmm4j.x86.InterruptLine;

/**
 * Enough of the i8042 keyboard controller for Linux to probe it and for {@code reboot=k}: the data
 * port (0x60) and the status/command port (0x64), the controller configuration byte, self tests,
 * and the reset line — command 0xFE (pulse output line 0, the CPU reset) or clearing bit 0 of the
 * output port calls the reset callback. The keyboard behind it acknowledges commands, reports an
 * MF2 ID and passes its reset test, but never types anything; there is no mouse (the aux interface
 * test fails, so Linux does not probe one).
 *
 * <p>Register it at {@link #DATA_PORT} with a length of 5 so port 0x64 is offset 4.
 */
public final class I8042 implements PortIoDevice {

    public static final int DATA_PORT = 0x60;
    public static final int COMMAND_PORT = 0x64;
    public static final int PORT_SPAN = 5;
    public static final int KEYBOARD_IRQ = 1;

    public static final int STATUS_OUTPUT_FULL = 0x01;
    public static final int STATUS_SYSTEM_FLAG = 0x04;
    public static final int STATUS_COMMAND = 0x08;

    public static final int CMD_READ_CONFIG = 0x20;
    public static final int CMD_WRITE_CONFIG = 0x60;
    public static final int CMD_DISABLE_AUX = 0xa7;
    public static final int CMD_ENABLE_AUX = 0xa8;
    public static final int CMD_TEST_AUX = 0xa9;
    public static final int CMD_SELF_TEST = 0xaa;
    public static final int CMD_TEST_KEYBOARD = 0xab;
    public static final int CMD_DISABLE_KEYBOARD = 0xad;
    public static final int CMD_ENABLE_KEYBOARD = 0xae;
    public static final int CMD_READ_OUTPUT_PORT = 0xd0;
    public static final int CMD_WRITE_OUTPUT_PORT = 0xd1;
    public static final int CMD_WRITE_AUX = 0xd4;
    public static final int CMD_PULSE_RESET = 0xfe;

    public static final int SELF_TEST_PASSED = 0x55;
    public static final int KEYBOARD_ACK = 0xfa;
    public static final int KEYBOARD_CMD_GET_ID = 0xf2;
    public static final int KEYBOARD_CMD_RESET = 0xff;
    /** What a keyboard answers after a successful reset (basic assurance test passed). */
    public static final int KEYBOARD_SELF_TEST_PASSED = 0xaa;
    /** The ID of an MF2 keyboard in translated mode. */
    public static final int KEYBOARD_ID_1 = 0xab;

    public static final int KEYBOARD_ID_2 = 0x83;
    public static final int CONFIG_KEYBOARD_INTERRUPT = 0x01;
    /** The output port's bit 0 is the CPU reset line (active low); bit 1 is the A20 gate. */
    public static final int OUTPUT_PORT_DEFAULT = 0x03;

    private final Runnable resetListener;
    private final InterruptLine irq;
    private int config = 0x45; // keyboard interrupt, system flag, translation: as a BIOS leaves it
    private int outputPort = OUTPUT_PORT_DEFAULT;
    private int status = STATUS_SYSTEM_FLAG;
    private int outputBuffer;
    // bytes waiting behind the output buffer (a keyboard's multi-byte answers)
    private final int[] queue = new int[4];
    private int queued;
    private int pendingCommand;
    private boolean level;

    /**
     * @param resetListener called on the vCPU thread, with the controller locked, when the guest
     *                      pulses the CPU reset line: it should request a stop, not wait for one
     * @param irq           the keyboard interrupt (IRQ 1)
     */
    public I8042(Runnable resetListener, InterruptLine irq) {
        this.resetListener = resetListener;
        this.irq = irq;
    }

    @Override
    public synchronized int ioRead(int offset, int size) {
        if (offset == 0) {
            int value = outputBuffer;
            status &= ~STATUS_OUTPUT_FULL;
            updateInterrupt(); // the line falls, so the next byte is a new edge
            if (queued > 0) {
                outputBuffer = queue[0];
                System.arraycopy(queue, 1, queue, 0, --queued);
                status |= STATUS_OUTPUT_FULL;
                updateInterrupt();
            }
            return value;
        }
        if (offset == 4) {
            return status;
        }
        return 0xff;
    }

    @Override
    public synchronized void ioWrite(int offset, int size, int value) {
        int v = value & 0xff;
        if (offset == 4) {
            status |= STATUS_COMMAND;
            command(v);
        } else if (offset == 0) {
            status &= ~STATUS_COMMAND;
            data(v);
        }
        updateInterrupt();
    }

    private void command(int c) {
        pendingCommand = 0;
        switch (c) {
            case CMD_READ_CONFIG -> output(config);
            case CMD_WRITE_CONFIG, CMD_WRITE_OUTPUT_PORT, CMD_WRITE_AUX -> pendingCommand = c;
            case CMD_SELF_TEST -> output(SELF_TEST_PASSED);
            case CMD_TEST_KEYBOARD -> output(0x00);
            case CMD_TEST_AUX -> output(0x01); // "clock line stuck low": Linux then skips the aux port
            case CMD_READ_OUTPUT_PORT -> output(outputPort);
            case CMD_DISABLE_KEYBOARD -> config |= 0x10;
            case CMD_ENABLE_KEYBOARD -> config &= ~0x10;
            case CMD_DISABLE_AUX -> config |= 0x20;
            case CMD_ENABLE_AUX -> config &= ~0x20;
            default -> {
                // 0xF0-0xFF pulse output port lines low for 6 us; a low bit 0 resets the CPU.
                if ((c & 0xf0) == 0xf0 && (c & 0x01) == 0) {
                    resetListener.run();
                }
            }
        }
    }

    private void data(int v) {
        int c = pendingCommand;
        pendingCommand = 0;
        switch (c) {
            case CMD_WRITE_CONFIG -> config = v;
            case CMD_WRITE_OUTPUT_PORT -> {
                outputPort = v;
                if ((v & 0x01) == 0) {
                    resetListener.run();
                }
            }
            case CMD_WRITE_AUX -> {} // no mouse: swallowed
            default -> keyboardCommand(v);
        }
    }

    /** A byte for the keyboard: acknowledged, with the answers of a present MF2 keyboard. */
    private void keyboardCommand(int v) {
        queued = 0;
        output(KEYBOARD_ACK);
        if (v == KEYBOARD_CMD_GET_ID) {
            queue[queued++] = KEYBOARD_ID_1;
            queue[queued++] = KEYBOARD_ID_2;
        } else if (v == KEYBOARD_CMD_RESET) {
            queue[queued++] = KEYBOARD_SELF_TEST_PASSED;
        }
    }

    private void output(int value) {
        queued = 0;
        outputBuffer = value & 0xff;
        status |= STATUS_OUTPUT_FULL;
    }

    private void updateInterrupt() {
        boolean pending = (status & STATUS_OUTPUT_FULL) != 0 && (config & CONFIG_KEYBOARD_INTERRUPT) != 0;
        if (pending != level) {
            level = pending;
            irq.setLevel(pending);
        }
    }

    /** The section {@link #saveState} writes. */
    public static final String STATE_SECTION = "i8042";

    /** The controller's registers, the bytes waiting to be read and a half-done command. */
    public synchronized StateSection saveState() {
        StateEncoder out = new StateEncoder(STATE_SECTION, 1)
                .u8(config)
                .u8(outputPort)
                .u8(status)
                .u8(outputBuffer)
                .u8(pendingCommand)
                .bool(level)
                .u8(queued);
        for (int i = 0; i < queued; i++) {
            out.u8(queue[i]);
        }
        return out.toSection();
    }

    /**
     * Puts back what {@link #saveState} saved; the interrupt line is left to the interrupt controller's
     * saved state.
     *
     * @throws IllegalArgumentException if the section is not an i8042's or is damaged
     */
    public synchronized void restoreState(StateSection section) {
        StateDecoder in = new StateDecoder(section, STATE_SECTION, 1);
        int newConfig = in.u8();
        int newOutputPort = in.u8();
        int newStatus = in.u8Bits("status", STATUS_OUTPUT_FULL | STATUS_SYSTEM_FLAG | STATUS_COMMAND);
        int newOutputBuffer = in.u8();
        int newPending = in.u8();
        if (newPending != 0
                && newPending != CMD_WRITE_CONFIG
                && newPending != CMD_WRITE_OUTPUT_PORT
                && newPending != CMD_WRITE_AUX) {
            throw in.refused(String.format("pending command 0x%x is not one that waits for a data byte", newPending));
        }
        boolean newLevel = in.bool();
        int count = in.u8();
        if (count > queue.length) {
            throw new IllegalArgumentException(
                    "the saved i8042 has " + count + " queued bytes; it holds at most " + queue.length);
        }
        if (count > 0 && (newStatus & STATUS_OUTPUT_FULL) == 0) {
            throw in.refused(count + " bytes are queued behind an empty output buffer");
        }
        int[] newQueue = new int[count];
        for (int i = 0; i < count; i++) {
            newQueue[i] = in.u8();
        }
        in.end();
        config = newConfig;
        outputPort = newOutputPort;
        status = newStatus;
        outputBuffer = newOutputBuffer;
        pendingCommand = newPending;
        level = newLevel;
        queued = count;
        System.arraycopy(newQueue, 0, queue, 0, count);
    }
}
