package org.vmm4j;

import java.util.ArrayList;
import java.util.List;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.spi.HypervisorProvider;

/**
 * The operating system's hypervisor, opened in this process. Entry point of the library:
 *
 * <pre>{@code
 * try (Hypervisor hv = Hypervisor.open(); VirtualMachine vm = hv.createVm()) {
 *     GuestMemory ram = vm.allocateMemory(0x1000, 0x1000);
 *     VirtualCpu cpu = vm.createVcpu(0);
 *     ...
 * }
 * }</pre>
 */
public interface Hypervisor extends AutoCloseable {

    /**
     * Opens the first backend on the class path (or module path) that supports this operating
     * system and can be used.
     *
     * @throws HypervisorUnavailableException saying, for each backend tried, why it could not be used
     */
    static Hypervisor open() {
        return open(null);
    }

    /**
     * Opens the backend of the given kind ({@code "kvm"}, {@code "bhyve"}, {@code "openbsd-vmm"}),
     * or the first usable one when {@code kind} is {@code null}.
     */
    static Hypervisor open(String kind) {
        List<String> reasons = new ArrayList<>();
        for (HypervisorProvider provider : HypervisorProvider.installed()) {
            if (kind != null && !provider.kind().equals(kind)) {
                continue;
            }
            if (!provider.supportsCurrentOs()) {
                reasons.add(provider.kind() + ": not for " + System.getProperty("os.name"));
                continue;
            }
            try {
                return provider.open();
            } catch (HypervisorUnavailableException e) {
                reasons.add(provider.kind() + ": " + e.getMessage());
            }
        }
        if (reasons.isEmpty()) {
            throw new HypervisorUnavailableException("no vmm4j backend" + (kind == null ? "" : " of kind " + kind)
                    + " on the class path for " + System.getProperty("os.name")
                    + " (add vmm4j-bindings-linux, -freebsd or -openbsd)");
        }
        throw new HypervisorUnavailableException("no usable hypervisor: " + String.join("; ", reasons));
    }

    /**
     * What the host offers, from every installed backend, without opening anything exclusive.
     * Never throws for an absent or unusable hypervisor: that is what the answer reports.
     */
    static HostCapabilities probe() {
        List<HypervisorInfo> infos = new ArrayList<>();
        for (HypervisorProvider provider : HypervisorProvider.installed()) {
            if (provider.supportsCurrentOs()) {
                infos.addAll(provider.probe());
            }
        }
        return new HostCapabilities(
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                System.getProperty("os.arch"),
                NativeAccess.describe(),
                infos);
    }

    /** The kind, e.g. {@code "kvm"}; still answers after {@link #close()}. */
    String kind();

    /**
     * Creates an empty VM: no memory, no vCPUs.
     *
     * @throws IllegalStateException if this hypervisor is closed
     */
    VirtualMachine createVm();

    /**
     * Whether this hypervisor runs guest code through its instruction emulator rather than on the CPU, as
     * KVM does when it is itself nested through PVM ({@code kvm_pvm}). There, instructions the emulator
     * cannot complete (POPCNT, XSAVE/XRSTOR, RDFSBASE/WRGSBASE, CLAC/STAC, RDRAND/RDSEED) stop the guest,
     * and the CPUID the guest sees is only partly the VMM's to choose: bits outside the hypervisor's
     * supported set come from the host CPU. The {@code auto} {@link org.vmm4j.x86.CpuModel} follows this.
     */
    default boolean emulatesGuestCode() {
        return false;
    }

    /**
     * The host's managed guests (tier 2) through this platform's manager (libvirt on Linux); the
     * caller closes it.
     */
    default org.vmm4j.guest.GuestManager guests() {
        return org.vmm4j.guest.GuestManager.connect();
    }

    /**
     * Releases the hypervisor handle; VMs created from it stay usable until closed. Idempotent; any
     * later {@link #createVm()} throws {@link IllegalStateException}.
     */
    @Override
    void close();
}
