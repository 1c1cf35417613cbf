package org.vmm4j.linux;

import static org.vmm4j.linux.abi.KvmHeader.*;

import java.util.ArrayList;
import java.util.List;
import org.vmm4j.StateSection;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.KvmStructs;

/**
 * The VM-wide state KVM holds, as named sections of the kernel's structs (x86-64, Linux 6.1 UAPI): the
 * in-kernel PICs, IOAPIC and PIT where the irqchip is {@link org.vmm4j.x86.Irqchip#KERNEL} (with a split
 * irqchip the IOAPIC and PIC are the VMM's and there is no PIT), and kvmclock. A PIC or IOAPIC section holds the
 * 512-byte chip union of {@code struct kvm_irqchip}; the section's name says which chip.
 */
final class KvmVmState {
    static final String PIC_MASTER = "kvm.pic-master";
    static final String PIC_SLAVE = "kvm.pic-slave";
    static final String IOAPIC = "kvm.ioapic";
    static final String PIT2 = "kvm.pit2";
    static final String CLOCK = "kvm.clock";

    private KvmVmState() {}

    static List<StateSection> save(KvmVm vm, boolean kernelIrqchip, boolean pit, boolean clock) {
        List<StateSection> out = new ArrayList<>(5);
        {
            NativeMemory buffer = vm.stateBuffer(KvmStructs.Irqchip.SIZE);
            if (kernelIrqchip) {
                out.add(new StateSection(PIC_MASTER, getChip(vm, buffer, KVM_IRQCHIP_PIC_MASTER)));
                out.add(new StateSection(PIC_SLAVE, getChip(vm, buffer, KVM_IRQCHIP_PIC_SLAVE)));
                out.add(new StateSection(IOAPIC, getChip(vm, buffer, KVM_IRQCHIP_IOAPIC)));
            }
            if (pit) {
                buffer.fill(0, KvmStructs.PitState2.SIZE, (byte) 0);
                Errno.check(vm.ioctl(KVM_GET_PIT2, buffer), "ioctl(KVM_GET_PIT2)");
                out.add(new StateSection(PIT2, buffer.toArray(0, KvmStructs.PitState2.SIZE)));
            }
            if (clock) {
                buffer.fill(0, KvmStructs.ClockData.SIZE, (byte) 0);
                Errno.check(vm.ioctl(KVM_GET_CLOCK, buffer), "ioctl(KVM_GET_CLOCK)");
                out.add(new StateSection(CLOCK, buffer.toArray(0, KvmStructs.ClockData.SIZE)));
            }
        }
        return out;
    }

    static void restore(KvmVm vm, boolean kernelIrqchip, boolean pit, boolean clock, List<StateSection> state) {
        byte[] master = null, slave = null, ioapic = null, pit2 = null, kvmclock = null;
        if (kernelIrqchip) {
            master = KvmVcpuState.require(state, PIC_MASTER, KvmStructs.Irqchip.CHIP_SIZE);
            slave = KvmVcpuState.require(state, PIC_SLAVE, KvmStructs.Irqchip.CHIP_SIZE);
            ioapic = KvmVcpuState.require(state, IOAPIC, KvmStructs.Irqchip.CHIP_SIZE);
        }
        if (pit) {
            pit2 = KvmVcpuState.require(state, PIT2, KvmStructs.PitState2.SIZE);
        }
        if (clock) {
            kvmclock = KvmVcpuState.require(state, CLOCK, KvmStructs.ClockData.SIZE);
        }
        {
            NativeMemory buffer = vm.stateBuffer(KvmStructs.Irqchip.SIZE);
            if (pit) {
                buffer.put(0, pit2, 0, pit2.length);
                check(vm.ioctl(KVM_SET_PIT2, buffer), "KVM_SET_PIT2", PIT2);
            }
            if (kernelIrqchip) {
                setChip(vm, buffer, KVM_IRQCHIP_PIC_MASTER, PIC_MASTER, master);
                setChip(vm, buffer, KVM_IRQCHIP_PIC_SLAVE, PIC_SLAVE, slave);
                setChip(vm, buffer, KVM_IRQCHIP_IOAPIC, IOAPIC, ioapic);
            }
            if (clock) {
                buffer.put(0, kvmclock, 0, kvmclock.length);
                // KVM_GET_CLOCK reports TSC_STABLE, REALTIME and HOST_TSC; KVM_SET_CLOCK refuses the flags
                // before Linux 5.16 and since then would, for REALTIME, advance the clock by the wall time
                // between save and restore. A restored guest continues from the instant it was saved, as its
                // TSC does, so no flag is passed on.
                buffer.putInt(KvmStructs.ClockData.FLAGS, 0);
                check(vm.ioctl(KVM_SET_CLOCK, buffer), "KVM_SET_CLOCK", CLOCK);
            }
        }
    }

    private static byte[] getChip(KvmVm vm, NativeMemory buffer, int chip) {
        buffer.fill(0, KvmStructs.Irqchip.SIZE, (byte) 0);
        buffer.putInt(KvmStructs.Irqchip.CHIP_ID, chip);
        Errno.check(vm.ioctl(KVM_GET_IRQCHIP, buffer), "ioctl(KVM_GET_IRQCHIP, chip " + chip + ")");
        return buffer.toArray(KvmStructs.Irqchip.CHIP, KvmStructs.Irqchip.CHIP_SIZE);
    }

    private static void setChip(KvmVm vm, NativeMemory buffer, int chip, String section, byte[] data) {
        buffer.fill(0, KvmStructs.Irqchip.SIZE, (byte) 0);
        buffer.putInt(KvmStructs.Irqchip.CHIP_ID, chip);
        buffer.put(KvmStructs.Irqchip.CHIP, data, 0, data.length);
        check(vm.ioctl(KVM_SET_IRQCHIP, buffer), "KVM_SET_IRQCHIP, chip " + chip, section);
    }

    private static void check(long r, String ioctl, String section) {
        if (r < 0) {
            throw KvmVcpuState.refused(section, Errno.exception("ioctl(" + ioctl + ")", (int) -r));
        }
    }
}
