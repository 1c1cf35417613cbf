package org.vmm4j.machine;

import org.vmm4j.ExitKind;
import org.vmm4j.SuspendReason;
import org.vmm4j.SystemEvent;
import org.vmm4j.VmExit;

/**
 * A reusable exit whose fields a test or benchmark sets, like a backend's view over its exit area:
 * dispatch to devices without a hypervisor. Shared through vmm4j-core's test-jar (the benchmarks use it).
 */
public final class ScriptedExit implements VmExit {
    private ExitKind kind;
    private int port;
    private int size;
    private int count;
    private final long[] data = new long[64];
    private long address;
    private long mmioData;

    /** An exit of no kind yet: set one with {@link #io} or {@link #mmio}. */
    public ScriptedExit() {}

    /** A port I/O exit: {@code count} accesses of {@code s} bytes at port {@code p}; data set with {@link #setIoData}. */
    public ScriptedExit io(ExitKind k, int p, int s, int c) {
        kind = k;
        port = p;
        size = s;
        count = c;
        return this;
    }

    /** An MMIO exit of {@code s} bytes at {@code a}, carrying {@code value} (a write's data). */
    public ScriptedExit mmio(ExitKind k, long a, int s, long value) {
        kind = k;
        address = a;
        size = s;
        mmioData = value;
        return this;
    }

    @Override
    public ExitKind kind() {
        return kind;
    }

    @Override
    public int rawReason() {
        return 0;
    }

    @Override
    public int ioPort() {
        return port;
    }

    @Override
    public int ioSize() {
        return size;
    }

    @Override
    public int ioCount() {
        return count;
    }

    @Override
    public long ioData(int index) {
        return data[index];
    }

    @Override
    public void setIoData(int index, long value) {
        data[index] = value;
    }

    @Override
    public long mmioAddress() {
        return address;
    }

    @Override
    public int mmioSize() {
        return size;
    }

    @Override
    public long mmioData() {
        return mmioData;
    }

    @Override
    public void setMmioData(long value) {
        mmioData = value;
    }

    @Override
    public long failureReason() {
        throw new IllegalStateException();
    }

    @Override
    public int internalErrorSuberror() {
        throw new IllegalStateException();
    }

    @Override
    public SystemEvent systemEvent() {
        throw new IllegalStateException();
    }

    @Override
    public long debugPc() {
        throw new IllegalStateException();
    }

    @Override
    public int debugException() {
        throw new IllegalStateException();
    }

    @Override
    public SuspendReason suspendReason() {
        throw new IllegalStateException();
    }
}
