package org.vmm4j.openbsd;

import static org.vmm4j.openbsd.VmmHeaders.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.internal.VmmDevice;

/**
 * TEST ONLY: a stand-in for vmm(4) behind {@link VmmDevice}. It decodes the argument structs the way
 * the real kernel does, by request number, with offsets of its own ({@link VmmHeaders}, worked out from
 * the headers' field lists, never {@code VmmAbi}'s layouts); keeps each vCPU's register state; and
 * answers {@code VMM_IOC_RUN} from a script of exits, writing them into the caller's {@code vm_exit}
 * buffer the way the kernel does: the exit fields, then a full copy of the guest registers into
 * {@code vrs}. On the next run it loads RIP from {@code vrs} and, after an IN, RAX from
 * {@code vei_data}, which lets tests see what the guest would resume with. The {@link VmmAbi} it is
 * given only names the release the code under test should speak.
 */
final class ScriptedVmmKernel implements VmmDevice {

    sealed interface Step permits Out, In, Reason, WaitForKick, Interrupted, Ept {}

    record Out(int port, int size, long value, int insnLen) implements Step {}

    record In(int port, int size, int insnLen) implements Step {}

    /** An exit with just this reason (HLT, triple fault, ...). */
    record Reason(int reason) implements Step {}

    /** Blocks in "guest mode" until a VMM_IOC_INTR arrives, then exits with the interrupt window. */
    record WaitForKick() implements Step {}

    /** A VMX EPT violation with this fault type; VMX gives no instruction bytes. */
    record Ept(int faultType) implements Step {}

    /** The run ends with EINTR. */
    record Interrupted() implements Step {}

    static final class Vcpu {
        final NativeMemory regs;
        final Deque<Step> script = new ArrayDeque<>();
        Step last;
        int lastSize;
        final List<Long> ripAtEntry = new ArrayList<>();
        final List<Long> raxAtEntry = new ArrayList<>();
        final List<Integer> injected = new ArrayList<>();
        final List<Integer> continued = new ArrayList<>();
        /** vrp_intr_pending of each run (current ABI). */
        final List<Integer> intrPending = new ArrayList<>();

        volatile CountDownLatch kick = new CountDownLatch(1);
        /** Counted down when a run blocks in a {@link WaitForKick} step. */
        final CountDownLatch waitingForKick = new CountDownLatch(1);

        Vcpu(long size) {
            regs = NativeAccess.get().allocate(size);
        }
    }

    static final class Vm {
        final int id;
        final String name;
        final long memory;
        final int pid;
        final Vcpu[] vcpus;
        boolean terminated;

        Vm(int id, String name, long memory, int pid, Vcpu[] vcpus) {
            this.id = id;
            this.name = name;
            this.memory = memory;
            this.pid = pid;
            this.vcpus = vcpus;
        }
    }

    private final VmmAbi abi;
    private final VmmHeaders h;
    private final NativeAccess nat = NativeAccess.get();
    private final Map<Long, NativeMemory> mapped = new HashMap<>();
    final Map<Integer, Vm> vms = new HashMap<>();
    final List<long[]> createdRanges = new ArrayList<>();
    final List<int[]> intrCalls = new ArrayList<>();
    final List<Integer> terminated = new ArrayList<>();
    private final Map<Integer, List<Step>> pendingScripts = new HashMap<>();
    private int nextId = 1;
    boolean closed;

    ScriptedVmmKernel(VmmAbi abi) {
        this.abi = abi;
        this.h = VmmHeaders.forRelease(abi.release());
    }

    /** Queues exits for vCPU {@code vcpu} of the next (or current) VM. */
    synchronized ScriptedVmmKernel script(int vcpu, Step... steps) {
        pendingScripts.computeIfAbsent(vcpu, k -> new ArrayList<>()).addAll(List.of(steps));
        for (Vm vm : vms.values()) {
            if (vcpu < vm.vcpus.length) {
                vm.vcpus[vcpu].script.addAll(List.of(steps));
            }
        }
        return this;
    }

