package org.vmm4j.openbsd;

import static org.vmm4j.openbsd.abi.VmmVar.*;

import org.vmm4j.ExitKind;
import org.vmm4j.SuspendReason;
import org.vmm4j.SystemEvent;
import org.vmm4j.VmExit;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.VmmAbi;

/**
 * A reusable view over one vCPU's {@code struct vm_exit} buffer (the memory {@code vrp_exit} points
 * at) plus the {@code vrp_exit_reason} of the last {@code VMM_IOC_RUN}. Decoding reads the buffer as
 * the kernel wrote it; nothing is allocated per exit.
 *
 * <p>Exit reasons are raw VMX basic exit reasons or SVM exit codes. Port I/O, HLT and
 * shutdown/triple fault map onto the unified kinds (an I/O exit whose {@code vei_size} is not 1, 2
 * or 4, which vmm(4) never writes, is {@link ExitKind#UNKNOWN}); the exits vmd ignores (external interrupt,
 * interrupt window, CPUID, MSR, {@code VM_EXIT_NONE}) are {@link ExitKind#BOGUS} — run again.
 * vmm(4) reports an EPT violation / nested page fault without the access (no guest-physical
 * address, only the fault type and, with SVM decode assist, the instruction bytes), so the vCPU
 * decodes the instruction and walks the guest page tables, as vmd does, and reports
 * {@link ExitKind#MMIO_READ}/{@link ExitKind#MMIO_WRITE}; an instruction it cannot decode leaves the
 * exit {@link ExitKind#UNKNOWN} with {@link #eptFaultType()} and {@link #instructionBytes} for the
 * caller.
 */
public final class OpenBsdExit implements VmExit {
    private final NativeMemory exit;
    private final long veiSize;
    private final long veiDir;
    private final long veiRep;
    private final long veiString;
    private final long veiPort;
    private final long veiData;
    private final long veiInsnLen;
    private final long veeFaultType;
    private final long veeInsnInfo;
    private final long veeInsnLen;
    private final long veeInsnBytes;
    private final boolean mmioAssist;

    private ExitKind kind = ExitKind.BOGUS;
    private int reason = VM_EXIT_NONE;
    private long mmioAddress;
    private int mmioSize;
    private long mmioData;

    OpenBsdExit(VmmAbi abi, NativeMemory exit) {
        this.exit = exit;
        veiSize = abi.vmExit.offset("vei.vei_size");
        veiDir = abi.vmExit.offset("vei.vei_dir");
        veiRep = abi.vmExit.offset("vei.vei_rep");
        veiString = abi.vmExit.offset("vei.vei_string");
        veiPort = abi.vmExit.offset("vei.vei_port");
        veiData = abi.vmExit.offset("vei.vei_data");
        veiInsnLen = abi.vmExit.offset("vei.vei_insn_len");
        veeFaultType = abi.vmExit.offset("vee.vee_fault_type");
        mmioAssist = abi.hasMmioAssist();
        veeInsnInfo = mmioAssist ? abi.vmExit.offset("vee.vee_insn_info") : -1;
        veeInsnLen = mmioAssist ? abi.vmExit.offset("vee.vee_insn_len") : -1;
        veeInsnBytes = mmioAssist ? abi.vmExit.offset("vee.vee_insn_bytes") : -1;
    }

    /** Decodes the exit the kernel just reported; called by the vCPU after {@code VMM_IOC_RUN}. */
    ExitKind decode(int exitReason) {
        reason = exitReason;
        kind = classify(exitReason);
        return kind;
    }

    /** Turns a decoded EPT violation / NPF into an MMIO exit (the vCPU decoded the instruction). */
    void mmio(boolean write, long address, int size, long data) {
        kind = write ? ExitKind.MMIO_WRITE : ExitKind.MMIO_READ;
        mmioAddress = address;
        mmioSize = size;
        mmioData = data;
    }

    /** The value an MMIO read returns (what {@link #setMmioData} stored). */
    long mmioReadResult() {
        return mmioData;
    }

