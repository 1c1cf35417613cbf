package org.vmm4j.openbsd;

import static org.vmm4j.openbsd.abi.VmmVar.*;

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
import org.vmm4j.openbsd.abi.CStruct;
import org.vmm4j.openbsd.abi.VmmAbi;

/**
 * TEST ONLY: a stand-in for vmm(4) behind {@link VmmDevice}. It decodes the same argument structs
 * the real kernel does (by request number and the ABI's layouts), keeps each vCPU's register state,
 * and answers {@code VMM_IOC_RUN} from a script of exits, writing them into the caller's
 * {@code vm_exit} buffer the way the kernel does: the exit fields, then a full copy of the guest
 * registers into {@code vrs}. On the next run it loads RIP from {@code vrs} and, after an IN, RAX
 * from {@code vei_data}, which lets tests see what the guest would resume with.
 */
final class ScriptedVmmKernel implements VmmDevice {

    sealed interface Step permits Out, In, Reason, WaitForKick, Interrupted, Ept {
    }

    record Out(int port, int size, long value, int insnLen) implements Step {
    }

    record In(int port, int size, int insnLen) implements Step {
    }

    /** An exit with just this reason (HLT, triple fault, ...). */
    record Reason(int reason) implements Step {
    }

    /** Blocks in "guest mode" until a VMM_IOC_INTR arrives, then exits with the interrupt window. */
    record WaitForKick() implements Step {
    }

    /** A VMX EPT violation with this fault type; VMX gives no instruction bytes. */
    record Ept(int faultType) implements Step {
    }