    synchronized Vcpu vcpu(int vmId, int vcpu) {
        return vms.get(vmId).vcpus[vcpu];
    }

    @Override
    public VmmAbi abi() {
        return abi;
    }

    @Override
    public NativeMemory mapAnonymous(long size) {
        NativeMemory m = nat.allocate(size);
        synchronized (this) {
            mapped.put(m.address(), m);
        }
        return m;
    }

    @Override
    public NativeMemory allocate(long size) {
        return nat.allocate(size);
    }

    @Override
    public int pid() {
        return 4242;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public int ioctl(long request, NativeMemory arg) {
        if (request == h.iocCreate) {
            return create(arg);
        } else if (request == h.iocRun) {
            return run(arg);
        } else if (request == h.iocReadregs) {
            return readRegs(arg);
        } else if (request == h.iocWriteregs) {
            return writeRegs(arg);
        } else if (request == h.iocIntr) {
            return intr(arg);
        } else if (request == h.iocTerm) {
            return term(arg);
        } else if (request == h.iocInfo) {
            return info(arg);
        } else if (request == h.iocResetcpu) {
            return resetcpu(arg);
        }
        return -Errno.ENOTTY;
    }

    private synchronized int create(NativeMemory p) {
        if (p.size() != h.sizeofVmCreateParams) {
            return -Errno.EFAULT;
        }
        long n = p.getLong(VCP_NMEMRANGES);
        long ncpus = p.getLong(VCP_NCPUS);
        if (n < 1 || n > VMM_MAX_MEM_RANGES || ncpus < 1 || ncpus > VMM_MAX_VCPUS_PER_VM) {
            return -Errno.EINVAL;
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            long at = VCP_MEMRANGES + (long) i * SIZEOF_VM_MEM_RANGE;
            long gpa = p.getLong(at + VMR_GPA);
            long va = p.getLong(at + VMR_VA);
            long size = p.getLong(at + VMR_SIZE);
            NativeMemory m = mapped.get(va);
            if (m == null || m.size() != size || p.getInt(at + VMR_TYPE) != VM_MEM_RAM) {
                return -Errno.EINVAL; // the kernel rejects ranges not backed by this process's mappings
            }
            createdRanges.add(new long[] {gpa, va, size});
            total += size;
        }
        int id = nextId++;
        Vcpu[] vcpus = new Vcpu[(int) ncpus];
        for (int i = 0; i < vcpus.length; i++) {
            vcpus[i] = new Vcpu(SIZEOF_VCPU_REG_STATE);
            // power-on RFLAGS like the kernel's reset state
            vcpus[i].regs.putLong(VRS_GPRS + 8L * GPR_RFLAGS, 0x2);
            vcpus[i].script.addAll(pendingScripts.getOrDefault(i, List.of()));
        }
        vms.put(id, new Vm(id, p.slice(VCP_NAME, VMM_MAX_NAME_LEN).getString(0), total, 4242, vcpus));
        p.putInt(h.vcpId, id);
        return 0;
    }

    private Vcpu find(int vmId, int vcpu) {
        synchronized (this) {
            Vm vm = vms.get(vmId);
            if (vm == null || vm.terminated || vcpu < 0 || vcpu >= vm.vcpus.length) {
                return null;
            }
            return vm.vcpus[vcpu];
        }
    }

    private int run(NativeMemory p) {
        if (p.size() != h.sizeofVmRunParams) {
            return -Errno.EFAULT;
        }
        Vcpu v = find(p.getInt(0), p.getInt(4)); // vrp_vm_id, vrp_vcpu_id
        if (v == null) {
            return -Errno.ENOENT;
        }
        NativeMemory exit = nat.view(p.getLong(h.vrpExit), h.sizeofVmExit);
        long vrs = h.vmExitVrs;
        long rip = VRS_GPRS + 8L * GPR_RIP;
        long rax = VRS_GPRS + 8L * GPR_RAX;
        if (v.last instanceof Out || v.last instanceof In) {
            v.regs.putLong(rip, exit.getLong(vrs + rip));
            if (v.last instanceof In) {
                long mask = v.lastSize == 1 ? 0xff : v.lastSize == 2 ? 0xffff : 0xffff_ffffL;
                long old = v.regs.getLong(rax);
                v.regs.putLong(rax, (old & ~mask) | (exit.getUnsignedInt(VEI_DATA) & mask));
            }
        }
        v.ripAtEntry.add(v.regs.getLong(rip));
        v.raxAtEntry.add(v.regs.getLong(rax));
        if (h.current) {
            v.intrPending.add((int) p.getByte(h.vrpIntrPending));
            if (p.getByte(h.vrpVieType) == VCPU_INJECT_INTR) {
                v.injected.add(p.getUnsignedByte(h.vrpVieVector));
            }
        } else {
            v.continued.add((int) p.getByte(h.vrpContinue));
            int irq = p.getUnsignedShort(h.vrpIrq);
            if (irq != 0xFFFF) {
                v.injected.add(irq);
            }
        }
        Step step;
        synchronized (this) {
            step = v.script.poll();
        }
        if (step == null) {
            return -Errno.EIO; // the script ran out: a test bug, made loud
        }
        v.last = step;
        int reason;
        if (step instanceof Out out) {
            v.regs.putLong(rax, out.value());
            v.lastSize = out.size();
            putInout(exit, out.size(), VEI_DIR_OUT, out.port(), (int) out.value(), out.insnLen());
            reason = h.current ? VMX_EXIT_IO : SVM_VMEXIT_IOIO;
        } else if (step instanceof In in) {
            v.lastSize = in.size();
            putInout(exit, in.size(), VEI_DIR_IN, in.port(), (int) v.regs.getLong(rax), in.insnLen());
            reason = VMX_EXIT_IO;
        } else if (step instanceof Ept ept) {
            exit.fill(0, h.vmExitVrs, (byte) 0);
            exit.putByte(VEE_FAULT_TYPE, (byte) ept.faultType());
            reason = VMX_EXIT_EPT_VIOLATION;
        } else if (step instanceof Reason rs) {
            reason = rs.reason();
        } else if (step instanceof WaitForKick) {
            try {
                v.waitingForKick.countDown();
                if (!v.kick.await(5, TimeUnit.SECONDS)) {
                    return -Errno.EIO;
                }
            } catch (InterruptedException e) {
                return -Errno.EINTR;
            }
            v.kick = new CountDownLatch(1);
            reason = VMX_EXIT_INT_WINDOW;
        } else {
            return -Errno.EINTR;
        }
        v.regs.copyTo(0, exit, vrs, SIZEOF_VCPU_REG_STATE);
        p.putShort(h.vrpExitReason, (short) reason);
        p.putByte(h.vrpIrqready, (byte) 1);
        return 0;
    }

    private static void putInout(NativeMemory exit, int size, int dir, int port, int data, int insnLen) {
        exit.putByte(VEI_SIZE, (byte) size);
        exit.putByte(VEI_DIR, (byte) dir);
        exit.putByte(VEI_REP, (byte) 0);
        exit.putByte(VEI_STRING, (byte) 0);
        exit.putShort(VEI_PORT, (short) port);
        exit.putInt(VEI_DATA, data);
        exit.putByte(VEI_INSN_LEN, (byte) insnLen);
    }

    private int readRegs(NativeMemory p) {
        Vcpu v = find(p.getInt(VRWP_VM_ID), p.getInt(VRWP_VCPU_ID));
        if (v == null) {
            return -Errno.ENOENT;
        }
        v.regs.copyTo(0, p, VRWP_REGS, SIZEOF_VCPU_REG_STATE);
        return 0;
    }

    private int writeRegs(NativeMemory p) {
        Vcpu v = find(p.getInt(VRWP_VM_ID), p.getInt(VRWP_VCPU_ID));
        if (v == null) {
            return -Errno.ENOENT;
        }
        long mask = p.getLong(VRWP_MASK);
        copyIf(mask, VM_RWREGS_GPRS, p, VRWP_REGS, v.regs, VRS_GPRS, VRS_CRS - VRS_GPRS);
        copyIf(mask, VM_RWREGS_CRS, p, VRWP_REGS, v.regs, VRS_CRS, VRS_MSRS - VRS_CRS);
        copyIf(mask, VM_RWREGS_MSRS, p, VRWP_REGS, v.regs, VRS_MSRS, VRS_DRS - VRS_MSRS);
        copyIf(mask, VM_RWREGS_DRS, p, VRWP_REGS, v.regs, VRS_DRS, VRS_SREGS - VRS_DRS);
        // the segment registers, GDTR and IDTR: the rest of vcpu_reg_state
        copyIf(mask, VM_RWREGS_SREGS, p, VRWP_REGS, v.regs, VRS_SREGS, SIZEOF_VCPU_REG_STATE - VRS_SREGS);
        return 0;
    }

    private static void copyIf(long mask, int bit, NativeMemory src, long base, NativeMemory dst, long at, long len) {
        if ((mask & bit) != 0) {
            src.copyTo(base + at, dst, at, len);
        }
    }

    private int resetcpu(NativeMemory p) {
        Vcpu v = find(p.getInt(VRP_RESET_VM_ID), p.getInt(VRP_RESET_VCPU_ID));
        if (v == null) {
            return -Errno.ENOENT;
        }
        p.copyTo(VRP_INIT_STATE, v.regs, 0, SIZEOF_VCPU_REG_STATE);
        v.last = null;
        return 0;
    }

    private int intr(NativeMemory p) {
        int vmId = p.getInt(VIP_VM_ID);
        int vcpu = p.getInt(VIP_VCPU_ID);
        int value = p.getUnsignedShort(VIP_INTR);
        Vcpu v = find(vmId, vcpu);
        if (v == null) {
            return -Errno.ENOENT;
        }
        synchronized (this) {
            intrCalls.add(new int[] {vmId, vcpu, value});
        }
        if (value != 0) {
            v.kick.countDown();
        }
        return 0;
    }

    private synchronized int term(NativeMemory p) {
        int id = p.getInt(VTP_VM_ID);
        Vm vm = vms.get(id);
        if (vm == null || vm.terminated) {
            return -Errno.ENOENT;
        }
        vm.terminated = true;
        terminated.add(id);
        return 0;
    }

    private synchronized int info(NativeMemory p) {
        List<Vm> live = new ArrayList<>();
        for (Vm vm : vms.values()) {
            if (!vm.terminated) {
                live.add(vm);
            }
        }
        long need = (long) live.size() * SIZEOF_VM_INFO_RESULT;
        if (p.getLong(VIP_SIZE) < need) {
            p.putLong(VIP_SIZE, need);
            p.putLong(VIP_INFO_CT, 0);
            return 0;
        }
        NativeMemory out = nat.view(p.getLong(VIP_INFO), need);
        for (int i = 0; i < live.size(); i++) {
            Vm vm = live.get(i);
            long at = (long) i * SIZEOF_VM_INFO_RESULT;
            out.putLong(at + VIR_MEMORY_SIZE, vm.memory);
            out.putLong(at + VIR_USED_SIZE, vm.memory / 2);
            out.putLong(at + VIR_NCPUS, vm.vcpus.length);
            for (int c = 0; c < vm.vcpus.length; c++) {
                out.putByte(at + VIR_VCPU_STATE + c, (byte) VCPU_STATE_RUNNING);
            }
            out.putInt(at + VIR_CREATOR_PID, vm.pid);
            out.putInt(at + VIR_ID, vm.id);
            out.slice(at + VIR_NAME, VMM_MAX_NAME_LEN).putString(0, vm.name);
        }
        p.putLong(VIP_INFO_CT, live.size());
        return 0;
    }
}
