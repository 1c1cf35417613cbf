package org.vmm4j.machine;

/**
 * A port through which test guests end the machine with a status, like QEMU's isa-debug-exit: a
 * write of {@code value} reports exit status {@code (value << 1) | 1}, so a guest can never report
 * a plain 0 by accident. Useful for bare-metal test payloads that have no reboot path.
 */
public final class DebugExit implements PortIoDevice {

    /** QEMU's default iobase for isa-debug-exit. */
    public static final int DEFAULT_PORT = 0x501;

    /** Told, on the writing vCPU's thread, the status the guest asked to exit with; must not block. */
    @FunctionalInterface
    public interface Listener {
        void exitRequested(int status);
    }

    private final Listener listener;

    public DebugExit(Listener listener) {
        this.listener = listener;
    }

    @Override
    public int ioRead(int offset, int size) {
        return 0xffff_ffff;
    }

    @Override
    public void ioWrite(int offset, int size, int value) {
        listener.exitRequested((value << 1) | 1);
    }
}
