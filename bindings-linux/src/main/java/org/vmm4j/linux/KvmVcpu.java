package org.vmm4j.linux;

import static org.vmm4j.linux.abi.KvmHeader.*;

import java.util.List;
import org.vmm4j.CpuidEntry;
import org.vmm4j.DescriptorTable;
import org.vmm4j.ExitKind;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.linux.abi.KvmStructs.Dtable;
import org.vmm4j.linux.abi.KvmStructs.SegmentLayout;
import org.vmm4j.linux.abi.KvmStructs.Sregs;
import org.vmm4j.linux.internal.VcpuKick;
import org.vmm4j.spi.RunOwner;

/**
 * A KVM vCPU: its fd and mapped {@code kvm_run}. {@link #run()} is one ioctl plus a field read; the
 * exit it returns is a view over {@code kvm_run}. Register calls use buffers allocated once.
 */
public final class KvmVcpu implements VirtualCpu {
    private final KvmVm vm;
    private final Libc libc;
    private final int id;
    private final int fd;
    private final NativeMemory run;
    private final KvmExit exit;
    private final VcpuKick kick;
    /** One allocation for every per-vCPU buffer: closing a shared arena costs a thread handshake. */
    private final NativeMemory buffers;

    private final NativeMemory regs;
    private final NativeMemory sregs;
    private final NativeMemory scratch;
    private static final int BREAKPOINT_VECTOR = 3;
    /** How long close() waits for another thread's run to return (nested KVM can be slow to leave). */
    private static final long CLOSE_WAIT_MILLIS = 60_000;

    private final RunOwner owner;
    private final KvmEmulationFailures emulationFailures;

    private KvmBinaryStats stats;
    /** The buffer of the state ioctls (XSAVE can exceed the scratch page), grown on demand and kept. */
    private NativeMemory stateBuffer;

    private volatile boolean closed;

    KvmVcpu(KvmVm vm, Libc libc, int id, int fd, NativeMemory run) {
        this.vm = vm;
        this.libc = libc;
        this.id = id;
        this.fd = fd;
        this.run = run;
        this.exit = new KvmExit(run);
        this.owner = new RunOwner(id);
        int regsAt = 0;
        int sregsAt = regsAt + KvmStructs.Regs.SIZE;
        int scratchAt = sregsAt + Sregs.SIZE;
        int kickAt = scratchAt + KvmStructs.LapicState.SIZE;
        this.buffers = libc.access().allocate(kickAt + VcpuKick.BUFFER_SIZE);
        this.regs = buffers.slice(regsAt, KvmStructs.Regs.SIZE);
        this.sregs = buffers.slice(sregsAt, Sregs.SIZE);
        this.scratch = buffers.slice(scratchAt, KvmStructs.LapicState.SIZE);
        this.kick = new VcpuKick(libc, run, fd, buffers.slice(kickAt, VcpuKick.BUFFER_SIZE));
        this.emulationFailures = new KvmEmulationFailures(this, vm);
    }

    @Override
    public int id() {
        return id;
    }

    /** The vCPU file descriptor. */
    public int fd() {
        return fd;
    }

    @Override
    public VirtualMachine vm() {
        return vm;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if another thread is running this vCPU (KVM would block the
     *     second KVM_RUN behind the first)
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
        checkOpen();
        while (true) {
            kick.beforeRun();
            long r = libc.ioctl(fd, KVM_RUN, 0);
            kick.afterRun();
            if (r < 0) {
                int errno = (int) -r;
                // EAGAIN: an application processor waiting for INIT/SIPI (KVM_MP_STATE_UNINITIALIZED) blocks
                // in KVM_RUN until an event comes and then returns -EAGAIN once it accepted it; run it again.
                if (errno == Errno.EINTR || errno == Errno.EAGAIN) {
                    exit.interrupted(kick.consumeStop());
                    return exit;
                }
                throw Errno.exception("ioctl(KVM_RUN) on vCPU " + id, errno);
            }
            exit.decode();
            if (exit.kind() != ExitKind.INTERNAL_ERROR || !emulationFailures.complete(exit)) {
                return exit;
            }
        }
    }

    /**
     * How many INT3 instructions KVM could not emulate on this vCPU and vmm4j delivered to the guest
     * as #BP itself (see {@link VmExit#emulationFailure()} for the failures it could not complete).
     */
    public long breakpointsDelivered() {
        return emulationFailures.breakpointsDelivered();
    }

