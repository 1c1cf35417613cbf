package org.vmm4j.linux.kvm;

import java.util.List;

import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.spi.HypervisorProvider;

/** Linux's backend for {@link java.util.ServiceLoader}: KVM in process, and what the host has for libvirt and QEMU. */
public final class KvmProvider implements HypervisorProvider {

    /** Called by {@link java.util.ServiceLoader}; opens nothing. */
    public KvmProvider() {
    }

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

    /** libvirt is Linux's guest manager: {@code qemu:///system} unless another URI is given. */
    @Override
    public java.util.Optional<org.vmm4j.guest.GuestManager> connectGuests(String uri) {
        return java.util.Optional.of(uri == null ? org.vmm4j.linux.libvirt.LibvirtGuestManager.connect()
                : org.vmm4j.linux.libvirt.LibvirtGuestManager.connect(uri));
    }

    @Override
    public Hypervisor open() {
        NativeAccess.get();
        return new KvmHypervisor(KvmSystem.open());
    }
}
