package org.vmm4j.linux;

import java.util.ArrayList;
import java.util.List;
import org.vmm4j.x86.Irqchip;

/**
 * The KVM VMs of one test on the real /dev/kvm, closed with the system handle when the test ends (a field marked
 * with JUnit's {@code @AutoClose}).
 */
final class TestVms implements AutoCloseable {
    private final KvmSystem kvm = KvmSystem.open();
    private final List<KvmVm> vms = new ArrayList<>();

    /** A new VM, closed with this. */
    KvmVm create() {
        KvmVm vm = kvm.createVm();
        vms.add(vm);
        return vm;
    }

    /** A new VM with its interrupt controllers where {@code irqchip} says, closed with this. */
    KvmVm prepared(Irqchip irqchip) {
        KvmVm vm = create();
        vm.x86().prepare(irqchip);
        return vm;
    }

    /** The system handle, for VMs a test closes itself. */
    KvmSystem kvm() {
        return kvm;
    }

    @Override
    public void close() {
        vms.forEach(KvmVm::close);
        kvm.close();
    }
}