    /**
     * How many FWAIT instructions KVM could not emulate on this vCPU and vmm4j completed (as the no-op
     * they are when neither #NM nor #MF is due).
     */
    public long waitsCompleted() {
        return emulationFailures.waitsCompleted();
    }

    /** The x87 status word (FSW), from {@code KVM_GET_FPU}. */
    int x87StatusWord() {
        checkOpen();
        Errno.check(libc.ioctl(fd, KVM_GET_FPU, scratch), "ioctl(KVM_GET_FPU)");
        return scratch.getUnsignedShort(KvmStructs.Fpu.FSW);
    }

    /**
     * {@code KVM_TRANSLATE}: the guest-physical address of linear address {@code linear} through the
     * guest's page tables, or -1 if it is not mapped (or, for {@code write}, not writable by the kernel
     * while {@code writeProtect}, CR0.WP, is set).
     */
    long translate(long linear, boolean write, boolean writeProtect) {
        scratch.fill(0, KvmStructs.Translation.SIZE, (byte) 0);
        scratch.putLong(KvmStructs.Translation.LINEAR_ADDRESS, linear);
        if (libc.ioctl(fd, KVM_TRANSLATE, scratch) < 0 || scratch.getByte(KvmStructs.Translation.VALID) == 0) {
            return -1;
        }
        if (write && writeProtect && scratch.getByte(KvmStructs.Translation.WRITEABLE) == 0) {
            return -1;
        }
        return scratch.getLong(KvmStructs.Translation.PHYSICAL_ADDRESS);
    }

    /**
     * Delivers the #BP of the INT3 at {@code regs.rip()}: RIP moves past the one-byte INT3 (a trap:
     * the handler returns after it) and KVM injects vector 3, which it delivers through the guest's
     * IDT. On KVM nested through PVM, an injected #BP pushes the RIP it finds, so RIP is advanced
     * first (measured: the handler sees INT3's address + 1; left at the INT3 it would see the INT3's
     * own address and run it again).
     */
    void injectBreakpoint(Registers regs) {
        setRegisters(regs.toBuilder().rip(regs.rip() + 1).build());
        Errno.check(libc.ioctl(fd, KVM_GET_VCPU_EVENTS, scratch), "ioctl(KVM_GET_VCPU_EVENTS)");
        scratch.putByte(KvmStructs.VcpuEvents.EXCEPTION_INJECTED, (byte) 1);
        scratch.putByte(KvmStructs.VcpuEvents.EXCEPTION_NR, (byte) BREAKPOINT_VECTOR);
        scratch.putByte(KvmStructs.VcpuEvents.EXCEPTION_HAS_ERROR_CODE, (byte) 0);
        scratch.putByte(KvmStructs.VcpuEvents.EXCEPTION_PENDING, (byte) 0);
        scratch.putInt(KvmStructs.VcpuEvents.EXCEPTION_ERROR_CODE, 0);
        // the INT3 completed, so no STI/MOV SS shadow is left over it
        scratch.putByte(KvmStructs.VcpuEvents.INTERRUPT_SHADOW, (byte) 0);
        scratch.putByte(KvmStructs.VcpuEvents.EXCEPTION_HAS_PAYLOAD, (byte) 0);
        scratch.putLong(KvmStructs.VcpuEvents.EXCEPTION_PAYLOAD, 0);
        Errno.check(libc.ioctl(fd, KVM_SET_VCPU_EVENTS, scratch), "ioctl(KVM_SET_VCPU_EVENTS, #BP)");
    }

    @Override
    public void requestStop() {
        checkOpen();
        kick.request();
    }

    @Override
    public Registers registers() {
        checkOpen();
        Errno.check(libc.ioctl(fd, KVM_GET_REGS, regs), "ioctl(KVM_GET_REGS)");
        long[] v = new long[Registers.COUNT];
        for (int i = 0; i < v.length; i++) {
            v[i] = regs.getLong(i * 8L);
        }
        return Registers.of(v);
    }

    @Override
    public void setRegisters(Registers r) {
        checkOpen();
        long[] v = r.toArray();
        for (int i = 0; i < v.length; i++) {
            regs.putLong(i * 8L, v[i]);
        }
        Errno.check(libc.ioctl(fd, KVM_SET_REGS, regs), "ioctl(KVM_SET_REGS)");
    }

