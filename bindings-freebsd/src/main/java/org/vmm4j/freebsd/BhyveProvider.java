package org.vmm4j.freebsd;

import java.util.List;
import java.util.Optional;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.freebsd.guest.BhyveGuestManager;
import org.vmm4j.freebsd.host.BhyveProbe;
import org.vmm4j.freebsd.internal.BhyveHost;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.spi.HypervisorProvider;

/**
 * The bhyve backend's entry for {@link java.util.ServiceLoader}: {@link Hypervisor#open()} on FreeBSD
 * gives a {@link BhyveHypervisor}, {@link GuestManager#connect(String)} a {@link BhyveGuestManager}.
 */
public final class BhyveProvider implements HypervisorProvider {

    /** Instantiated by {@link java.util.ServiceLoader}; holds no state. */
    public BhyveProvider() {}

    @Override
    public String kind() {
        return BhyveHypervisor.KIND;
    }

    @Override
    public boolean supportsCurrentOs() {
        return BhyveHost.current().freeBsd();
    }

    @Override
    public List<HypervisorInfo> probe() {
        return List.of(new BhyveProbe(BhyveHost.current().facts()).probe());
    }

    @Override
    public Hypervisor open() {
        BhyveHost host = BhyveHost.current();
        if (!host.freeBsd()) {
            throw new HypervisorUnavailableException(
                    "bhyve is FreeBSD's hypervisor; this is " + System.getProperty("os.name"));
        }
        requireSupportedKernel(host.facts().sysctl("kern.osreldate"));
        return BhyveHypervisor.open();
    }

    /**
     * The bhyve guests of this host, supervised by vmm4j: see {@link BhyveGuestManager#connect(String)}
     * for the URIs ({@code null} or {@value BhyveGuestManager#DEFAULT_URI} for the default layout).
     *
     * @throws IllegalArgumentException for a URI that does not name a bhyve guest layout
     */
    @Override
    public Optional<GuestManager> connectGuests(String uri) {
        return Optional.of(BhyveGuestManager.connect(uri));
    }

    /**
     * The backend speaks the vmm(4) ABI of FreeBSD 14 (VM_RUN with a vm_exit pointer, the
     * {@code struct vcpu} libvmmapi); 15 keeps every ioctl it issues directly (its memseg change is
     * behind libvmmapi). 13 and older differ and are refused.
     *
     * @throws HypervisorUnavailableException for a kernel older than 14.0
     */
    static void requireSupportedKernel(Optional<String> osreldate) {
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
            throw new HypervisorUnavailableException(
                    "FreeBSD " + version + " (kern.osreldate) predates the 14.0 vmm(4) "
                            + "ABI this backend speaks; upgrade to FreeBSD 14 or later");
        }
    }
}
