package org.vmm4j.linux;

import static org.vmm4j.linux.abi.KvmHeader.*;

import java.util.List;
import java.util.Objects;
import org.vmm4j.CpuidEntry;
import org.vmm4j.StateSection;
import org.vmm4j.VirtualCpu;
import org.vmm4j.boot.CpuidNormalizer;
import org.vmm4j.boot.VcpuInit;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.x86.CpuModel;
import org.vmm4j.x86.InterruptLine;
import org.vmm4j.x86.Irqchip;
import org.vmm4j.x86.MsiController;
import org.vmm4j.x86.X86Platform;

/**
 * KVM's part of an x86 machine, in the order Firecracker sets it up: TSS and identity map, in-kernel
 * irqchip, PIT2 (or, for {@link Irqchip#SPLIT}, KVM_CAP_SPLIT_IRQCHIP and no PIT); then per vCPU the CPU
 * model's CPUID (normalized) before MSRs, the boot MSRs, FPU, LAPIC LINT0/LINT1. One per {@link KvmVm}.
 */
final class KvmX86Platform implements X86Platform, MsiController {
    /** Three pages just below the 4 GiB boundary's BIOS area, as Firecracker and QEMU place them. */
    static final long TSS_ADDRESS = 0xfffb_d000L;

    static final long IDENTITY_MAP_ADDRESS = 0xfffb_c000L;
    private static final int ISA_IRQS = 24;

    private final KvmVm vm;
    private Irqchip irqchip;
    /** What every vCPU of this VM saves; found again only when an irqchip brought in-kernel LAPICs. */
    private KvmVcpuState.Shape shape;
    /** KVM_GET_MSR_INDEX_LIST, read once. */
    private int[] msrIndices;

    KvmX86Platform(KvmVm vm) {
        this.vm = vm;
    }

    @Override
    public synchronized void prepare(Irqchip where) {
        if (irqchip != null) {
            throw new IllegalStateException("the VM's x86 platform was prepared already (" + irqchip + ")");
        }
        if (!vm.vcpus().isEmpty()) {
            throw new IllegalStateException("prepare the x86 platform before creating vCPUs");
        }
        vm.setIdentityMapAddress(IDENTITY_MAP_ADDRESS);
        vm.setTssAddress(TSS_ADDRESS);
        if (where == Irqchip.SPLIT) {
            vm.enableSplitIrqchip(Irqchip.IOAPIC_PINS);
        } else {
            vm.createIrqchip();
            vm.createPit2();
        }
        irqchip = where;
    }

    @Override
    public List<CpuidEntry> supportedCpuid() {
        return vm.system().cachedSupportedCpuid();
    }

    @Override
    public KvmVcpu createBootVcpu(int id, int vcpuCount) {
        return createBootVcpu(id, vcpuCount, CpuModel.host().apply(supportedCpuid()));
    }

    @Override
    public KvmVcpu createBootVcpu(int id, int vcpuCount, List<CpuidEntry> cpuid) {
        if (vcpuCount < 1 || id < 0 || id >= vcpuCount) {
            throw new IllegalArgumentException("vCPU id " + id + " is outside 0.." + (vcpuCount - 1));
        }
        KvmVcpu cpu = vm.createVcpu(id);
        try {
            cpu.setCpuid(CpuidNormalizer.normalize(cpuid, id, vcpuCount));
            List<VcpuInit.Msr> msrs = VcpuInit.bootMsrs();
            int[] indices = new int[msrs.size()];
            long[] values = new long[msrs.size()];
            for (int i = 0; i < msrs.size(); i++) {
                indices[i] = msrs.get(i).index();
                values[i] = msrs.get(i).value();
            }
            cpu.setMsrs(indices, values);
            cpu.setFpu(VcpuInit.FPU_CONTROL_WORD, VcpuInit.MXCSR);
            byte[] lapic = cpu.lapic();
            VcpuInit.configureLint(lapic);
            cpu.setLapic(lapic);
            return cpu;
        } catch (RuntimeException e) {
            cpu.close();
            throw e;
        }
    }

    @Override
    public MsiController msiController() {
        require(Irqchip.SPLIT);
        return this;
    }

    @Override
    public boolean signalMsi(long address, int data) {
        return vm.signalMsi(address, data);
    }

    @Override
    public void setIoapicRoutes(long[] addresses, int[] data, boolean[] enabled) {
        vm.setMsiRoutes(addresses, data, enabled);
    }