    @Override
    public SpecialRegisters specialRegisters() {
        checkOpen();
        Errno.check(libc.ioctl(fd, KVM_GET_SREGS, sregs), "ioctl(KVM_GET_SREGS)");
        return new SpecialRegisters(
                segment(Sregs.CS),
                segment(Sregs.DS),
                segment(Sregs.ES),
                segment(Sregs.FS),
                segment(Sregs.GS),
                segment(Sregs.SS),
                segment(Sregs.TR),
                segment(Sregs.LDT),
                dtable(Sregs.GDT),
                dtable(Sregs.IDT),
                sregs.getLong(Sregs.CR0),
                sregs.getLong(Sregs.CR2),
                sregs.getLong(Sregs.CR3),
                sregs.getLong(Sregs.CR4),
                sregs.getLong(Sregs.CR8),
                sregs.getLong(Sregs.EFER),
                sregs.getLong(Sregs.APIC_BASE));
    }

    @Override
    public void setSpecialRegisters(SpecialRegisters r) {
        checkOpen();
        // Read first so the interrupt bitmap (pending external interrupts) is preserved.
        Errno.check(libc.ioctl(fd, KVM_GET_SREGS, sregs), "ioctl(KVM_GET_SREGS)");
        putSegment(Sregs.CS, r.cs());
        putSegment(Sregs.DS, r.ds());
        putSegment(Sregs.ES, r.es());
        putSegment(Sregs.FS, r.fs());
        putSegment(Sregs.GS, r.gs());
        putSegment(Sregs.SS, r.ss());
        putSegment(Sregs.TR, r.tr());
        putSegment(Sregs.LDT, r.ldt());
        putDtable(Sregs.GDT, r.gdt());
        putDtable(Sregs.IDT, r.idt());
        sregs.putLong(Sregs.CR0, r.cr0());
        sregs.putLong(Sregs.CR2, r.cr2());
        sregs.putLong(Sregs.CR3, r.cr3());
        sregs.putLong(Sregs.CR4, r.cr4());
        sregs.putLong(Sregs.CR8, r.cr8());
        sregs.putLong(Sregs.EFER, r.efer());
        sregs.putLong(Sregs.APIC_BASE, r.apicBase());
        Errno.check(libc.ioctl(fd, KVM_SET_SREGS, sregs), "ioctl(KVM_SET_SREGS)");
    }

    private Segment segment(int at) {
        return new Segment(
                sregs.getLong(at + SegmentLayout.BASE),
                sregs.getInt(at + SegmentLayout.LIMIT),
                sregs.getUnsignedShort(at + SegmentLayout.SELECTOR),
                sregs.getUnsignedByte(at + SegmentLayout.TYPE),
                sregs.getByte(at + SegmentLayout.PRESENT) != 0,
                sregs.getUnsignedByte(at + SegmentLayout.DPL),
                sregs.getByte(at + SegmentLayout.DB) != 0,
                sregs.getByte(at + SegmentLayout.S) != 0,
                sregs.getByte(at + SegmentLayout.L) != 0,
                sregs.getByte(at + SegmentLayout.G) != 0,
                sregs.getByte(at + SegmentLayout.AVL) != 0,
                sregs.getByte(at + SegmentLayout.UNUSABLE) != 0);
    }

    private void putSegment(int at, Segment s) {
        sregs.putLong(at + SegmentLayout.BASE, s.base());
        sregs.putInt(at + SegmentLayout.LIMIT, s.limit());
        sregs.putShort(at + SegmentLayout.SELECTOR, (short) s.selector());
        sregs.putByte(at + SegmentLayout.TYPE, (byte) s.type());
        sregs.putByte(at + SegmentLayout.PRESENT, flag(s.present()));
        sregs.putByte(at + SegmentLayout.DPL, (byte) s.dpl());
        sregs.putByte(at + SegmentLayout.DB, flag(s.db()));
        sregs.putByte(at + SegmentLayout.S, flag(s.s()));
        sregs.putByte(at + SegmentLayout.L, flag(s.l()));
        sregs.putByte(at + SegmentLayout.G, flag(s.g()));
        sregs.putByte(at + SegmentLayout.AVL, flag(s.avl()));
        sregs.putByte(at + SegmentLayout.UNUSABLE, flag(s.unusable()));
    }

