package org.vmm4j.freebsd;

import static org.vmm4j.freebsd.abi.Vmm.*;
import static org.vmm4j.freebsd.abi.VmmDev.*;

import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.SuspendReason;
import org.vmm4j.SystemEvent;
import org.vmm4j.VmExit;
import org.vmm4j.VmmException;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * The unified view of bhyve's {@code struct vm_exit}, decoded in place from the buffer VM_RUN fills
 * and reused for every run of one vCPU.
 *
 * <p>What vmm.ko leaves to userspace and how it appears here:
 * <ul>
 *   <li>{@code INOUT}: {@link ExitKind#IO_IN}/{@link ExitKind#IO_OUT}. The kernel has already set the
 *       next RIP past the instruction; an IN's value is merged into EAX (as bhyve(8) does) before the
 *       next run.</li>
 *   <li>{@code INOUT_STR} ({@code ins}/{@code outs}, with or without {@code rep}): one exit with
 *       {@link #ioCount()} accesses. Data is read from / written to guest memory at the segment base
 *       plus RSI/RDI (direction flag honoured), then RSI/RDI and RCX are advanced before the next run.
 *       With paging on, each element's linear address is translated with {@code VM_GLA2GPA_NOFAULT};
 *       an unmapped address, or an element outside guest RAM, is a {@link VmmException} from
 *       {@link #ioData(int)} or the completion before the next run (vmm4j does not inject the page
 *       fault). At most {@link #MAX_STRING_COUNT}
 *       accesses are reported at once; the instruction is then restarted for the rest. An access whose
 *       size is not 1, 2 or 4 bytes (which vmm.ko never reports) is {@link ExitKind#UNKNOWN}.</li>
 *   <li>{@code INST_EMUL}: an access to unbacked guest-physical memory. The kernel fetched and decoded
 *       the instruction and advanced RIP; vmm4j completes {@code mov} in its register, immediate and
 *       memory forms (opcodes 88, 89, 8A, 8B, C6, C7) as {@link ExitKind#MMIO_READ}/{@link
 *       ExitKind#MMIO_WRITE}. Any other instruction, or one the kernel could not decode, is
 *       {@link ExitKind#INTERNAL_ERROR} with {@link #internalErrorSuberror()} =
 *       {@link #SUBERROR_NOT_DECODED} (also for an operand size other than 1, 2, 4 or 8) or
 *       {@link #SUBERROR_UNSUPPORTED_INSTRUCTION}.</li>
 *   <li>{@code HLT} (with the halt-exit capability): {@link ExitKind#HLT}.</li>
 *   <li>{@code SUSPENDED}: {@link ExitKind#SUSPENDED}, {@link #suspendReason()} from {@code vm_suspend_how} ({@link #suspendHow()}).</li>
 *   <li>{@code MTRAP} (single step), {@code BPT}, {@code DEBUG}: {@link ExitKind#DEBUG}.</li>
 *   <li>{@code BOGUS}, {@code REQIDLE}: {@link ExitKind#BOGUS}: run again.</li>
 *   <li>{@code VMX}, {@code SVM}: {@link ExitKind#FAIL_ENTRY} with the hardware exit reason.</li>
 *   <li>{@code RDMSR}/{@code WRMSR}: {@link ExitKind#UNKNOWN}; {@link #msrIndex()}, {@link #msrWriteValue()}
 *       and {@link #setMsrReadValue(long)} let a bhyve-aware caller answer them.</li>
 *   <li>{@code SPINUP_AP}: {@link ExitKind#UNKNOWN} with {@link #spinupVcpu()} and {@link #spinupRip()}.</li>
 *   <li>everything else (IPIs, task switches, codes newer than 14.x): {@link ExitKind#UNKNOWN}.</li>
 * </ul>
 */
public final class BhyveExit implements VmExit {
    /** INST_EMUL the kernel could not decode. */
    public static final int SUBERROR_NOT_DECODED = 1;
    /** INST_EMUL of an instruction other than {@code mov}. */
    public static final int SUBERROR_UNSUPPORTED_INSTRUCTION = 2;
    /** Most accesses one string I/O exit reports. */
    public static final int MAX_STRING_COUNT = 4096;

    private static final long DF = 1L << 10;
    /** ModRM reg (with REX.R) to vm_reg_name, in x86 encoding order. */
    private static final int[] GPR = {
        VM_REG_GUEST_RAX,
        VM_REG_GUEST_RCX,
        VM_REG_GUEST_RDX,
        VM_REG_GUEST_RBX,
        VM_REG_GUEST_RSP,
        VM_REG_GUEST_RBP,
        VM_REG_GUEST_RSI,
        VM_REG_GUEST_RDI,
        VM_REG_GUEST_R8,
        VM_REG_GUEST_R9,
        VM_REG_GUEST_R10,
        VM_REG_GUEST_R11,
        VM_REG_GUEST_R12,
        VM_REG_GUEST_R13,
        VM_REG_GUEST_R14,
        VM_REG_GUEST_R15
    };

    private final NativeMemory buffer;
    private final VcpuAccess vcpu;
    private final long[] values = new long[MAX_STRING_COUNT];

    private ExitKind kind = ExitKind.UNKNOWN;
    private int raw;
    private int port;
    private int size;
    private int count;
    private boolean string;
    private boolean rep;
    private long mmioAddress;
    private int mmioOp;
    private int mmioReg;
    private boolean mmioHighByte;
    private long mmioImmediate;
    private boolean completionPending;
    private boolean msrReadPending;
    private int suberror;

    BhyveExit(NativeMemory buffer, VcpuAccess vcpu) {
        if (buffer.size() < VM_EXIT_SIZE) {
            throw new IllegalArgumentException("vm_exit buffer of " + buffer.size() + " bytes < " + VM_EXIT_SIZE);
        }
        this.buffer = buffer;
        this.vcpu = vcpu;
    }

    /** Interprets the record VM_RUN just wrote. Allocates nothing. */
    void decode() {
        completionPending = false;
        raw = buffer.getInt(VM_EXIT_EXITCODE);
        count = 1;
        string = false;
        rep = false;
        suberror = 0;
        switch (raw) {
            case VM_EXITCODE_INOUT, VM_EXITCODE_INOUT_STR -> decodeInout();
            case VM_EXITCODE_INST_EMUL -> decodeInstEmul();
            case VM_EXITCODE_HLT -> kind = ExitKind.HLT;
            case VM_EXITCODE_SUSPENDED -> kind = ExitKind.SUSPENDED;
            case VM_EXITCODE_MTRAP, VM_EXITCODE_BPT, VM_EXITCODE_DEBUG -> kind = ExitKind.DEBUG;
            case VM_EXITCODE_BOGUS, VM_EXITCODE_REQIDLE -> kind = ExitKind.BOGUS;
            case VM_EXITCODE_VMX, VM_EXITCODE_SVM -> kind = ExitKind.FAIL_ENTRY;
            case VM_EXITCODE_RDMSR -> {
                kind = ExitKind.UNKNOWN;
                values[0] = 0;
                msrReadPending = false;
            }
            default -> kind = ExitKind.UNKNOWN;
        }
    }

    /** Marks this view as a stop request or interruption that did not come from the kernel's record. */
    void reportWithoutRecord(ExitKind reported) {
        completionPending = false;
        msrReadPending = false;
        kind = reported;
    }

    private void decodeInout() {
        int bits = buffer.getUnsignedShort(VM_EXIT_INOUT_BITS);
        size = field(bits, VM_INOUT_BYTES_SHIFT, VM_INOUT_BYTES_WIDTH);
        boolean in = field(bits, VM_INOUT_IN_SHIFT, VM_INOUT_IN_WIDTH) != 0;
        string = field(bits, VM_INOUT_STRING_SHIFT, VM_INOUT_STRING_WIDTH) != 0;
        rep = field(bits, VM_INOUT_REP_SHIFT, VM_INOUT_REP_WIDTH) != 0;
        port = buffer.getUnsignedShort(VM_EXIT_INOUT_PORT);
        if (size != 1 && size != 2 && size != 4) {
            kind = ExitKind.UNKNOWN; // vmm.ko reports 1, 2 or 4 bytes; no access of another size can be completed
            string = false;
            rep = false;
            return;
        }
        kind = in ? ExitKind.IO_IN : ExitKind.IO_OUT;
        if (string) {
            long c = buffer.getLong(VM_EXIT_INOUT_STR_COUNT) & addressMask();
            // unsigned: a 64-bit RCX of 2^63 or more is a huge count, not a negative one
            count = Long.compareUnsigned(c, MAX_STRING_COUNT) > 0 ? MAX_STRING_COUNT : (int) c;
            completionPending = true;
        } else {
            values[0] = buffer.getUnsignedInt(VM_EXIT_INOUT_EAX) & sizeMask(size);
            completionPending = in;
        }
    }

    private void decodeInstEmul() {
        long vie = VM_EXIT_INST_EMUL_VIE;
        mmioAddress = buffer.getLong(VM_EXIT_INST_EMUL_GPA);
        if (buffer.getByte(vie + VIE_DECODED) == 0) {
            kind = ExitKind.INTERNAL_ERROR;
            suberror = SUBERROR_NOT_DECODED;
            return;
        }
        mmioOp = buffer.getUnsignedByte(vie + VIE_OP_BYTE);
        size = bitsAt(vie, VIE_OPSIZE_BYTE, VIE_OPSIZE_SHIFT, VIE_OPSIZE_WIDTH);
        int reg = bitsAt(vie, VIE_REG_BYTE, VIE_REG_SHIFT, VIE_REG_WIDTH);
        boolean rexPresent = bitsAt(vie, VIE_REX_PRESENT_BYTE, VIE_REX_PRESENT_SHIFT, VIE_REX_PRESENT_WIDTH) != 0;
        // Opcodes 88/8A move bytes; without a REX prefix, reg 4-7 name AH, CH, DH, BH.
        boolean byteOp = mmioOp == 0x88 || mmioOp == 0x8a;
        if (byteOp) {
            size = 1;
        }
        mmioHighByte = byteOp && !rexPresent && reg >= 4 && reg <= 7;
        mmioReg = GPR[mmioHighByte ? reg - 4 : reg & 0xf];
        switch (mmioOp) {
            case 0x88, 0x89 -> kind = ExitKind.MMIO_WRITE;
            case 0xc6, 0xc7 -> {
                kind = ExitKind.MMIO_WRITE;
                size = mmioOp == 0xc6 ? 1 : size;
                mmioImmediate = buffer.getLong(vie + VIE_IMMEDIATE);
            }
            case 0x8a, 0x8b -> {
                kind = ExitKind.MMIO_READ;
                values[0] = 0;
                completionPending = true;
            }
            default -> {
                kind = ExitKind.INTERNAL_ERROR;
                suberror = SUBERROR_UNSUPPORTED_INSTRUCTION;
            }
        }
        if ((kind == ExitKind.MMIO_READ || kind == ExitKind.MMIO_WRITE)
                && size != 1
                && size != 2
                && size != 4
                && size != 8) {
            kind = ExitKind.INTERNAL_ERROR; // an operand size vmm.ko's decoder never reports
            suberror = SUBERROR_NOT_DECODED;
            completionPending = false;
        }
    }

    /**
     * Finishes the access before the next VM_RUN: IN values into EAX or guest memory, string index and
     * count registers, MMIO reads into their register.
     */
    void complete() {
        if (msrReadPending) {
            msrReadPending = false;
            vcpu.setRegister(VM_REG_GUEST_RAX, values[0] & 0xffff_ffffL);
            vcpu.setRegister(VM_REG_GUEST_RDX, values[0] >>> 32);
        }
        if (!completionPending) {
            return;
        }
        completionPending = false;
        if (kind == ExitKind.MMIO_READ) {
            long value = values[0] & sizeMask(size);
            long old = size >= 4 ? 0 : vcpu.getRegister(mmioReg);
            long merged;
            if (mmioHighByte) {
                merged = (old & ~0xff00L) | (value << 8);
            } else if (size >= 4) {
                merged = value; // 32-bit destinations are zero-extended, 64-bit replaced
            } else {
                merged = (old & ~sizeMask(size)) | value;
            }
            vcpu.setRegister(mmioReg, merged);
        } else if (!string) {
            long eax = buffer.getUnsignedInt(VM_EXIT_INOUT_EAX);
            long mask = sizeMask(size);
            vcpu.setRegister(VM_REG_GUEST_RAX, (eax & ~mask) | (values[0] & mask));
        } else {
            completeString();
        }
    }

    private void completeString() {
        boolean in = kind == ExitKind.IO_IN;
        if (in) {
            for (int i = 0; i < count; i++) {
                writeGuest(stringAddress(i), values[i], size);
            }
        }
        long mask = addressMask();
        long index = buffer.getLong(VM_EXIT_INOUT_STR_INDEX);
        long step = (long) count * size;
        boolean down = (buffer.getLong(VM_EXIT_INOUT_STR_RFLAGS) & DF) != 0;
        long next = (down ? index - step : index + step) & mask;
        int indexReg = in ? VM_REG_GUEST_RDI : VM_REG_GUEST_RSI;
        vcpu.setRegister(indexReg, (vcpu.getRegister(indexReg) & ~mask) | next);
        if (rep) {
            long total = buffer.getLong(VM_EXIT_INOUT_STR_COUNT) & mask;
            long left = total - count;
            vcpu.setRegister(VM_REG_GUEST_RCX, (vcpu.getRegister(VM_REG_GUEST_RCX) & ~mask) | left);
            if (left > 0) {
                vcpu.setRegister(VM_REG_GUEST_RIP, buffer.getLong(VM_EXIT_RIP)); // restart for the rest
            }
        }
    }

    private long addressMask() {
        int addrsize = buffer.getInt(VM_EXIT_INOUT_STR_ADDRSIZE);
        return addrsize == 8 ? -1L : addrsize == 4 ? 0xffff_ffffL : 0xffffL;
    }

    /**
     * Guest-physical address of the {@code i}-th element: segment base (0 for DS/ES/SS/CS in 64-bit
     * mode) plus the index register stepped by the direction flag, translated through the guest's
     * page tables when paging is on.
     */
    private long stringAddress(int i) {
        long index = buffer.getLong(VM_EXIT_INOUT_STR_INDEX);
        long step = (long) i * size;
        boolean down = (buffer.getLong(VM_EXIT_INOUT_STR_RFLAGS) & DF) != 0;
        long offset = (down ? index - step : index + step) & addressMask();
        int cpuMode = buffer.getInt(VM_EXIT_INOUT_STR_PAGING + VM_GUEST_PAGING_CPU_MODE);
        int seg = buffer.getInt(VM_EXIT_INOUT_STR_SEG_NAME);
        boolean flatSegment = cpuMode == CPU_MODE_64BIT && seg != VM_REG_GUEST_FS && seg != VM_REG_GUEST_GS;
        long linear = (flatSegment ? 0 : buffer.getLong(VM_EXIT_INOUT_STR_SEG_DESC + SEG_DESC_BASE)) + offset;
        if (cpuMode != CPU_MODE_64BIT) {
            linear &= 0xffff_ffffL;
        }
        if (buffer.getInt(VM_EXIT_INOUT_STR_PAGING + VM_GUEST_PAGING_PAGING_MODE) == PAGING_MODE_FLAT) {
            return linear;
        }
        return vcpu.translate(linear, buffer, VM_EXIT_INOUT_STR_PAGING, kind == ExitKind.IO_IN);
    }

    private long readGuest(long gpa, int bytes) {
        GuestMemory m = region(gpa, bytes);
        long off = gpa - m.guestAddress();
        return switch (bytes) {
            case 1 -> m.getByte(off) & 0xffL;
            case 2 -> m.getShort(off) & 0xffffL;
            default -> m.getInt(off) & 0xffff_ffffL;
        };
    }

    private void writeGuest(long gpa, long value, int bytes) {
        GuestMemory m = region(gpa, bytes);
        long off = gpa - m.guestAddress();
        switch (bytes) {
            case 1 -> m.putByte(off, (byte) value);
            case 2 -> m.putShort(off, (short) value);
            default -> m.putInt(off, (int) value);
        }
    }

    private GuestMemory region(long gpa, int bytes) {
        GuestMemory m = vcpu.regionAt(gpa);
        if (m == null || !m.contains(gpa + bytes - 1)) {
            throw new VmmException(String.format("string I/O buffer at guest-physical 0x%x is not in guest RAM", gpa));
        }
        return m;
    }

    private int bitsAt(long vie, int byteOffset, int shift, int width) {
        return field(buffer.getUnsignedByte(vie + byteOffset), shift, width);
    }

    private static int field(int word, int shift, int width) {
        return (word >>> shift) & ((1 << width) - 1);
    }

    private static long sizeMask(int bytes) {
        return bytes >= 8 ? -1L : (1L << (8 * bytes)) - 1;
    }

    private void require(boolean ok, String accessor) {
        if (!ok) {
            throw new IllegalStateException(
                    accessor + " is not valid for a " + kind + " exit (vm_exitcode " + raw + ")");
        }
    }

    private boolean isIo() {
        return kind == ExitKind.IO_IN || kind == ExitKind.IO_OUT;
    }

    @Override
    public ExitKind kind() {
        return kind;
    }

    @Override
    public int rawReason() {
        return raw;
    }

    /** Guest RIP of the exiting instruction (the kernel resumes after it). */
    public long rip() {
        return buffer.getLong(VM_EXIT_RIP);
    }

    /** Length of the exiting instruction, 0 when unknown. */
    public int instructionLength() {
        return buffer.getInt(VM_EXIT_INST_LENGTH);
    }

    /** Whether this I/O exit is a string instruction ({@code ins}/{@code outs}). */
    public boolean isStringIo() {
        require(isIo(), "isStringIo");
        return string;
    }

    @Override
    public int ioPort() {
        require(isIo(), "ioPort");
        return port;
    }

    @Override
    public int ioSize() {
        require(isIo(), "ioSize");
        return size;
    }

    @Override
    public int ioCount() {
        require(isIo(), "ioCount");
        return count;
    }

    @Override
    public long ioData(int index) {
        require(isIo(), "ioData");
        java.util.Objects.checkIndex(index, count);
        if (string && kind == ExitKind.IO_OUT) {
            return readGuest(stringAddress(index), size);
        }
        return values[index];
    }

    @Override
    public void setIoData(int index, long value) {
        require(kind == ExitKind.IO_IN, "setIoData");
        java.util.Objects.checkIndex(index, count);
        values[index] = value & sizeMask(size);
    }

    @Override
    public long mmioAddress() {
        require(
                kind == ExitKind.MMIO_READ || kind == ExitKind.MMIO_WRITE || raw == VM_EXITCODE_INST_EMUL,
                "mmioAddress");
        return mmioAddress;
    }

    @Override
    public int mmioSize() {
        require(kind == ExitKind.MMIO_READ || kind == ExitKind.MMIO_WRITE, "mmioSize");
        return size;
    }

    @Override
    public long mmioData() {
        require(kind == ExitKind.MMIO_WRITE, "mmioData");
        if (mmioOp == 0xc6 || mmioOp == 0xc7) {
            return mmioImmediate & sizeMask(size);
        }
        long reg = vcpu.getRegister(mmioReg);
        return (mmioHighByte ? reg >>> 8 : reg) & sizeMask(size);
    }

    @Override
    public void setMmioData(long value) {
        require(kind == ExitKind.MMIO_READ, "setMmioData");
        values[0] = value;
    }

    @Override
    public long failureReason() {
        require(kind == ExitKind.FAIL_ENTRY, "failureReason");
        return raw == VM_EXITCODE_VMX
                ? buffer.getUnsignedInt(VM_EXIT_VMX_EXIT_REASON)
                : buffer.getLong(VM_EXIT_SVM_EXITCODE);
    }

    @Override
    public int internalErrorSuberror() {
        require(kind == ExitKind.INTERNAL_ERROR, "internalErrorSuberror");
        return suberror;
    }

    @Override
    public SystemEvent systemEvent() {
        throw new IllegalStateException("bhyve reports no system events; power events are SUSPENDED exits");
    }

    @Override
    public long debugPc() {
        require(kind == ExitKind.DEBUG, "debugPc");
        return rip();
    }

    @Override
    public int debugException() {
        require(kind == ExitKind.DEBUG, "debugException");
        return raw == VM_EXITCODE_BPT ? 3 : 1;
    }

    @Override
    public SuspendReason suspendReason() {
        return switch (suspendHow()) {
            case VM_SUSPEND_RESET -> SuspendReason.RESET;
            case VM_SUSPEND_POWEROFF -> SuspendReason.POWER_OFF;
            case VM_SUSPEND_HALT -> SuspendReason.HALT;
            case VM_SUSPEND_TRIPLEFAULT -> SuspendReason.TRIPLE_FAULT;
            default -> SuspendReason.OTHER;
        };
    }

    /** bhyve's own {@code vm_suspend_how} of a {@link ExitKind#SUSPENDED} exit (VM_SUSPEND_*). */
    public int suspendHow() {
        require(kind == ExitKind.SUSPENDED, "suspendHow");
        return buffer.getInt(VM_EXIT_SUSPENDED_HOW);
    }

    /** MSR number (ECX) of an RDMSR or WRMSR exit, which reach the caller as {@link ExitKind#UNKNOWN}. */
    public long msrIndex() {
        require(raw == VM_EXITCODE_RDMSR || raw == VM_EXITCODE_WRMSR, "msrIndex");
        return buffer.getUnsignedInt(VM_EXIT_MSR_CODE);
    }

    /** The value (EDX:EAX) a WRMSR exit writes. */
    public long msrWriteValue() {
        require(raw == VM_EXITCODE_WRMSR, "msrWriteValue");
        return buffer.getLong(VM_EXIT_MSR_WVAL);
    }

    /** Answers an RDMSR exit: EDX:EAX get {@code value} before the next run (the kernel already advanced RIP). */
    public void setMsrReadValue(long value) {
        require(raw == VM_EXITCODE_RDMSR, "setMsrReadValue");
        values[0] = value;
        msrReadPending = true;
    }

    /** The vCPU a SPINUP_AP exit (INIT-SIPI-SIPI from the guest) starts, reported as {@link ExitKind#UNKNOWN}. */
    public int spinupVcpu() {
        require(raw == VM_EXITCODE_SPINUP_AP, "spinupVcpu");
        return buffer.getInt(VM_EXIT_SPINUP_AP_VCPU);
    }

    /** Where the started vCPU begins (the SIPI vector's page). */
    public long spinupRip() {
        require(raw == VM_EXITCODE_SPINUP_AP, "spinupRip");
        return buffer.getLong(VM_EXIT_SPINUP_AP_RIP);
    }

    @Override
    public String toString() {
        return "BhyveExit[" + kind + ", vm_exitcode " + raw + String.format(", rip 0x%x]", rip());
    }
}
