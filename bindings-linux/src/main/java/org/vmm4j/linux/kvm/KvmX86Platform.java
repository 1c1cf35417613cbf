package org.vmm4j.linux.kvm;

import java.util.List;

import org.vmm4j.CpuidEntry;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.boot.CpuidNormalizer;
import org.vmm4j.boot.VcpuInit;
import org.vmm4j.machine.InterruptLine;
import org.vmm4j.machine.IoApic;
import org.vmm4j.machine.Irqchip;
import org.vmm4j.machine.MsiController;
import org.vmm4j.machine.X86Platform;

/**
 * KVM's part of an x86 machine, in the order Firecracker sets it up: TSS and identity map, in-kernel
 * irqchip, PIT2 (or, for {@link Irqchip#SPLIT}, KVM_CAP_SPLIT_IRQCHIP and no PIT); then per vCPU CPUID
 * (normalized) before MSRs, the boot MSRs, FPU, LAPIC LINT0/LINT1.
 */
final class KvmX86Platform implements X86Platform {
    /** Three pages just below the 4 GiB boundary's BIOS area, as Firecracker and QEMU place them. */
    static final long TSS_ADDRESS = 0xfffb_d000L;
    static final long IDENTITY_MAP_ADDRESS = 0xfffb_c000L;

    private final KvmSystem system;
    private volatile List<CpuidEntry> supported;

    KvmX86Platform(KvmSystem system) {
        this.system = system;
    }

    @Override
    public void prepareVm(VirtualMachine vm, Irqchip irqchip) {
        KvmVm kvm = (KvmVm) vm;
        kvm.setIdentityMapAddress(IDENTITY_MAP_ADDRESS);
        kvm.setTssAddress(TSS_ADDRESS);
        if (irqchip == Irqchip.SPLIT) {
            kvm.enableSplitIrqchip(IoApic.PINS);
        } else {
            kvm.createIrqchip();
            kvm.createPit2();
        }
    }

    @Override
    public MsiController msiController(VirtualMachine vm) {
        KvmVm kvm = (KvmVm) vm;
        return new MsiController() {
            @Override
            public boolean signalMsi(long address, int data) {
                return kvm.signalMsi(address, data);
            }

            @Override
            public void setIoapicRoutes(long[] addresses, int[] data, boolean[] enabled) {
                kvm.setMsiRoutes(addresses, data, enabled);
            }
        };
    }

    @Override
    public void prepareVcpu(VirtualMachine vm, VirtualCpu cpu, int vcpuCount) {
        KvmVcpu kvm = (KvmVcpu) cpu;
        kvm.setCpuid(CpuidNormalizer.normalize(supportedCpuid(), cpu.id(), vcpuCount));
        List<VcpuInit.Msr> msrs = VcpuInit.bootMsrs();
        int[] indices = new int[msrs.size()];
        long[] values = new long[msrs.size()];
        for (int i = 0; i < msrs.size(); i++) {
            indices[i] = msrs.get(i).index();
            values[i] = msrs.get(i).value();
        }
        kvm.setMsrs(indices, values);
        kvm.setFpu(VcpuInit.FPU_CONTROL_WORD, VcpuInit.MXCSR);
        byte[] lapic = kvm.lapic();
        VcpuInit.configureLint(lapic);
        kvm.setLapic(lapic);
    }

    /** KVM_GET_SUPPORTED_CPUID once per hypervisor handle: it does not change while the host runs. */
    private List<CpuidEntry> supportedCpuid() {
        List<CpuidEntry> s = supported;
        if (s == null) {
            supported = s = List.copyOf(system.supportedCpuid());
        }
        return s;
    }

    @Override
    public InterruptLine interruptLine(VirtualMachine vm, int irq) {
        KvmVm kvm = (KvmVm) vm;
        return asserted -> kvm.setIrqLine(irq, asserted);
    }
}