    private static byte flag(boolean b) {
        return (byte) (b ? 1 : 0);
    }

    private DescriptorTable dtable(int at) {
        return new DescriptorTable(sregs.getLong(at + Dtable.BASE), sregs.getUnsignedShort(at + Dtable.LIMIT));
    }

    private void putDtable(int at, DescriptorTable t) {
        sregs.putLong(at + Dtable.BASE, t.base());
        sregs.putShort(at + Dtable.LIMIT, (short) t.limit());
    }

    @Override
    public void setSingleStep(boolean enabled) {
        checkOpen();
        scratch.fill(0, KvmStructs.GuestDebug.SIZE, (byte) 0);
        scratch.putInt(KvmStructs.GuestDebug.CONTROL, enabled ? KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP : 0);
        Errno.check(libc.ioctl(fd, KVM_SET_GUEST_DEBUG, scratch), "ioctl(KVM_SET_GUEST_DEBUG)");
    }

    /** {@code KVM_SET_CPUID2}: the CPUID leaves the guest sees. Must precede the first run. */
    public void setCpuid(List<CpuidEntry> entries) {
        checkOpen();
        try (NativeMemory buffer = KvmSystem.Cpuid.write(libc, entries)) {
            Errno.check(libc.ioctl(fd, KVM_SET_CPUID2, buffer), "ioctl(KVM_SET_CPUID2)");
        }
    }

    /** {@code KVM_GET_CPUID2}: the CPUID leaves set on this vCPU. */
    public List<CpuidEntry> cpuid() {
        checkOpen();
        int capacity = 256;
        try (NativeMemory buffer =
                libc.access().allocate(KvmStructs.Cpuid2.ENTRIES + (long) capacity * KvmStructs.Cpuid2.ENTRY_SIZE)) {
            buffer.putInt(KvmStructs.Cpuid2.NENT, capacity);
            Errno.check(libc.ioctl(fd, KVM_GET_CPUID2, buffer), "ioctl(KVM_GET_CPUID2)");
            return KvmSystem.Cpuid.read(buffer);
        }
    }

    /** {@code KVM_GET_MSRS}: the values of the given MSRs. */
    public long[] msrs(int... indices) {
        checkOpen();
        try (NativeMemory buffer = msrBuffer(indices, null)) {
            long n = Errno.check(libc.ioctl(fd, KVM_GET_MSRS, buffer), "ioctl(KVM_GET_MSRS)");
            if (n != indices.length) {
                throw new IllegalArgumentException("KVM read only " + n + " of " + indices.length + " MSRs; MSR 0x"
                        + Integer.toHexString(indices[(int) n]) + " is not supported");
            }
            long[] values = new long[indices.length];
            for (int i = 0; i < indices.length; i++) {
                values[i] = buffer.getLong(
                        KvmStructs.Msrs.ENTRIES + (long) i * KvmStructs.Msrs.ENTRY_SIZE + KvmStructs.Msrs.ENTRY_DATA);
            }
            return values;
        }
    }

    /** {@code KVM_SET_MSRS}: sets MSRs; fails naming the first MSR KVM refused. */
    public void setMsrs(int[] indices, long[] values) {
        checkOpen();
        if (indices.length != values.length) {
            throw new IllegalArgumentException(indices.length + " MSR indices but " + values.length + " values");
        }
        try (NativeMemory buffer = msrBuffer(indices, values)) {
            long n = Errno.check(libc.ioctl(fd, KVM_SET_MSRS, buffer), "ioctl(KVM_SET_MSRS)");
            if (n != indices.length) {
                throw new IllegalArgumentException("KVM set only " + n + " of " + indices.length + " MSRs; MSR 0x"
                        + Integer.toHexString(indices[(int) n]) + " was refused");
            }
        }
    }

