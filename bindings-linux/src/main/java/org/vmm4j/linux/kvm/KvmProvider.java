package org.vmm4j.linux.kvm;

import java.util.List;

import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.spi.HypervisorProvider;

/** Linux's backend for {@link java.util.ServiceLoader}: KVM in process, and what the host has for libvirt and QEMU. */
public final class KvmProvider implements HypervisorProvider {

    @Override
    public String kind() {
        return "kvm";
    }

    @Override
    public boolean supportsCurrentOs() {
        return Os.current() == Os.LINUX;
    }

    @Override
    public List<HypervisorInfo> probe() {
        return new LinuxProbe().probe();
    }

    @Override
    public Hypervisor open() {
        NativeAccess.get();
        return new KvmHypervisor(KvmSystem.open());
    }
}