    /** The run ends with EINTR. */
    record Interrupted() implements Step {
    }

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
        if (request == abi.iocCreate) {
            return create(arg);
        } else if (request == abi.iocRun) {
            return run(arg);
        } else if (request == abi.iocReadregs) {
            return readRegs(arg);
        } else if (request == abi.iocWriteregs) {
            return writeRegs(arg);
        } else if (request == abi.iocIntr) {
            return intr(arg);
        } else if (request == abi.iocTerm) {
            return term(arg);
        } else if (request == abi.iocInfo) {
            return info(arg);
        } else if (request == abi.iocResetcpu) {
            return resetcpu(arg);
        }
        return -Errno.ENOTTY;
    }

    private synchronized int create(NativeMemory p) {
        CStruct c = abi.vmCreateParams;
        if (p.size() != c.size()) {
            return -Errno.EFAULT;
        }
        long n = p.getLong(c.offset("vcp_nmemranges"));
        long ncpus = p.getLong(c.offset("vcp_ncpus"));
        if (n < 1 || n > VMM_MAX_MEM_RANGES || ncpus < 1 || ncpus > VMM_MAX_VCPUS_PER_VM) {
            return -Errno.EINVAL;
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            long at = c.offset("vcp_memranges") + i * abi.vmMemRange.size();
            long gpa = p.getLong(at);
            long va = p.getLong(at + 8);
            long size = p.getLong(at + 16);
            NativeMemory m = mapped.get(va);
            if (m == null || m.size() != size || p.getInt(at + 24) != VM_MEM_RAM) {
                return -Errno.EINVAL; // the kernel rejects ranges not backed by this process's mappings
            }
            createdRanges.add(new long[] {gpa, va, size});
            total += size;
        }
        int id = nextId++;
        Vcpu[] vcpus = new Vcpu[(int) ncpus];
        for (int i = 0; i < vcpus.length; i++) {
            vcpus[i] = new Vcpu(abi.vcpuRegState.size());
            // power-on RFLAGS like the kernel's reset state
            vcpus[i].regs.putLong(8L * VCPU_REGS_RFLAGS, 0x2);
            vcpus[i].script.addAll(pendingScripts.getOrDefault(i, List.of()));
        }
        vms.put(id, new Vm(id, p.getString(c.offset("vcp_name")), total, 4242, vcpus));
        p.putInt(c.offset("vcp_id"), id);
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
        CStruct r = abi.vmRunParams;
        Vcpu v = find(p.getInt(r.offset("vrp_vm_id")), p.getInt(r.offset("vrp_vcpu_id")));
        if (v == null) {
            return -Errno.ENOENT;
        }
        NativeMemory exit = nat.view(p.getLong(r.offset("vrp_exit")), abi.vmExit.size());
        long vrs = abi.vmExit.offset("vrs");
        long rip = 8L * VCPU_REGS_RIP;
        long rax = 0;
        if (v.last instanceof Out || v.last instanceof In) {
            v.regs.putLong(rip, exit.getLong(vrs + rip));
            if (v.last instanceof In) {
                long mask = v.lastSize == 1 ? 0xff : v.lastSize == 2 ? 0xffff : 0xffff_ffffL;
                long old = v.regs.getLong(rax);
                v.regs.putLong(rax, (old & ~mask) | (exit.getUnsignedInt(abi.vmExit.offset("vei.vei_data")) & mask));
            }
        }
        v.ripAtEntry.add(v.regs.getLong(rip));
        v.raxAtEntry.add(v.regs.getLong(rax));
        if (abi.isCurrent()) {
            v.intrPending.add((int) p.getByte(r.offset("vrp_intr_pending")));
            if (p.getByte(r.offset("vrp_inject.vie_type")) == VCPU_INJECT_INTR) {
                v.injected.add(p.getUnsignedByte(r.offset("vrp_inject.vie_vector")));
            }
        } else {
            v.continued.add((int) p.getByte(r.offset("vrp_continue")));
            int irq = p.getUnsignedShort(r.offset("vrp_irq"));
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
            reason = abi.isCurrent() ? VMX_EXIT_IO : SVM_VMEXIT_IOIO;
        } else if (step instanceof In in) {
            v.lastSize = in.size();
            putInout(exit, in.size(), VEI_DIR_IN, in.port(), (int) v.regs.getLong(rax), in.insnLen());
            reason = VMX_EXIT_IO;
        } else if (step instanceof Ept ept) {
            exit.fill(0, abi.vmExit.offset("vrs"), (byte) 0);
            exit.putByte(abi.vmExit.offset("vee.vee_fault_type"), (byte) ept.faultType());
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
        v.regs.copyTo(0, exit, vrs, abi.vcpuRegState.size());
        p.putShort(r.offset("vrp_exit_reason"), (short) reason);
        p.putByte(r.offset("vrp_irqready"), (byte) 1);
        return 0;
    }

    private void putInout(NativeMemory exit, int size, int dir, int port, int data, int insnLen) {
        CStruct e = abi.vmExit;
        exit.putByte(e.offset("vei.vei_size"), (byte) size);
        exit.putByte(e.offset("vei.vei_dir"), (byte) dir);
        exit.putByte(e.offset("vei.vei_rep"), (byte) 0);
        exit.putByte(e.offset("vei.vei_string"), (byte) 0);
        exit.putShort(e.offset("vei.vei_port"), (short) port);
        exit.putInt(e.offset("vei.vei_data"), data);
        exit.putByte(e.offset("vei.vei_insn_len"), (byte) insnLen);
    }

    private int readRegs(NativeMemory p) {
        CStruct r = abi.vmRwregsParams;
        Vcpu v = find(p.getInt(r.offset("vrwp_vm_id")), p.getInt(r.offset("vrwp_vcpu_id")));
        if (v == null) {
            return -Errno.ENOENT;
        }
        v.regs.copyTo(0, p, r.offset("vrwp_regs"), abi.vcpuRegState.size());
        return 0;
    }

    private int writeRegs(NativeMemory p) {
        CStruct r = abi.vmRwregsParams;
        Vcpu v = find(p.getInt(r.offset("vrwp_vm_id")), p.getInt(r.offset("vrwp_vcpu_id")));
        if (v == null) {
            return -Errno.ENOENT;
        }
        long mask = p.getLong(r.offset("vrwp_mask"));
        long base = r.offset("vrwp_regs");
        CStruct s = abi.vcpuRegState;
        copyIf(mask, VM_RWREGS_GPRS, p, base, v.regs, s.offset("vrs_gprs"), 8L * VCPU_REGS_NGPRS);
        copyIf(mask, VM_RWREGS_CRS, p, base, v.regs, s.offset("vrs_crs"), 8L * VCPU_REGS_NCRS);
        copyIf(mask, VM_RWREGS_MSRS, p, base, v.regs, s.offset("vrs_msrs"), 8L * VCPU_REGS_NMSRS);
        copyIf(mask, VM_RWREGS_DRS, p, base, v.regs, s.offset("vrs_drs"), 8L * VCPU_REGS_NDRS);
        copyIf(mask, VM_RWREGS_SREGS, p, base, v.regs, s.offset("vrs_sregs"), s.size() - s.offset("vrs_sregs"));
        return 0;
    }

    private static void copyIf(long mask, int bit, NativeMemory src, long base, NativeMemory dst, long at, long len) {
        if ((mask & bit) != 0) {
            src.copyTo(base + at, dst, at, len);
        }
    }

    private int resetcpu(NativeMemory p) {
        CStruct r = abi.vmResetcpuParams;
        Vcpu v = find(p.getInt(r.offset("vrp_vm_id")), p.getInt(r.offset("vrp_vcpu_id")));
        if (v == null) {
            return -Errno.ENOENT;
        }
        p.copyTo(r.offset("vrp_init_state"), v.regs, 0, abi.vcpuRegState.size());
        v.last = null;
        return 0;
    }

    private int intr(NativeMemory p) {
        CStruct r = abi.vmIntrParams;
        int vmId = p.getInt(r.offset("vip_vm_id"));
        int vcpu = p.getInt(r.offset("vip_vcpu_id"));
        int value = p.getUnsignedShort(r.offset("vip_intr"));
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
        int id = p.getInt(abi.vmTerminateParams.offset("vtp_vm_id"));
        Vm vm = vms.get(id);
        if (vm == null || vm.terminated) {
            return -Errno.ENOENT;
        }
        vm.terminated = true;
        terminated.add(id);
        return 0;
    }

    private synchronized int info(NativeMemory p) {
        CStruct ip = abi.vmInfoParams;
        CStruct ir = abi.vmInfoResult;
        List<Vm> live = new ArrayList<>();
        for (Vm vm : vms.values()) {
            if (!vm.terminated) {
                live.add(vm);
            }
        }
        long need = live.size() * ir.size();
        if (p.getLong(ip.offset("vip_size")) < need) {
            p.putLong(ip.offset("vip_size"), need);
            p.putLong(ip.offset("vip_info_ct"), 0);
            return 0;
        }
        NativeMemory out = nat.view(p.getLong(ip.offset("vip_info")), need);
        for (int i = 0; i < live.size(); i++) {
            Vm vm = live.get(i);
            long at = i * ir.size();
            out.putLong(at + ir.offset("vir_memory_size"), vm.memory);
            out.putLong(at + ir.offset("vir_used_size"), vm.memory / 2);
            out.putLong(at + ir.offset("vir_ncpus"), vm.vcpus.length);
            for (int c = 0; c < vm.vcpus.length; c++) {
                out.putByte(at + ir.offset("vir_vcpu_state") + c, (byte) VCPU_STATE_RUNNING);
            }
            out.putInt(at + ir.offset("vir_creator_pid"), vm.pid);
            out.putInt(at + ir.offset("vir_id"), vm.id);
            out.slice(at + ir.offset("vir_name"), VMM_MAX_NAME_LEN).putString(0, vm.name);
        }
        p.putLong(ip.offset("vip_info_ct"), live.size());
        return 0;
    }
}