    private NativeMemory msrBuffer(int[] indices, long[] values) {
        NativeMemory buffer = libc.access()
                .allocate(KvmStructs.Msrs.ENTRIES + (long) Math.max(1, indices.length) * KvmStructs.Msrs.ENTRY_SIZE);
        buffer.putInt(KvmStructs.Msrs.NMSRS, indices.length);
        for (int i = 0; i < indices.length; i++) {
            long e = KvmStructs.Msrs.ENTRIES + (long) i * KvmStructs.Msrs.ENTRY_SIZE;
            buffer.putInt(e + KvmStructs.Msrs.ENTRY_INDEX, indices[i]);
            if (values != null) {
                buffer.putLong(e + KvmStructs.Msrs.ENTRY_DATA, values[i]);
            }
        }
        return buffer;
    }

    /** {@code KVM_GET_FPU}: the raw {@code kvm_fpu} bytes. */
    public byte[] fpu() {
        checkOpen();
        Errno.check(libc.ioctl(fd, KVM_GET_FPU, scratch), "ioctl(KVM_GET_FPU)");
        return scratch.toArray(0, KvmStructs.Fpu.SIZE);
    }

    /** {@code KVM_SET_FPU} with the x87 control word and MXCSR, everything else zero (Linux's boot state). */
    public void setFpu(int fcw, int mxcsr) {
        checkOpen();
        scratch.fill(0, KvmStructs.Fpu.SIZE, (byte) 0);
        scratch.putShort(KvmStructs.Fpu.FCW, (short) fcw);
        scratch.putInt(KvmStructs.Fpu.MXCSR, mxcsr);
        Errno.check(libc.ioctl(fd, KVM_SET_FPU, scratch), "ioctl(KVM_SET_FPU)");
    }

    /** {@code KVM_GET_LAPIC}: the 1 KiB local APIC register page. */
    public byte[] lapic() {
        checkOpen();
        Errno.check(libc.ioctl(fd, KVM_GET_LAPIC, scratch), "ioctl(KVM_GET_LAPIC)");
        return scratch.toArray(0, KvmStructs.LapicState.SIZE);
    }

    /** {@code KVM_SET_LAPIC}. */
    public void setLapic(byte[] state) {
        checkOpen();
        if (state.length != KvmStructs.LapicState.SIZE) {
            throw new IllegalArgumentException(
                    "LAPIC state is " + KvmStructs.LapicState.SIZE + " bytes, got " + state.length);
        }
        scratch.put(0, state, 0, state.length);
        Errno.check(libc.ioctl(fd, KVM_SET_LAPIC, scratch), "ioctl(KVM_SET_LAPIC)");
    }

    /** {@code KVM_GET_MP_STATE}: one of the {@code KVM_MP_STATE_*} values. */
    public int mpState() {
        checkOpen();
        Errno.check(libc.ioctl(fd, KVM_GET_MP_STATE, scratch), "ioctl(KVM_GET_MP_STATE)");
        return scratch.getInt(KvmStructs.MpState.MP_STATE);
    }

    /** {@code KVM_SET_MP_STATE}. */
    public void setMpState(int state) {
        checkOpen();
        scratch.putInt(KvmStructs.MpState.MP_STATE, state);
        Errno.check(libc.ioctl(fd, KVM_SET_MP_STATE, scratch), "ioctl(KVM_SET_MP_STATE)");
    }

    /**
     * Checks that the vCPU is open and no thread is inside {@link #run()}: its state can be read and written.
     *
     * @throws IllegalStateException if the vCPU or VM is closed or the vCPU is running
     */
    void checkStopped() {
        checkOpen();
        Thread runner = owner.thread();
        if (runner != null) {
            throw new IllegalStateException("vCPU " + id + " is running on thread " + runner.getName()
                    + "; stop it before saving or restoring its state");
        }
    }

