package org.vmm4j.linux;

import java.util.List;
import java.util.Optional;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.linux.guest.LibvirtGuestManager;
import org.vmm4j.linux.host.LinuxProbe;
import org.vmm4j.linux.host.LiveLinuxHostFacts;
import org.vmm4j.spi.HypervisorProvider;

/** Linux's backend for {@link java.util.ServiceLoader}: KVM in process, and what the host has for libvirt and QEMU. */
public final class KvmProvider implements HypervisorProvider {

    /** Made by {@link java.util.ServiceLoader}. */
    public KvmProvider() {}

    @Override
    public String kind() {
        return KvmHypervisor.KIND;
    }

    @Override
    public boolean supportsCurrentOs() {
        return Os.current() == Os.LINUX;
    }

    @Override
    public List<HypervisorInfo> probe() {
        return new LinuxProbe(new LiveLinuxHostFacts()).probe();
    }

    /** libvirt is Linux's guest manager: {@code qemu:///system} unless another URI is given. */
    @Override
    public Optional<GuestManager> connectGuests(String uri) {
        return Optional.of(uri == null ? LibvirtGuestManager.connect() : LibvirtGuestManager.connect(uri));
    }

    @Override
    public Hypervisor open() {
        NativeAccess.get();
        return new KvmHypervisor(KvmSystem.open(), LinuxProbe.guestCodeEmulated(new LiveLinuxHostFacts()));
    }
}
