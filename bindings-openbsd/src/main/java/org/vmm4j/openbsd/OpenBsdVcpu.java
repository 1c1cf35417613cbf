package org.vmm4j.openbsd;

import static org.vmm4j.openbsd.abi.VmmVar.*;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.CStruct;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.internal.VmmDevice;
import org.vmm4j.spi.RunOwner;

/**
 * A vmm(4) vCPU, run with {@code VMM_IOC_RUN} over a {@code vm_run_params} and a {@code vm_exit}
 * buffer that are allocated once and reused.
 *
 * <p><b>Completing exits, as vmd does.</b> After a port-I/O exit the caller answers an IN with
 * {@link VmExit#setIoData}, which writes {@code vei_data} in the exit buffer. The next {@link #run()}
 * advances {@code vrs_gprs[RIP]} in that buffer by {@code vei_insn_len} and passes the same buffer
 * back: the kernel loads RIP from it and, for an IN, RAX from {@code vei_data}.
 *
 * <p><b>Stopping from another thread.</b> {@link #requestStop()} sets a flag and, while a run is in
 * the kernel, issues {@code VMM_IOC_INTR} for this vCPU: vmm(4) marks an interrupt pending and
 * IPIs the physical CPU running the vCPU, which makes it leave guest mode and return to us at the
 * next interrupt window (vmd relies on the same path to deliver interrupts). If that exit carries
 * nothing (interrupt window, external interrupt) the run returns {@link ExitKind#STOP_REQUESTED};
 * if it carries work (an I/O exit must not be lost) it is returned and the following {@code run()}
 * returns {@code STOP_REQUESTED} without entering the guest; a run the kernel ends with
 * {@code EINTR} reports the stop at once. The pending-interrupt
 * mark is cleared on the next run ({@code vrp_intr_pending}, or {@code VMM_IOC_INTR} with 0 on 7.4).
 * How quickly a guest spinning with interrupts disabled leaves guest mode after the IPI has not been
 * measured on hardware.
 */
public final class OpenBsdVcpu implements VirtualCpu {
    private static final int NO_VECTOR = -1;

    private final OpenBsdVm vm;
    private final int id;
    private final VmmDevice device;
    private final VmmAbi abi;
    private final RegisterState regs;
    private final NativeMemory runParams;
    private final NativeMemory exitBuffer;
    private final NativeMemory rwregs;
    private final OpenBsdExit exit;
    private final long exitVrs;
    private final long rwRegsBase;

    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final AtomicBoolean kicked = new AtomicBoolean();
    private volatile boolean inRun;
    private final RunOwner owner;
    private volatile int pendingVector = NO_VECTOR;
    private volatile boolean closed;
    private int vmId = -1;
    private boolean started;
    private boolean ioPending;
    private int ioPendingLength;
    private boolean ioPendingIn;
    private int ioPendingSize;
    private boolean intrMarked;
    private final MmioDecoder decoder = new MmioDecoder();
    private final long[] x86Gprs = new long[16];
    private final byte[] insn = new byte[15];
    private List<GuestMemory> ram;
    private boolean mmioPending;
    private boolean mmioPendingRead;