    /**
     * Holds the vCPU for reading or writing its state: no thread can run it until {@link #leaveState()}.
     *
     * @throws IllegalStateException if the vCPU or VM is closed or another thread is running the vCPU
     */
    void enterState() {
        checkOpen();
        try {
            owner.enter();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    "vCPU " + id + " is running; stop it before saving or restoring its state (" + e.getMessage() + ")",
                    e);
        }
    }

    /** Ends {@link #enterState()}. */
    void leaveState() {
        owner.leave();
    }

    /**
     * Lets KVM finish the instruction of the last I/O or MMIO exit without running guest code; call between
     * {@link #enterState()} and {@link #leaveState()}. KVM completes an OUT, IN or MMIO access only when the
     * vCPU next enters KVM_RUN (until then RIP may still point at the instruction, and an IN's data is not in
     * RAX), so state saved before that would repeat the access on restore. KVM_RUN with {@code immediate_exit}
     * set runs the completion and returns EINTR before entering the guest. The exit must have been handled (an
     * IN's or MMIO read's data supplied) already.
     */
    void completePendingExit() {
        int reason = run.getInt(KvmStructs.Run.EXIT_REASON);
        if (reason != KVM_EXIT_IO && reason != KVM_EXIT_MMIO) {
            return;
        }
        boolean stopPending = run.getByteVolatile(KvmStructs.Run.IMMEDIATE_EXIT) != 0;
        run.putByteVolatile(KvmStructs.Run.IMMEDIATE_EXIT, (byte) 1);
        long r;
        try {
            r = libc.ioctl(fd, KVM_RUN, 0);
        } finally {
            if (!stopPending) {
                run.putByteVolatile(KvmStructs.Run.IMMEDIATE_EXIT, (byte) 0);
            }
        }
        if (r < 0 && r != -Errno.EINTR) {
            throw Errno.exception("ioctl(KVM_RUN, immediate_exit) completing vCPU " + id + "'s last exit", (int) -r);
        }
        if (r >= 0) {
            // Completing an element of a string I/O instruction (REP OUTS/INS) can make the next element exit
            // at once: its data would be lost to the VMM, and the instruction cannot be saved half done.
            throw new IllegalStateException("vCPU " + id + " exited again ("
                    + exitReasonName(run.getInt(KvmStructs.Run.EXIT_REASON))
                    + ") while KVM completed its last I/O exit; save its state after a stop request (an exit of"
                    + " kind STOP_REQUESTED), not right after a string I/O exit");
        }
    }

    /**
     * A buffer of at least {@code size} bytes for the state ioctls, zeroed; valid until the next call (state
     * is saved and restored by one thread at a time while the vCPU is stopped).
     */
    synchronized NativeMemory stateBuffer(long size) {
        checkOpen();
        if (stateBuffer == null || stateBuffer.size() < size) {
            if (stateBuffer != null) {
                stateBuffer.close();
            }
            stateBuffer = libc.access().allocate(Math.max(size, 4096));
        }
        stateBuffer.fill(0, size, (byte) 0);
        return stateBuffer;
    }

    /** An ioctl on this vCPU's fd with a pointer argument: the result, or {@code -errno}. */
    long ioctl(long request, NativeMemory arg) {
        checkOpen();
        return libc.ioctl(fd, request, arg);
    }

    /** An ioctl on this vCPU's fd with an integer argument: the result, or {@code -errno}. */
    long ioctl(long request, long arg) {
        checkOpen();
        return libc.ioctl(fd, request, arg);
    }

    /** This vCPU's binary statistics (KVM_GET_STATS_FD on the vCPU fd); one handle, closed with the vCPU. */
    @Override
    public synchronized org.vmm4j.Stats stats() {
        checkOpen();
        if (stats == null) {
            stats = vm.binaryStats(fd, "vCPU " + id);
        }
        return stats;
    }

    /** A new binary-statistics handle for this vCPU, owned by the caller (close it). */
    public org.vmm4j.Stats openStats() {
        checkOpen();
        return vm.binaryStats(fd, "vCPU " + id);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("vCPU " + id + " is closed");
        }
        if (vm.isClosed()) {
            throw new IllegalStateException("vCPU " + id + ": the VM is closed");
        }
    }

    /**
     * Releases the vCPU. A run in progress on another thread is stopped first and waited for (a vCPU
     * is never unmapped under a running KVM_RUN); if it does not return within a minute, close fails
     * and nothing is released.
     *
     * @throws IllegalStateException if another thread's run did not return
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (!kick.stopAndAwaitIdle(CLOSE_WAIT_MILLIS)) {
                throw new IllegalStateException("vCPU " + id + " is still inside KVM_RUN on another thread after "
                        + CLOSE_WAIT_MILLIS / 1000 + " s; not released");
            }
            closed = true;
        }
        KvmBinaryStats s;
        synchronized (this) {
            s = stats;
        }
        if (s != null) {
            s.close();
        }
        run.close();
        libc.close(fd);
        buffers.close();
        synchronized (this) {
            if (stateBuffer != null) {
                stateBuffer.close();
                stateBuffer = null;
            }
        }
    }
}
