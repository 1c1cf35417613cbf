package org.vmm4j.benchmarks;

import org.vmm4j.ExitKind;
import org.vmm4j.SuspendReason;
import org.vmm4j.SystemEvent;
import org.vmm4j.VmExit;

/** A {@link VmExit} whose fields the benchmark sets: dispatch measured without a hypervisor. */
final class ScriptedExit implements VmExit {
    ExitKind kind;
    int port;
    int size = 1;
    long address;
    long data;

    ScriptedExit io(ExitKind k, int p, long value) {
        kind = k;
        port = p;
        data = value;
        return this;
    }

    ScriptedExit mmio(ExitKind k, long a, long value) {
        kind = k;
        address = a;
        data = value;
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
        return 1;
    }

    @Override
    public long ioData(int index) {
        return data;
    }

    @Override
    public void setIoData(int index, long value) {
        data = value;
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
        return data;
    }

    @Override
    public void setMmioData(long value) {
        data = value;
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
