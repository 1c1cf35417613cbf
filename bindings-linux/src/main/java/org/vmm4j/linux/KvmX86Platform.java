package org.vmm4j.linux;

import java.util.List;
import org.vmm4j.CpuidEntry;
import org.vmm4j.boot.CpuidNormalizer;
import org.vmm4j.boot.VcpuInit;
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

    private synchronized void require(Irqchip expected) {
        if (irqchip != expected) {
            throw new IllegalStateException("the VM's x86 platform is " + (irqchip == null ? "not prepared" : irqchip)
                    + "; this needs " + expected);
        }
    }
}
