package org.vmm4j.freebsd;

import static org.vmm4j.freebsd.abi.Vmm.*;
import static org.vmm4j.freebsd.abi.VmmDev.*;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.DescriptorTable;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;
import org.vmm4j.VmmException;
import org.vmm4j.freebsd.internal.VmmDevice;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.spi.RunOwner;

/**
 * A bhyve vCPU: ioctls on the VM's device with this vCPU's id in the argument.
 *
 * <h2>Stopping a running vCPU</h2>
 * {@link #requestStop()} uses what bhyve(8) uses to park a vCPU (for gdb and INIT IPIs):
 * {@code VM_SUSPEND_CPU}. The kernel adds the vCPU to the VM's debug set and kicks it out of guest
 * mode; VM_RUN then returns {@code VM_EXITCODE_DEBUG}, and keeps doing so until {@code VM_RESUME_CPU}.
 * That works whether the guest spins, halts with interrupts off, or the thread is not yet in VM_RUN,
 * and it needs no signal handler in the JVM. The request and its consumption are serialised on one
 * lock so that the ioctl pair always matches:
 * <ol>
 *   <li>{@code requestStop()}: under the lock, mark a stop pending, then {@code VM_SUSPEND_CPU(id)}. The
 *       mark comes first because the kernel can kick the vCPU out of VM_RUN before the ioctl returns;
 *       that run then waits for the lock, so it never resumes a vCPU whose suspend is still under way.</li>
 *   <li>{@code run()}: if a stop is pending before entering the kernel, or VM_RUN returned DEBUG (or
 *       EINTR) while one is pending, under the lock: {@code VM_RESUME_CPU(id)}, clear the mark, return
 *       {@link ExitKind#STOP_REQUESTED}. A DEBUG exit with no stop pending is reported as
 *       {@link ExitKind#DEBUG}.</li>
 * </ol>
 * The fast path reads one volatile field; the lock is taken only when a stop is pending.
 */
public final class BhyveVcpu implements VirtualCpu {
    private static final Logger LOG = LoggerFactory.getLogger(BhyveVcpu.class);

    private static final int[] GPRS = {
        VM_REG_GUEST_RAX,
        VM_REG_GUEST_RBX,
        VM_REG_GUEST_RCX,
        VM_REG_GUEST_RDX,
        VM_REG_GUEST_RSI,
        VM_REG_GUEST_RDI,
        VM_REG_GUEST_RSP,
        VM_REG_GUEST_RBP,
        VM_REG_GUEST_R8,
        VM_REG_GUEST_R9,
        VM_REG_GUEST_R10,
        VM_REG_GUEST_R11,
        VM_REG_GUEST_R12,
        VM_REG_GUEST_R13,
        VM_REG_GUEST_R14,
        VM_REG_GUEST_R15,
        VM_REG_GUEST_RIP,
        VM_REG_GUEST_RFLAGS
    };
    /** Selectors and control registers read with one VM_GET_REGISTER_SET. */
    private static final int[] SPECIAL = {
        VM_REG_GUEST_CS,
        VM_REG_GUEST_DS,
        VM_REG_GUEST_ES,
        VM_REG_GUEST_FS,
        VM_REG_GUEST_GS,
        VM_REG_GUEST_SS,
        VM_REG_GUEST_TR,
        VM_REG_GUEST_LDTR,
        VM_REG_GUEST_CR0,
        VM_REG_GUEST_CR2,
        VM_REG_GUEST_CR3,
        VM_REG_GUEST_CR4,
        VM_REG_GUEST_EFER
    };

    private static final int MAX_SET = Math.max(GPRS.length, SPECIAL.length);

    private final BhyveVm vm;
    private final VmmDevice device;
    private final int id;
    private final NativeMemory runArg;
    private final NativeMemory exitBuffer;
    private final NativeMemory cpuset;
    private final NativeMemory regArg;
    private final NativeMemory segArg;
    private final NativeMemory setArg;
    private final NativeMemory regNums;
    private final NativeMemory regVals;
    private final NativeMemory capArg;
    private final NativeMemory stopArg;
    private final NativeMemory gla2gpaArg;
    private final BhyveExit exit;
    private BhyveStats stats;
    private final Object stopLock = new Object();
    private volatile boolean stopPending;
    private volatile boolean closed;
    private volatile boolean closing;
    /** The thread inside VM_RUN, or null: close() must not free buffers the kernel is writing. */
    private final RunOwner runner;