    OpenBsdVcpu(OpenBsdVm vm, int id) {
        this.vm = vm;
        this.id = id;
        this.owner = new RunOwner(id);
        this.device = vm.device();
        this.abi = device.abi();
        this.regs = new RegisterState(abi);
        this.runParams = device.allocate(abi.vmRunParams.size());
        this.exitBuffer = device.allocate(abi.vmExit.size());
        this.rwregs = device.allocate(abi.vmRwregsParams.size());
        this.exit = new OpenBsdExit(abi, exitBuffer);
        this.exitVrs = abi.vmExit.offset("vrs");
        this.rwRegsBase = abi.vmRwregsParams.offset("vrwp_regs");
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public VirtualMachine vm() {
        return vm;
    }

    private int vmId() {
        checkOpen();
        if (vmId < 0) {
            vmId = vm.ensureCreated();
            ram = vm.memoryRegions(); // fixed once the kernel VM exists
        }
        return vmId;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if another thread is running this vCPU
     */
    @Override
    public VmExit run() {
        owner.enter();
        try {
            return runOwned();
        } finally {
            owner.leave();
        }
    }

    private VmExit runOwned() {
        int vmIdentifier = vmId();
        if (stopRequested.getAndSet(false)) {
            exit.synthetic(ExitKind.STOP_REQUESTED);
            return exit;
        }
        if (mmioPending) {
            completeMmio();
        }
        if (ioPending) {
            long rip = exitVrs + regs.gprOffset(VCPU_REGS_RIP);
            exitBuffer.putLong(rip, exitBuffer.getLong(rip) + ioPendingLength);
            ioPending = false;
        }
        CStruct p = abi.vmRunParams;
        // As vmd: inject only when the last exit said the guest can take an interrupt (vrp_irqready);
        // otherwise keep it pending and tell the kernel, which exits at the interrupt window.
        int vector = pendingVector;
        boolean inject = vector != NO_VECTOR && started && interruptReady();
        if (inject) {
            pendingVector = NO_VECTOR;
        }
        boolean stillPending = vector != NO_VECTOR && !inject;
        runParams.putInt(p.offset("vrp_vm_id"), vmIdentifier);
        runParams.putInt(p.offset("vrp_vcpu_id"), id);
        runParams.putLong(p.offset("vrp_exit"), exitBuffer.address());
        if (abi.isCurrent()) {
            runParams.putByte(p.offset("vrp_inject.vie_vector"), (byte) (inject ? vector : 0));
            runParams.putInt(p.offset("vrp_inject.vie_errorcode"), 0);
            runParams.putByte(p.offset("vrp_inject.vie_type"), (byte) (inject ? VCPU_INJECT_INTR : VCPU_INJECT_NONE));
            runParams.putByte(p.offset("vrp_intr_pending"), (byte) (stillPending ? 1 : 0));
        } else {
            // 7.4 has no vrp_intr_pending: the pending mark is VMM_IOC_INTR, set and cleared as vmd does.
            if (stillPending) {
                intr(1);
                intrMarked = true;
            } else if (intrMarked || kicked.get()) {
                intr(0);
                intrMarked = false;
            }
            runParams.putByte(p.offset("vrp_continue"), (byte) (started ? 1 : 0));
            runParams.putShort(p.offset("vrp_irq"), (short) (inject ? vector : 0xFFFF));
        }
        kicked.set(false);
        inRun = true;
        int rc;
        try {
            rc = device.ioctl(abi.iocRun, runParams);
        } finally {
            inRun = false;
        }
        if (rc == -Errno.EINTR) {
            exit.synthetic(stopRequested.getAndSet(false) ? ExitKind.STOP_REQUESTED : ExitKind.INTERRUPTED);
            return exit;
        }
        if (rc < 0) {
            throw Errno.exception("ioctl(VMM_IOC_RUN, vCPU " + id + ")", -rc);
        }
        started = true;
        ExitKind kind = exit.decode(runParams.getUnsignedShort(p.offset("vrp_exit_reason")));
        if (kind == ExitKind.BOGUS && stopRequested.getAndSet(false)) {
            // The kick's own exit (interrupt window, external interrupt) carries nothing to lose.
            exit.synthetic(ExitKind.STOP_REQUESTED);
            return exit;
        }
        if (kind == ExitKind.UNKNOWN) {
            decodeMmio();
            kind = exit.kind();
        }
        ioPending = kind == ExitKind.IO_IN || kind == ExitKind.IO_OUT;
        if (ioPending) {
            // Kept apart from the view, which a STOP_REQUESTED before the next entry reuses.
            ioPendingLength = exit.ioInstructionLength();
            ioPendingIn = kind == ExitKind.IO_IN;
            ioPendingSize = exit.ioSize();
        }
        return exit;
    }

    // x86 register number -> component of org.vmm4j.Registers (rax rbx rcx rdx rsi rdi rsp rbp r8..r15)
    private static final int[] X86_TO_COMPONENT = {0, 2, 3, 1, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
    // MmioDecoder segment (ES CS SS DS FS GS) -> component of the segment order (cs ds es fs gs ss)
    private static final int[] SEGMENT_TO_COMPONENT = {2, 0, 5, 1, 3, 4};

    private long vrsGpr(int x86) {
        return exitBuffer.getLong(exitVrs + regs.gprOffset(abi.gprIndex(X86_TO_COMPONENT[x86])));
    }

    /**
     * An EPT violation / NPF with {@code VEE_FAULT_MMIO_ASSIST}: decode the instruction (bytes from
     * the kernel, or fetched from guest memory at CS:RIP) and translate its linear address through the
     * guest page tables held in the exit's register copy. Leaves the exit UNKNOWN when that fails.
     */
    private void decodeMmio() {
        int reason = exit.rawReason();
        if ((reason != VMX_EXIT_EPT_VIOLATION && reason != SVM_VMEXIT_NPF)
                || exit.eptFaultType() != VEE_FAULT_MMIO_ASSIST) {
            return;
        }
        long vrs = exitVrs;
        CStruct s = abi.vcpuRegState;
        long cr0 = exitBuffer.getLong(vrs + s.offset("vrs_crs") + 8L * VCPU_REGS_CR0);
        long cr3 = exitBuffer.getLong(vrs + s.offset("vrs_crs") + 8L * VCPU_REGS_CR3);
        long cr4 = exitBuffer.getLong(vrs + s.offset("vrs_crs") + 8L * VCPU_REGS_CR4);
        long efer = exitBuffer.getLong(vrs + s.offset("vrs_msrs") + 8L * VCPU_REGS_EFER);
        long segSize = abi.vcpuSegmentInfo.size();
        long csAt = vrs + s.offset("vrs_sregs") + segSize * abi.sregIndex(0);
        int csAr = exitBuffer.getInt(csAt + 8);
        int bits = (cr0 & 1) == 0
                ? 16
                : (efer & GuestPageWalker.EFER_LMA) != 0 && (csAr & 0x2000) != 0 ? 64 : (csAr & 0x4000) != 0 ? 32 : 16;
        long rip = exitBuffer.getLong(vrs + regs.gprOffset(VCPU_REGS_RIP));
        int n = exit.instructionBytes(insn);
        if (n == 0) {
            long csBase = bits == 64 ? 0 : exitBuffer.getLong(csAt + 16);
            n = GuestPageWalker.fetch(csBase + rip, insn, insn.length, cr0, cr3, cr4, efer, ram);
        }
        for (int i = 0; i < 16; i++) {
            x86Gprs[i] = vrsGpr(i);
        }
        if (n == 0 || !decoder.decode(insn, n, bits, x86Gprs, rip)) {
            return;
        }
        int seg = decoder.segment;
        long segBase = bits == 64 && seg != MmioDecoder.FS && seg != MmioDecoder.GS
                ? 0
                : exitBuffer.getLong(
                        vrs + s.offset("vrs_sregs") + segSize * abi.sregIndex(SEGMENT_TO_COMPONENT[seg]) + 16);
        long linear = segBase + decoder.effectiveAddress;
        if (bits != 64) {
            linear &= 0xffff_ffffL;
        }
        long gpa = GuestPageWalker.translate(linear, cr0, cr3, cr4, efer, ram);
        if (gpa < 0) {
            return;
        }
        exit.mmio(decoder.write, gpa, decoder.size, decoder.write ? decoder.writeValue(x86Gprs) : 0);
        mmioPending = true;
        mmioPendingRead = !decoder.write;
    }

    /** Writes an MMIO read's result into its register and moves RIP past the instruction, in the kernel. */
    private void completeMmio() {
        mmioPending = false;
        long ripAt = exitVrs + regs.gprOffset(VCPU_REGS_RIP);
        if (mmioPendingRead) {
            long at = exitVrs + regs.gprOffset(abi.gprIndex(X86_TO_COMPONENT[decoder.register]));
            exitBuffer.putLong(at, decoder.mergeRead(exitBuffer.getLong(at), exit.mmioReadResult()));
        }
        exitBuffer.putLong(ripAt, exitBuffer.getLong(ripAt) + decoder.length);
        exitBuffer.copyTo(
                exitVrs + abi.vcpuRegState.offset("vrs_gprs"),
                rwregs,
                rwRegsBase + abi.vcpuRegState.offset("vrs_gprs"),
                8L * VCPU_REGS_NGPRS);
        writeRegs(VM_RWREGS_GPRS);
    }

    /** {@code vrp_irqready} of the last run: the guest can take an interrupt on the next entry. */
    public boolean interruptReady() {
        checkOpen();
        return runParams.getByte(abi.vmRunParams.offset("vrp_irqready")) != 0;
    }

    /**
     * Injects external interrupt {@code vector} as vmd does for its i8259: with the first run whose
     * previous exit reported {@code vrp_irqready} ({@code vrp_inject} with {@code VCPU_INJECT_INTR},
     * or {@code vrp_irq} on 7.4); until then the kernel is told an interrupt is pending
     * ({@code vrp_intr_pending}, or {@code VMM_IOC_INTR} on 7.4) so it exits at the interrupt window.
     * A later call before delivery replaces the vector.
     */
    public void injectInterrupt(int vector) {
        checkOpen();
        if (vector < 0 || vector > 255) {
            throw new IllegalArgumentException("interrupt vector " + vector + " outside 0..255");
        }
        pendingVector = vector;
        if (inRun) {
            kick();
        }
    }

    @Override
    public void requestStop() {
        checkOpen();
        stopRequested.set(true);
        if (inRun) {
            kick();
        }
    }

    private void kick() {
        kicked.set(true);
        intr(1);
    }

    private void intr(int value) {
        CStruct p = abi.vmIntrParams;
        try (NativeMemory params = device.allocate(p.size())) {
            params.putInt(p.offset("vip_vm_id"), vmId());
            params.putInt(p.offset("vip_vcpu_id"), id);
            params.putShort(p.offset("vip_intr"), (short) value);
            int rc = device.ioctl(abi.iocIntr, params);
            if (rc < 0) {
                throw Errno.exception("ioctl(VMM_IOC_INTR, vCPU " + id + ")", -rc);
            }
        }
    }

    private void readRegs(int mask) {
        CStruct p = abi.vmRwregsParams;
        rwregs.putInt(p.offset("vrwp_vm_id"), vmId());
        rwregs.putInt(p.offset("vrwp_vcpu_id"), id);
        rwregs.putLong(p.offset("vrwp_mask"), mask);
        int rc = device.ioctl(abi.iocReadregs, rwregs);
        if (rc < 0) {
            throw Errno.exception("ioctl(VMM_IOC_READREGS, vCPU " + id + ")", -rc);
        }
    }

    private void writeRegs(int mask) {
        CStruct p = abi.vmRwregsParams;
        rwregs.putInt(p.offset("vrwp_vm_id"), vmId());
        rwregs.putInt(p.offset("vrwp_vcpu_id"), id);
        rwregs.putLong(p.offset("vrwp_mask"), mask);
        int rc = device.ioctl(abi.iocWriteregs, rwregs);
        if (rc < 0) {
            throw Errno.exception("ioctl(VMM_IOC_WRITEREGS, vCPU " + id + ")", -rc);
        }
    }

    /**
     * The GPRs. After an I/O exit not yet completed, RIP is reported past the I/O instruction (and
     * RAX with an IN's reply), which is what the guest will see when it resumes.
     */
    @Override
    public Registers registers() {
        readRegs(VM_RWREGS_GPRS);
        Registers r = regs.readGprs(rwregs, rwRegsBase);
        if (ioPending) {
            Registers.Builder b = r.toBuilder().rip(r.rip() + ioPendingLength);
            if (ioPendingIn) {
                long mask = ioPendingSize == 1 ? 0xffL : ioPendingSize == 2 ? 0xffffL : 0xffff_ffffL;
                b.rax((r.rax() & ~mask) | (exitBuffer.getUnsignedInt(abi.vmExit.offset("vei.vei_data")) & mask));
            }
            r = b.build();
        }
        return r;
    }

    /**
     * Writes the GPRs. The same values go into the exit buffer's register copy, which the kernel loads
     * RIP from on the next run, so an explicit write wins over the pending I/O completion.
     */
    @Override
    public void setRegisters(Registers registers) {
        checkOpen();
        regs.writeGprs(rwregs, rwRegsBase, registers);
        writeRegs(VM_RWREGS_GPRS);
        regs.writeGprs(exitBuffer, exitVrs, registers);
        ioPending = false;
        mmioPending = false;
    }

    @Override
    public SpecialRegisters specialRegisters() {
        readRegs(VM_RWREGS_SREGS | VM_RWREGS_CRS | VM_RWREGS_MSRS);
        return regs.readSpecial(rwregs, rwRegsBase);
    }

    @Override
    public void setSpecialRegisters(SpecialRegisters registers) {
        int mask = VM_RWREGS_SREGS | VM_RWREGS_CRS | VM_RWREGS_MSRS;
        readRegs(mask); // keep the MSRs and CRs the record does not carry
        regs.writeSpecial(rwregs, rwRegsBase, registers);
        writeRegs(mask);
    }

    /**
     * Resets the vCPU to {@code state} ({@code VMM_IOC_RESETCPU}): vmd resets to its power-on state
     * after a triple fault.
     */
    public void reset(Registers gprs, SpecialRegisters special) {
        checkOpen();
        CStruct p = abi.vmResetcpuParams;
        try (NativeMemory params = device.allocate(p.size())) {
            params.putInt(p.offset("vrp_vm_id"), vmId());
            params.putInt(p.offset("vrp_vcpu_id"), id);
            long base = p.offset("vrp_init_state");
            regs.writeGprs(params, base, gprs);
            regs.writeSpecial(params, base, special);
            int rc = device.ioctl(abi.iocResetcpu, params);
            if (rc < 0) {
                throw Errno.exception("ioctl(VMM_IOC_RESETCPU, vCPU " + id + ")", -rc);
            }
        }
        ioPending = false;
        mmioPending = false;
        started = false;
    }

    @Override
    public void setSingleStep(boolean enabled) {
        checkOpen();
        if (enabled) {
            throw new UnsupportedOperationException("vmm(4) has no single-step interface");
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        runParams.close();
        exitBuffer.close();
        rwregs.close();
        vm.vcpuClosed(this);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("vCPU " + id + " is closed");
        }
    }
}