    @Override
    public InterruptLine interruptLine(int irq) {
        require(Irqchip.KERNEL);
        if (irq < 0 || irq >= ISA_IRQS) {
            throw new IllegalArgumentException(
                    "IRQ " + irq + " is outside the in-kernel irqchip's 0.." + (ISA_IRQS - 1));
        }
        return asserted -> vm.setIrqLine(irq, asserted);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sections (in this order): {@code kvm.cpuid}, {@code kvm.tsc-khz} where KVM reports it,
     * {@code kvm.regs}, {@code kvm.sregs2} with the PAE page-directory pointers where KVM has KVM_CAP_SREGS2 (else
     * {@code kvm.sregs}), {@code kvm.nested} where KVM has KVM_CAP_NESTED_STATE and the vCPU's CPUID offers VMX or
     * SVM, {@code kvm.xsave} ({@code kvm.fpu} where KVM has no XSAVE),
     * {@code kvm.xcrs} and {@code kvm.debugregs} where KVM offers them, {@code kvm.lapic} with an in-kernel
     * LAPIC, {@code kvm.msrs} (every MSR of KVM_GET_MSR_INDEX_LIST this vCPU has, the TSC deadline last),
     * {@code kvm.mpstate}, {@code kvm.events}. A handled I/O or MMIO exit is completed first (KVM_RUN with
     * {@code immediate_exit}: no guest code runs), so that the restored vCPU does not repeat the access.
     *
     * @throws IllegalArgumentException if {@code cpu} is not a vCPU of this VM
     */
    @Override
    public List<StateSection> saveVcpuState(VirtualCpu cpu) {
        return KvmVcpuState.save(own(cpu), vcpuShape(), msrIndices());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Restores CPUID, the TSC frequency (scaled by KVM if this host's differs), special registers (from
     * {@code kvm.sregs2} or, in an older snapshot, {@code kvm.sregs}), nested state, general registers, XSAVE (or
     * FPU), XCRs, debug registers, LAPIC, MSRs, MP state and events, in that order; then tells a guest using
     * kvmclock that it was stopped (KVM_KVMCLOCK_CTRL). A {@code kvm.sregs2} or {@code kvm.nested} section on a
     * host whose KVM lacks KVM_CAP_SREGS2 or KVM_CAP_NESTED_STATE is refused, naming the section and the ioctl.
     */
    @Override
    public void restoreVcpuState(VirtualCpu cpu, List<StateSection> state) {
        Objects.requireNonNull(state, "state");
        KvmVcpuState.restore(own(cpu), vcpuShape(), state);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sections: {@code kvm.pic-master}, {@code kvm.pic-slave} and {@code kvm.ioapic} with the in-kernel
     * irqchip ({@link Irqchip#KERNEL}), {@code kvm.pit2} with the in-kernel PIT (also {@link Irqchip#KERNEL});
     * {@code kvm.clock} where KVM has KVM_CAP_ADJUST_CLOCK.
     *
     * @throws IllegalStateException if a vCPU is running
     */
    @Override
    public List<StateSection> saveVmState() {
        synchronized (vm) { // one user of the VM's state buffer at a time
            for (VirtualCpu cpu : vm.vcpus()) {
                ((KvmVcpu) cpu).checkStopped();
            }
            return KvmVmState.save(vm, vm.hasKernelIrqchip(), vm.hasPit(), hasClock());
        }
    }

    @Override
    public void restoreVmState(List<StateSection> state) {
        Objects.requireNonNull(state, "state");
        synchronized (vm) {
            for (VirtualCpu cpu : vm.vcpus()) {
                ((KvmVcpu) cpu).checkStopped();
            }
            KvmVmState.restore(vm, vm.hasKernelIrqchip(), vm.hasPit(), hasClock(), state);
        }
    }

    private boolean hasClock() {
        return vm.checkExtension(KVM_CAP_ADJUST_CLOCK) > 0;
    }

    private KvmVcpu own(VirtualCpu cpu) {
        Objects.requireNonNull(cpu, "cpu");
        if (!(cpu instanceof KvmVcpu k) || k.vm() != vm) {
            throw new IllegalArgumentException("vCPU " + cpu.id() + " is not a vCPU of this VM");
        }
        return k;
    }

    private synchronized KvmVcpuState.Shape vcpuShape() {
        boolean lapic = vm.hasLocalApics();
        if (shape == null || shape.lapic() != lapic) {
            int xsave2 = vm.checkExtension(KVM_CAP_XSAVE2);
            int xsaveSize = xsave2 >= KvmStructs.Xsave.SIZE
                    ? xsave2
                    : vm.checkExtension(KVM_CAP_XSAVE) > 0 ? KvmStructs.Xsave.SIZE : 0;
            shape = new KvmVcpuState.Shape(
                    xsaveSize,
                    xsave2 >= KvmStructs.Xsave.SIZE,
                    vm.checkExtension(KVM_CAP_XCRS) > 0,
                    vm.checkExtension(KVM_CAP_DEBUGREGS) > 0,
                    lapic,
                    vm.checkExtension(KVM_CAP_GET_TSC_KHZ) > 0,
                    vm.checkExtension(KVM_CAP_KVMCLOCK_CTRL) > 0,
                    vm.checkExtension(KVM_CAP_SREGS2) > 0,
                    vm.checkExtension(KVM_CAP_NESTED_STATE));
        }
        return shape;
    }

    private synchronized int[] msrIndices() {
        if (msrIndices == null) {
            msrIndices = vm.system().msrIndexList();
        }
        return msrIndices;
    }

    private synchronized void require(Irqchip expected) {
        if (irqchip != expected) {
            throw new IllegalStateException("the VM's x86 platform is " + (irqchip == null ? "not prepared" : irqchip)
                    + "; this needs " + expected);
        }
    }
}