    /** Reports a stop request or an interrupted run that produced no exit. */
    void synthetic(ExitKind syntheticKind) {
        reason = VM_EXIT_NONE;
        kind = syntheticKind;
    }

    private ExitKind classify(int r) {
        switch (r) {
            case VMX_EXIT_IO:
            case SVM_VMEXIT_IOIO:
                int size = exit.getUnsignedByte(veiSize);
                if (size != 1 && size != 2 && size != 4) {
                    return ExitKind.UNKNOWN; // vmm(4) writes 1, 2 or 4; anything else cannot be completed
                }
                return exit.getUnsignedByte(veiDir) == VEI_DIR_IN ? ExitKind.IO_IN : ExitKind.IO_OUT;
            case VMX_EXIT_HLT:
            case SVM_VMEXIT_HLT:
                return ExitKind.HLT;
            case VMX_EXIT_TRIPLE_FAULT:
            case SVM_VMEXIT_SHUTDOWN:
                return ExitKind.SHUTDOWN;
            case VMX_EXIT_ENTRY_FAILED_GUEST_STATE:
            case VMX_EXIT_ENTRY_FAILED_MSR_LOAD:
            case VMX_EXIT_ENTRY_FAILED_MCE:
                return ExitKind.FAIL_ENTRY;
            case VM_EXIT_TERMINATED:
                return ExitKind.SYSTEM_EVENT;
            case VM_EXIT_NONE:
            case VMX_EXIT_EXTINT:
            case VMX_EXIT_INT_WINDOW:
            case VMX_EXIT_CPUID:
            case SVM_VMEXIT_INTR:
            case SVM_VMEXIT_VINTR:
            case SVM_VMEXIT_CPUID:
            case SVM_VMEXIT_MSR:
                return ExitKind.BOGUS;
            default:
                return ExitKind.UNKNOWN;
        }
    }

    @Override
    public ExitKind kind() {
        return kind;
    }

    /** {@code vrp_exit_reason}: a VMX exit reason, an SVM exit code, or {@code VM_EXIT_TERMINATED}/{@code NONE}. */
    @Override
    public int rawReason() {
        return reason;
    }

    private void requireIo() {
        if (kind != ExitKind.IO_IN && kind != ExitKind.IO_OUT) {
            throw new IllegalStateException("not an I/O exit: " + kind);
        }
    }

    @Override
    public int ioPort() {
        requireIo();
        return exit.getUnsignedShort(veiPort);
    }

    @Override
    public int ioSize() {
        requireIo();
        return exit.getUnsignedByte(veiSize);
    }

    /** Always 1: vmm(4) reports one access per exit (string I/O is flagged by {@link #ioString()}). */
    @Override
    public int ioCount() {
        requireIo();
        return 1;
    }

    /** {@code vei_string}: the guest used INS/OUTS. */
    public boolean ioString() {
        requireIo();
        return exit.getByte(veiString) != 0;
    }

    /** {@code vei_rep}: the access had a REP prefix. */
    public boolean ioRep() {
        requireIo();
        return exit.getByte(veiRep) != 0;
    }

    /** {@code vei_insn_len}: length of the IN/OUT instruction, by which RIP advances before the next run. */
    public int ioInstructionLength() {
        requireIo();
        return exit.getUnsignedByte(veiInsnLen);
    }

    @Override
    public long ioData(int index) {
        requireIo();
        if (index != 0) {
            throw new IndexOutOfBoundsException("vmm(4) I/O exits carry one value, index " + index);
        }
        return exit.getUnsignedInt(veiData) & sizeMask(ioSize());
    }

    /**
     * Sets what the IN returns: merged into {@code vei_data} over the access size, as vmd's
     * {@code set_return_data} does; the kernel loads it into RAX on the next run.
     */
    @Override
    public void setIoData(int index, long value) {
        if (kind != ExitKind.IO_IN) {
            throw new IllegalStateException("not an IN exit: " + kind);
        }
        if (index != 0) {
            throw new IndexOutOfBoundsException("vmm(4) I/O exits carry one value, index " + index);
        }
        long mask = sizeMask(ioSize());
        long old = exit.getUnsignedInt(veiData);
        exit.putInt(veiData, (int) ((old & ~mask) | (value & mask)));
    }

