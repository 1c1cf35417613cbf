package org.vmm4j.linux;

import org.vmm4j.Hypervisor;
import org.vmm4j.linux.host.LinuxProbe;
import org.vmm4j.linux.host.LiveLinuxHostFacts;

/** {@link Hypervisor} over {@code /dev/kvm}. */
public final class KvmHypervisor implements Hypervisor {
    /** The kind of this backend, as {@link Hypervisor#open(String)} and the probe name it. */
    public static final String KIND = "kvm";

    private final KvmSystem system;
    private final boolean emulatesGuestCode;

    /** Over {@code system}, asking the host (its loaded modules) whether guest code is emulated. */
    public KvmHypervisor(KvmSystem system) {
        this(system, LinuxProbe.guestCodeEmulated(new LiveLinuxHostFacts()));
    }

    /** Over {@code system}, told whether KVM emulates guest code here (see {@link #emulatesGuestCode()}). */
    public KvmHypervisor(KvmSystem system, boolean emulatesGuestCode) {
        this.system = system;
        this.emulatesGuestCode = emulatesGuestCode;
    }

    /** The underlying {@code /dev/kvm} handle, for KVM-specific calls. */
    public KvmSystem system() {
        return system;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** True where KVM runs through {@code kvm_pvm}: see {@link LinuxProbe#guestCodeEmulated}. */
    @Override
    public boolean emulatesGuestCode() {
        return emulatesGuestCode;
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
