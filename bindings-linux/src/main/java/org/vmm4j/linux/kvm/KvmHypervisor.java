package org.vmm4j.linux.kvm;

import org.vmm4j.Hypervisor;

/** {@link Hypervisor} over {@code /dev/kvm}. */
public final class KvmHypervisor implements Hypervisor {
    private final KvmSystem system;

    public KvmHypervisor(KvmSystem system) {
        this.system = system;
    }

    /** The underlying {@code /dev/kvm} handle, for KVM-specific calls. */
    public KvmSystem system() {
        return system;
    }

    @Override
    public String kind() {
        return "kvm";
    }

    @Override
    public KvmVm createVm() {
        return system.createVm();
    }

    @Override
    public void close() {
        system.close();
    }
}