    BhyveVcpu(BhyveVm vm, VmmDevice device, int id) {
        this.vm = vm;
        this.device = device;
        this.id = id;
        this.runner = new RunOwner(id);
        NativeAccess n = NativeAccess.get();
        runArg = n.allocate(VM_RUN_SIZE);
        exitBuffer = n.allocate(VM_EXIT_SIZE);
        cpuset = n.allocate(CPUSET_SIZE);
        regArg = n.allocate(VM_REGISTER_SIZE);
        segArg = n.allocate(VM_SEG_DESC_SIZE);
        setArg = n.allocate(VM_REGISTER_SET_SIZE);
        regNums = n.allocate(4L * MAX_SET);
        regVals = n.allocate(8L * MAX_SET);
        capArg = n.allocate(VM_CAPABILITY_SIZE);
        stopArg = n.allocate(VM_ACTIVATE_CPU_SIZE);
        gla2gpaArg = n.allocate(VM_GLA2GPA_SIZE);
        runArg.putInt(VM_RUN_CPUID, id);
        runArg.putLong(VM_RUN_CPUSET, cpuset.address());
        runArg.putLong(VM_RUN_CPUSETSIZE, CPUSET_SIZE);
        runArg.putLong(VM_RUN_VM_EXIT, exitBuffer.address());
        exit = new BhyveExit(exitBuffer, new Access());
    }

