package org.vmm4j.linux;

import static org.vmm4j.linux.abi.KvmHeader.*;
import static org.vmm4j.linux.abi.KvmStructs.Run;

import java.util.Optional;
import org.vmm4j.ExitKind;
import org.vmm4j.SuspendReason;
import org.vmm4j.SystemEvent;
import org.vmm4j.VmExit;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.x86.EmulationFailure;

/** {@link VmExit} as a view over a vCPU's mapped {@code kvm_run}: decoding reads one field, allocates nothing. */
final class KvmExit implements VmExit {
    private final NativeMemory run;
    private ExitKind kind = ExitKind.UNKNOWN;
    private int rawReason;
    /** Set by the vCPU for an emulation failure it could not complete; cleared by every decode. */
    private EmulationFailure emulationFailure;

    KvmExit(NativeMemory run) {
        this.run = run;
    }

    /** Decodes the exit KVM_RUN just wrote. */
    void decode() {
        int reason = run.getInt(Run.EXIT_REASON);
        rawReason = reason;
        emulationFailure = null;
        kind = switch (reason) {
            case KVM_EXIT_IO -> run.getByte(Run.IO_DIRECTION) == KVM_EXIT_IO_OUT ? ExitKind.IO_OUT : ExitKind.IO_IN;
            case KVM_EXIT_MMIO -> run.getByte(Run.MMIO_IS_WRITE) != 0 ? ExitKind.MMIO_WRITE : ExitKind.MMIO_READ;
            case KVM_EXIT_HLT -> ExitKind.HLT;
            case KVM_EXIT_SHUTDOWN -> ExitKind.SHUTDOWN;
            case KVM_EXIT_FAIL_ENTRY -> ExitKind.FAIL_ENTRY;
            case KVM_EXIT_INTERNAL_ERROR -> ExitKind.INTERNAL_ERROR;
            case KVM_EXIT_SYSTEM_EVENT -> ExitKind.SYSTEM_EVENT;
            case KVM_EXIT_DEBUG -> ExitKind.DEBUG;
            case KVM_EXIT_INTR -> ExitKind.INTERRUPTED;
            case KVM_EXIT_IOAPIC_EOI -> ExitKind.IOAPIC_EOI;
            default -> ExitKind.UNKNOWN;
        };
    }

    /** Marks an interrupted run (KVM_RUN returned -EINTR, or -EAGAIN for an AP that just left its wait for SIPI). */
    void interrupted(boolean stopRequested) {
        rawReason = KVM_EXIT_INTR;
        emulationFailure = null;
        kind = stopRequested ? ExitKind.STOP_REQUESTED : ExitKind.INTERRUPTED;
    }

    @Override
    public ExitKind kind() {
        return kind;
    }

    @Override
    public int rawReason() {
        return rawReason;
    }

    private void require(ExitKind a, ExitKind b) {
        if (kind != a && kind != b) {
            throw new IllegalStateException("not a " + a + "/" + b + " exit: " + kind);
        }
    }

    @Override
    public int ioPort() {
        require(ExitKind.IO_IN, ExitKind.IO_OUT);
        return run.getUnsignedShort(Run.IO_PORT);
    }

    @Override
    public int ioSize() {
        require(ExitKind.IO_IN, ExitKind.IO_OUT);
        return run.getUnsignedByte(Run.IO_SIZE);
    }

    @Override
    public int ioCount() {
        require(ExitKind.IO_IN, ExitKind.IO_OUT);
        return run.getInt(Run.IO_COUNT);
    }

