package org.vmm4j.machine;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.vmm4j.StateSection;

/**
 * Measures how long the guest took to boot, like Firecracker's boot-timer device: the guest's init
 * writes {@link #MAGIC} to the device (port {@link #DEFAULT_PORT}, e.g. through {@code /dev/port},
 * or its MMIO address, e.g. with {@code devmem}), and the time since the machine started is
 * recorded. The first write counts; later ones are ignored.
 */
public final class BootTimer implements PortIoDevice, MmioDevice {

    /** An otherwise unused ISA port. */
    public static final int DEFAULT_PORT = 0x440;
    /** The value init writes, as with Firecracker. */
    public static final int MAGIC = 123;

    /** Told once, on the writing vCPU's thread, when the guest reports it has booted; must not block. */
    @FunctionalInterface
    public interface Listener {
        void booted(long nanosSinceStart);
    }

    private final LongSupplier nanoTime;
    private final Listener listener;
    private volatile long startNanos;
    private volatile long bootNanos = -1;

    /** A timer started now, with the system's monotonic clock. */
    public BootTimer(Listener listener) {
        this(System::nanoTime, listener);
    }

    /** A timer reading {@code nanoTime} (monotonic nanoseconds), started now. */
    public BootTimer(LongSupplier nanoTime, Listener listener) {
        this.nanoTime = nanoTime;
        this.listener = listener;
        this.startNanos = nanoTime.getAsLong();
    }

    /** Restarts the measurement: call it when the machine starts running. */
    public void start() {
        startNanos = nanoTime.getAsLong();
        bootNanos = -1;
    }

    /** The boot time, once the guest has written {@link #MAGIC}. */
    public Optional<Duration> bootTime() {
        long n = bootNanos;
        return n < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(n));
    }

    @Override
    public int ioRead(int offset, int size) {
        return 0;
    }

    @Override
    public void ioWrite(int offset, int size, int value) {
        record(value);
    }

    @Override
    public long mmioRead(long offset, int size) {
        return 0;
    }

    @Override
    public void mmioWrite(long offset, int size, long value) {
        record((int) value);
    }

    private void record(int value) {
        if ((value & 0xff) != MAGIC) {
            return;
        }
        long elapsed;
        synchronized (this) {
            if (bootNanos >= 0) {
                return;
            }
            elapsed = nanoTime.getAsLong() - startNanos;
            bootNanos = elapsed;
        }
        if (listener != null) {
            listener.booted(elapsed);
        }
    }

    /** The section {@link #saveState} writes. */
    public static final String STATE_SECTION = "boot-timer";

    /**
     * Whether the guest reported its boot, and the time it took. A restored timer that had not seen the
     * report yet counts from its own {@link #start()}; the listener is told as usual when it comes.
     */
    public synchronized StateSection saveState() {
        return new StateEncoder(STATE_SECTION, 1).i64(bootNanos).toSection();
    }

    /**
     * Puts back what {@link #saveState} saved.
     *
     * @throws IllegalArgumentException if the section is not a boot timer's or is damaged
     */
    public synchronized void restoreState(StateSection section) {
        StateDecoder in = new StateDecoder(section, STATE_SECTION, 1);
        long saved = in.i64("boot time (-1: not reported)", -1, Long.MAX_VALUE);
        in.end();
        bootNanos = saved;
    }

    /** Restarts the clock as {@link #start()} does, keeping a boot time already reported. */
    void resumeAfterRestore() {
        startNanos = nanoTime.getAsLong();
    }
}