    /** Activates the vCPU and asks for HLT exits; real mode needs the unrestricted-guest capability where it exists. */
    void activate() {
        try (NativeMemory a = NativeAccess.get().allocate(VM_ACTIVATE_CPU_SIZE)) {
            a.putInt(VM_ACTIVATE_CPU_VCPUID, id);
            check(device.ioctl(VM_ACTIVATE_CPU, a), "VM_ACTIVATE_CPU");
        }
        setCapability(VM_CAP_HALT_EXIT, 1);
        // AMD SVM always runs real mode and rejects the capability; VT-x without it cannot run real mode.
        int r = trySetCapability(VM_CAP_UNRESTRICTED_GUEST, 1);
        if (r < 0 && r != -Errno.ENOENT && r != -Errno.EINVAL) {
            check(r, "VM_SET_CAPABILITY(UNRESTRICTED_GUEST)");
        }
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public VirtualMachine vm() {
        return vm;
    }

    @Override
    public VmExit run() {
        // Publish the runner before checking for close, and close() publishes closing before checking the
        // runner (both volatile): one of them always sees the other, so buffers are never freed under VM_RUN.
        // A second thread is refused before it touches the shared run and exit buffers.
        runner.enter();
        try {
            ensureOpen();
            return runOnce();
        } finally {
            runner.leave();
        }
    }

    private VmExit runOnce() {
        exit.complete(); // the previous exit's IN value or MMIO read lands even if this run only reports a stop
        if (stopPending && consumeStop()) {
            exit.reportWithoutRecord(ExitKind.STOP_REQUESTED);
            return exit;
        }
        int r = device.ioctl(VM_RUN, runArg);
        if (r < 0) {
            if (r == -Errno.EINTR) {
                exit.reportWithoutRecord(stopPending && consumeStop() ? ExitKind.STOP_REQUESTED : ExitKind.INTERRUPTED);
                return exit;
            }
            throw Errno.exception("ioctl(VM_RUN) of vCPU " + id + " of " + vm.name(), -r);
        }
        exit.decode();
        if (exit.rawReason() == VM_EXITCODE_DEBUG && stopPending && consumeStop()) {
            exit.reportWithoutRecord(ExitKind.STOP_REQUESTED);
        }
        return exit;
    }

    private boolean consumeStop() {
        synchronized (stopLock) {
            if (!stopPending) {
                return false;
            }
            stopArg.putInt(VM_ACTIVATE_CPU_VCPUID, id);
            check(device.ioctl(VM_RESUME_CPU, stopArg), "VM_RESUME_CPU");
            stopPending = false;
            return true;
        }
    }

    @Override
    public void requestStop() {
        ensureOpen();
        stop();
    }

    /** Marks a stop and suspends the vCPU in the kernel; also used by {@link #close()} for a run in progress. */
    private void stop() {
        synchronized (stopLock) {
            if (closed || stopPending) {
                return;
            }
            // Mark first: the kernel may kick the vCPU out of VM_RUN before the ioctl returns, and that
            // run must see the mark (it then waits on the lock until the suspend is complete).
            stopPending = true;
            stopArg.putInt(VM_ACTIVATE_CPU_VCPUID, id);
            int r = device.ioctl(VM_SUSPEND_CPU, stopArg);
            if (r < 0) {
                stopPending = false;
                check(r, "VM_SUSPEND_CPU");
            }
        }
    }

    @Override
    public Registers registers() {
        getSet(GPRS);
        long[] values = new long[Registers.COUNT];
        for (int i = 0; i < values.length; i++) {
            values[i] = v(i);
        }
        return Registers.of(values);
    }

    @Override
    public void setRegisters(Registers r) {
        putSet(GPRS, r.toArray());
    }

    /**
     * Segment registers, descriptor tables and control registers. vmm(4) has no register for CR8 or the
     * APIC base MSR: both read as 0 and are ignored when set.
     */
    @Override
    public SpecialRegisters specialRegisters() {
        ensureOpen();
        getSet(SPECIAL);
        long[] sel = new long[8];
        for (int i = 0; i < 8; i++) {
            sel[i] = v(i);
        }
        long cr0 = v(8), cr2 = v(9), cr3 = v(10), cr4 = v(11), efer = v(12);
        return new SpecialRegisters(
                segment(VM_REG_GUEST_CS, sel[0]),
                segment(VM_REG_GUEST_DS, sel[1]),
                segment(VM_REG_GUEST_ES, sel[2]),
                segment(VM_REG_GUEST_FS, sel[3]),
                segment(VM_REG_GUEST_GS, sel[4]),
                segment(VM_REG_GUEST_SS, sel[5]),
                segment(VM_REG_GUEST_TR, sel[6]),
                segment(VM_REG_GUEST_LDTR, sel[7]),
                table(VM_REG_GUEST_GDTR),
                table(VM_REG_GUEST_IDTR),
                cr0,
                cr2,
                cr3,
                cr4,
                0,
                efer,
                0);
    }

    @Override
    public void setSpecialRegisters(SpecialRegisters s) {
        ensureOpen();
        Segment[] segs = {s.cs(), s.ds(), s.es(), s.fs(), s.gs(), s.ss(), s.tr(), s.ldt()};
        for (int i = 0; i < segs.length; i++) {
            setDescriptor(SPECIAL[i], segs[i].base(), segs[i].limit(), BhyveSegments.access(segs[i]));
        }
        setDescriptor(VM_REG_GUEST_GDTR, s.gdt().base(), s.gdt().limit(), 0);
        setDescriptor(VM_REG_GUEST_IDTR, s.idt().base(), s.idt().limit(), 0);
        long[] values = new long[SPECIAL.length];
        for (int i = 0; i < segs.length; i++) {
            values[i] = segs[i].selector();
        }
        values[8] = s.cr0();
        values[9] = s.cr2();
        values[10] = s.cr3();
        values[11] = s.cr4();
        values[12] = s.efer();
        putSet(SPECIAL, values);
    }

    @Override
    public void setSingleStep(boolean enabled) {
        setCapability(VM_CAP_MTRAP_EXIT, enabled ? 1 : 0);
    }

    /** Sets a {@code vm_cap_type} capability of this vCPU. */
    public void setCapability(int capability, int value) {
        check(trySetCapability(capability, value), "VM_SET_CAPABILITY(" + capability + ")");
    }

    /** Reads a {@code vm_cap_type} capability of this vCPU. */
    public int capability(int capability) {
        ensureOpen();
        capArg.clear();
        capArg.putInt(VM_CAPABILITY_CPUID, id);
        capArg.putInt(VM_CAPABILITY_CAPTYPE, capability);
        check(device.ioctl(VM_GET_CAPABILITY, capArg), "VM_GET_CAPABILITY(" + capability + ")");
        return capArg.getInt(VM_CAPABILITY_CAPVAL);
    }

    private int trySetCapability(int capability, int value) {
        ensureOpen();
        capArg.clear();
        capArg.putInt(VM_CAPABILITY_CPUID, id);
        capArg.putInt(VM_CAPABILITY_CAPTYPE, capability);
        capArg.putInt(VM_CAPABILITY_CAPVAL, value);
        return device.ioctl(VM_SET_CAPABILITY, capArg);
    }

    /** This vCPU's statistics: one handle (names cached per VM), closed with the vCPU. */
    @Override
    public synchronized BhyveStats stats() {
        ensureOpen();
        if (stats == null) {
            stats = new BhyveStats(device, id, vm.statNames());
        }
        return stats;
    }

    /** Reads one register by its {@code vm_reg_name} ({@link org.vmm4j.freebsd.abi.Vmm}{@code .VM_REG_GUEST_*}). */
    public long getRegister(int reg) {
        ensureOpen();
        return readRegister(reg);
    }

    /** Writes one register by its {@code vm_reg_name} ({@link org.vmm4j.freebsd.abi.Vmm}{@code .VM_REG_GUEST_*}). */
    public void setRegister(int reg, long value) {
        ensureOpen();
        writeRegister(reg, value);
    }

    private long readRegister(int reg) {
        regArg.putInt(VM_REGISTER_CPUID, id);
        regArg.putInt(VM_REGISTER_REGNUM, reg);
        regArg.putLong(VM_REGISTER_REGVAL, 0);
        check(device.ioctl(VM_GET_REGISTER, regArg), "VM_GET_REGISTER");
        return regArg.getLong(VM_REGISTER_REGVAL);
    }

    private void writeRegister(int reg, long value) {
        regArg.putInt(VM_REGISTER_CPUID, id);
        regArg.putInt(VM_REGISTER_REGNUM, reg);
        regArg.putLong(VM_REGISTER_REGVAL, value);
        check(device.ioctl(VM_SET_REGISTER, regArg), "VM_SET_REGISTER");
    }

    /** What this vCPU's exit needs to complete an access; kept off the public type (it speaks NativeMemory). */
    private final class Access implements VcpuAccess {
        @Override
        public long getRegister(int reg) {
            return readRegister(reg);
        }

        @Override
        public void setRegister(int reg, long value) {
            writeRegister(reg, value);
        }

        @Override
        public long translate(long gla, NativeMemory exitRecord, long pagingOffset, boolean write) {
            NativeMemory arg = gla2gpaArg;
            arg.clear();
            arg.putInt(VM_GLA2GPA_VCPUID, id);
            arg.putInt(VM_GLA2GPA_PROT, write ? Libc.PROT_WRITE : Libc.PROT_READ);
            arg.putLong(VM_GLA2GPA_GLA, gla);
            exitRecord.copyTo(pagingOffset, arg, VM_GLA2GPA_PAGING, VM_GUEST_PAGING_SIZE);
            check(device.ioctl(VM_GLA2GPA_NOFAULT, arg), "VM_GLA2GPA_NOFAULT");
            if (arg.getInt(VM_GLA2GPA_FAULT) != 0) {
                throw new VmmException(String.format(
                        "guest linear address 0x%x of vCPU %d is not mapped by the " + "guest's page tables", gla, id));
            }
            return arg.getLong(VM_GLA2GPA_GPA);
        }

        @Override
        public GuestMemory regionAt(long gpa) {
            return vm.memoryMap().find(gpa);
        }
    }

    private Segment segment(int reg, long selector) {
        getDescriptor(reg);
        return BhyveSegments.segment(
                segArg.getLong(VM_SEG_DESC_DESC + SEG_DESC_BASE),
                segArg.getInt(VM_SEG_DESC_DESC + SEG_DESC_LIMIT),
                (int) selector,
                segArg.getInt(VM_SEG_DESC_DESC + SEG_DESC_ACCESS));
    }

    private DescriptorTable table(int reg) {
        getDescriptor(reg);
        return new DescriptorTable(
                segArg.getLong(VM_SEG_DESC_DESC + SEG_DESC_BASE), segArg.getInt(VM_SEG_DESC_DESC + SEG_DESC_LIMIT));
    }

    private void getDescriptor(int reg) {
        segArg.clear();
        segArg.putInt(VM_SEG_DESC_CPUID, id);
        segArg.putInt(VM_SEG_DESC_REGNUM, reg);
        check(device.ioctl(VM_GET_SEGMENT_DESCRIPTOR, segArg), "VM_GET_SEGMENT_DESCRIPTOR(" + reg + ")");
    }

    private void setDescriptor(int reg, long base, int limit, int access) {
        segArg.putInt(VM_SEG_DESC_CPUID, id);
        segArg.putInt(VM_SEG_DESC_REGNUM, reg);
        segArg.putLong(VM_SEG_DESC_DESC + SEG_DESC_BASE, base);
        segArg.putInt(VM_SEG_DESC_DESC + SEG_DESC_LIMIT, limit);
        segArg.putInt(VM_SEG_DESC_DESC + SEG_DESC_ACCESS, access);
        check(device.ioctl(VM_SET_SEGMENT_DESCRIPTOR, segArg), "VM_SET_SEGMENT_DESCRIPTOR(" + reg + ")");
    }

    private void getSet(int[] regs) {
        prepareSet(regs);
        check(device.ioctl(VM_GET_REGISTER_SET, setArg), "VM_GET_REGISTER_SET");
    }

    private void putSet(int[] regs, long[] values) {
        prepareSet(regs);
        for (int i = 0; i < regs.length; i++) {
            regVals.putLong(8L * i, values[i]);
        }
        check(device.ioctl(VM_SET_REGISTER_SET, setArg), "VM_SET_REGISTER_SET");
    }

    private void prepareSet(int[] regs) {
        ensureOpen();
        for (int i = 0; i < regs.length; i++) {
            regNums.putInt(4L * i, regs[i]);
        }
        setArg.putInt(VM_REGISTER_SET_CPUID, id);
        setArg.putInt(VM_REGISTER_SET_COUNT, regs.length);
        setArg.putLong(VM_REGISTER_SET_REGNUMS, regNums.address());
        setArg.putLong(VM_REGISTER_SET_REGVALS, regVals.address());
    }

    private long v(int i) {
        return regVals.getLong(8L * i);
    }

    private void check(int result, String ioctl) {
        if (result < 0) {
            throw Errno.exception("ioctl(" + ioctl + ") of vCPU " + id + " of " + vm.name(), -result);
        }
    }

    private void ensureOpen() {
        if (closed || closing) {
            throw new IllegalStateException("vCPU " + id + " of " + vm.name() + " is closed");
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /**
     * Releases the vCPU. A run in progress on another thread is stopped first; if it does not return
     * within two seconds the buffers the kernel writes into are deliberately leaked rather than freed
     * under it.
     */
    @Override
    public void close() {
        synchronized (stopLock) {
            if (closed || closing) {
                return;
            }
            closing = true;
        }
        if (runner.thread() != null) {
            try {
                stop();
            } catch (VmmException e) {
                // the VM may already be gone; the run then fails on its own
                LOG.debug("stop request for vCPU {} while closing it failed", id, e);
            }
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (runner.thread() != null && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        synchronized (stopLock) {
            closed = true;
        }
        synchronized (this) {
            if (stats != null) {
                stats.close();
            }
        }
        if (runner.thread() != null) {
            vm.forget(this);
            return;
        }
        for (NativeMemory m : new NativeMemory[] {
            runArg, exitBuffer, cpuset, regArg, segArg, setArg, regNums, regVals, capArg, stopArg, gla2gpaArg
        }) {
            m.close();
        }
        vm.forget(this);
    }
}