    private long ioOffset(int index) {
        int count = run.getInt(Run.IO_COUNT);
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("I/O element " + index + " of " + count);
        }
        return run.getLong(Run.IO_DATA_OFFSET) + (long) index * run.getUnsignedByte(Run.IO_SIZE);
    }

    @Override
    public long ioData(int index) {
        require(ExitKind.IO_IN, ExitKind.IO_OUT);
        long offset = ioOffset(index);
        return switch (run.getUnsignedByte(Run.IO_SIZE)) {
            case 1 -> run.getUnsignedByte(offset);
            case 2 -> run.getUnsignedShort(offset);
            default -> run.getUnsignedInt(offset);
        };
    }

    @Override
    public void setIoData(int index, long value) {
        require(ExitKind.IO_IN, ExitKind.IO_IN);
        long offset = ioOffset(index);
        switch (run.getUnsignedByte(Run.IO_SIZE)) {
            case 1 -> run.putByte(offset, (byte) value);
            case 2 -> run.putShort(offset, (short) value);
            default -> run.putInt(offset, (int) value);
        }
    }

    @Override
    public long mmioAddress() {
        require(ExitKind.MMIO_READ, ExitKind.MMIO_WRITE);
        return run.getLong(Run.MMIO_PHYS_ADDR);
    }

    @Override
    public int mmioSize() {
        require(ExitKind.MMIO_READ, ExitKind.MMIO_WRITE);
        return run.getInt(Run.MMIO_LEN);
    }

    @Override
    public long mmioData() {
        require(ExitKind.MMIO_READ, ExitKind.MMIO_WRITE);
        int len = run.getInt(Run.MMIO_LEN);
        long data = run.getLong(Run.MMIO_DATA);
        return len >= 8 ? data : data & ((1L << (len * 8)) - 1);
    }

    @Override
    public void setMmioData(long value) {
        require(ExitKind.MMIO_READ, ExitKind.MMIO_READ);
        run.putLong(Run.MMIO_DATA, value);
    }

    @Override
    public long failureReason() {
        require(ExitKind.FAIL_ENTRY, ExitKind.FAIL_ENTRY);
        return run.getLong(Run.FAIL_ENTRY_HARDWARE_REASON);
    }

    @Override
    public int internalErrorSuberror() {
        require(ExitKind.INTERNAL_ERROR, ExitKind.INTERNAL_ERROR);
        return run.getInt(Run.INTERNAL_SUBERROR);
    }

    /** Whether this is an internal error of suberror KVM_INTERNAL_ERROR_EMULATION. */
    boolean isEmulationFailure() {
        return kind == ExitKind.INTERNAL_ERROR && run.getInt(Run.INTERNAL_SUBERROR) == KVM_INTERNAL_ERROR_EMULATION;
    }

    /**
     * Copies the instruction bytes KVM reported with an emulation failure into {@code dst}.
     *
     * @return how many; -1 when KVM gave none (a kernel before 5.14, or no bytes fetched)
     */
    int instructionBytes(byte[] dst) {
        int ndata = run.getInt(Run.INTERNAL_NDATA);
        // flags plus the two words insn_size and insn_bytes[15] fill
        if (!isEmulationFailure()
                || ndata < 3
                || (run.getLong(Run.EMULATION_FAILURE_FLAGS) & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)
                        == 0) {
            return -1;
        }
        int size = Math.min(Math.min(run.getUnsignedByte(Run.EMULATION_FAILURE_INSN_SIZE), 15), dst.length);
        for (int i = 0; i < size; i++) {
            dst[i] = run.getByte(Run.EMULATION_FAILURE_INSN_BYTES + i);
        }
        return size;
    }

    void emulationFailure(EmulationFailure failure) {
        emulationFailure = failure;
    }

    @Override
    public Optional<EmulationFailure> emulationFailure() {
        return Optional.ofNullable(emulationFailure);
    }

    @Override
    public int eoiVector() {
        require(ExitKind.IOAPIC_EOI, ExitKind.IOAPIC_EOI);
        return run.getByte(Run.EOI_VECTOR) & 0xff;
    }

    @Override
    public SystemEvent systemEvent() {
        return switch (systemEventType()) {
            case KVM_SYSTEM_EVENT_SHUTDOWN -> SystemEvent.SHUTDOWN;
            case KVM_SYSTEM_EVENT_RESET -> SystemEvent.RESET;
            case KVM_SYSTEM_EVENT_CRASH -> SystemEvent.CRASH;
            default -> SystemEvent.OTHER;
        };
    }

    /** KVM's own event type of a {@link ExitKind#SYSTEM_EVENT} exit (KVM_SYSTEM_EVENT_*). */
    public int systemEventType() {
        require(ExitKind.SYSTEM_EVENT, ExitKind.SYSTEM_EVENT);
        return run.getInt(Run.SYSTEM_EVENT_TYPE);
    }

    @Override
    public long debugPc() {
        require(ExitKind.DEBUG, ExitKind.DEBUG);
        return run.getLong(Run.DEBUG_PC);
    }

    @Override
    public int debugException() {
        require(ExitKind.DEBUG, ExitKind.DEBUG);
        return run.getInt(Run.DEBUG_EXCEPTION);
    }

    @Override
    public SuspendReason suspendReason() {
        throw new IllegalStateException("KVM has no suspended exits");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case IO_IN, IO_OUT ->
                kind + "[port 0x" + Integer.toHexString(ioPort()) + ", size " + ioSize() + ", count " + ioCount() + "]";
            case MMIO_READ, MMIO_WRITE ->
                kind + "[0x" + Long.toHexString(mmioAddress()) + ", " + mmioSize() + " bytes]";
            case SYSTEM_EVENT -> kind + "[KVM_SYSTEM_EVENT type " + systemEventType() + "]";
            case INTERNAL_ERROR ->
                emulationFailure != null
                        ? kind + "[" + emulationFailure + "]"
                        : kind + "[" + exitReasonName(rawReason) + ", suberror " + internalErrorSuberror() + "]";
            default -> kind + "[" + exitReasonName(rawReason) + "]";
        };
    }
}
