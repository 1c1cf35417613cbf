package org.vmm4j.freebsd;

import java.util.List;

import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.freebsd.host.BhyveProbe;
import org.vmm4j.freebsd.host.FreeBsdHostFacts;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.spi.HypervisorProvider;

/** The bhyve backend's entry for {@link java.util.ServiceLoader}. */
public final class BhyveProvider implements HypervisorProvider {
    /** The kind of this backend. */
    public static final String KIND = "bhyve";

    /** Called by {@link java.util.ServiceLoader}; opens nothing. */
    public BhyveProvider() {
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean supportsCurrentOs() {
        return Os.current() == Os.FREEBSD;
    }

    @Override
    public List<HypervisorInfo> probe() {
        return List.of(new BhyveProbe(new FreeBsdHostFacts()).probe());
    }

    @Override
    public Hypervisor open() {
        if (!supportsCurrentOs()) {
            throw new HypervisorUnavailableException("bhyve is FreeBSD's hypervisor; this is " + System.getProperty("os.name"));
        }
        requireSupportedKernel(new FreeBsdHostFacts().sysctl("kern.osreldate"));
        return BhyveHypervisor.open();
    }

    /**
     * The backend speaks the vmm(4) ABI of FreeBSD 14 (VM_RUN with a vm_exit pointer, the
     * {@code struct vcpu} libvmmapi); 15 keeps every ioctl it issues directly (its memseg change is
     * behind libvmmapi). 13 and older differ and are refused.
     *
     * @throws HypervisorUnavailableException for a kernel older than 14.0
     */
    static void requireSupportedKernel(java.util.Optional<String> osreldate) {
        if (osreldate.isEmpty()) {
            return; // unknown: let libvmmapi decide
        }
        int version;
        try {
            version = Integer.parseInt(osreldate.get().strip());
        } catch (NumberFormatException e) {
            return;
        }
        if (version < BhyveProbe.OSRELDATE_14) {
            throw new HypervisorUnavailableException("FreeBSD " + version + " (kern.osreldate) predates the 14.0 vmm(4) "
                    + "ABI this backend speaks; upgrade to FreeBSD 14 or later");
        }
    }
}