    private static long sizeMask(int size) {
        return switch (size) {
            case 1 -> 0xffL;
            case 2 -> 0xffffL;
            default -> 0xffff_ffffL;
        };
    }

    /** {@code vee_fault_type} of an EPT violation / NPF exit ({@code VEE_FAULT_*}). */
    public int eptFaultType() {
        requireEpt();
        return exit.getUnsignedByte(veeFaultType);
    }

    /**
     * Copies the faulting instruction's bytes ({@code vee_insn_bytes}, SVM decode assist) into
     * {@code dst}.
     *
     * @return the number of valid bytes, or 0 when the kernel supplied none (VMX, or 7.4)
     */
    public int instructionBytes(byte[] dst) {
        requireEpt();
        if (!mmioAssist || (exit.getUnsignedByte(veeInsnInfo) & VEE_BYTES_VALID) == 0) {
            return 0;
        }
        int n = Math.min(dst.length, 15);
        int len = (exit.getUnsignedByte(veeInsnInfo) & VEE_LEN_VALID) != 0 ? exit.getUnsignedByte(veeInsnLen) : 15;
        n = Math.min(n, len);
        exit.get(veeInsnBytes, dst, 0, n);
        return n;
    }

    private void requireEpt() {
        if (reason != VMX_EXIT_EPT_VIOLATION && reason != SVM_VMEXIT_NPF) {
            throw new IllegalStateException("not an EPT violation / NPF exit: reason " + reason);
        }
    }

    private void requireMmio() {
        if (kind != ExitKind.MMIO_READ && kind != ExitKind.MMIO_WRITE) {
            throw new IllegalStateException("not an MMIO exit: " + kind + " (reason " + reason + ")");
        }
    }

    /** The guest-physical address, found by decoding the instruction and walking the guest page tables. */
    @Override
    public long mmioAddress() {
        requireMmio();
        return mmioAddress;
    }

    @Override
    public int mmioSize() {
        requireMmio();
        return mmioSize;
    }

    @Override
    public long mmioData() {
        if (kind != ExitKind.MMIO_WRITE) {
            throw new IllegalStateException("not an MMIO write: " + kind);
        }
        return mmioData;
    }

    /** The value the read returns; the vCPU writes it into the destination register before the next run. */
    @Override
    public void setMmioData(long value) {
        if (kind != ExitKind.MMIO_READ) {
            throw new IllegalStateException("not an MMIO read: " + kind);
        }
        mmioData = value;
    }

    /** The raw exit reason of a {@link ExitKind#FAIL_ENTRY} exit. */
    @Override
    public long failureReason() {
        if (kind != ExitKind.FAIL_ENTRY) {
            throw new IllegalStateException("not a failed entry: " + kind);
        }
        return reason;
    }

    @Override
    public int internalErrorSuberror() {
        throw new IllegalStateException("vmm(4) reports no internal errors");
    }

    /** {@link SystemEvent#SHUTDOWN} for a vCPU whose VM was terminated ({@code VM_EXIT_TERMINATED}). */
    @Override
    public SystemEvent systemEvent() {
        if (kind != ExitKind.SYSTEM_EVENT) {
            throw new IllegalStateException("not a system event: " + kind);
        }
        return SystemEvent.SHUTDOWN;
    }

    @Override
    public long debugPc() {
        throw new IllegalStateException("vmm(4) has no debug exits");
    }

    @Override
    public int debugException() {
        throw new IllegalStateException("vmm(4) has no debug exits");
    }

    @Override
    public SuspendReason suspendReason() {
        throw new IllegalStateException("vmm(4) has no suspend exits");
    }

    @Override
    public String toString() {
        return "OpenBsdExit[" + kind + ", reason " + reason + "]";
    }
}
