package org.vmm4j.linux;

import org.vmm4j.Hypervisor;

/** {@link Hypervisor} over {@code /dev/kvm}. */
public final class KvmHypervisor implements Hypervisor {
    /** The kind of this backend, as {@link Hypervisor#open(String)} and the probe name it. */
    public static final String KIND = "kvm";

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
        return KIND;
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
