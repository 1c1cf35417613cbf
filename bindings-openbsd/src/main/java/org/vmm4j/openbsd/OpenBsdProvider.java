package org.vmm4j.openbsd;

import java.util.List;
import java.util.Optional;
import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.guest.VmdClient;
import org.vmm4j.openbsd.guest.VmdGuestManager;
import org.vmm4j.openbsd.guest.VmdProtocol;
import org.vmm4j.openbsd.host.LiveOpenBsdHostFacts;
import org.vmm4j.openbsd.host.OpenBsdProbe;
import org.vmm4j.openbsd.internal.DevVmm;
import org.vmm4j.openbsd.internal.OpenBsdSysctl;
import org.vmm4j.spi.HypervisorProvider;

/**
 * The OpenBSD backend's entry for {@link java.util.ServiceLoader}: vmm(4) as {@link OpenBsdHypervisor}
 * ({@code Hypervisor.open("openbsd-vmm")}) and vmd as the guest manager behind
 * {@code GuestManager.connect()}. Only ever does anything on OpenBSD; elsewhere
 * {@link #supportsCurrentOs()} is false and nothing native is touched.
 */
public final class OpenBsdProvider implements HypervisorProvider {
    private final OpenBsdSysctl sysctl;
    private final CommandExecutor executor;

    /** For {@link java.util.ServiceLoader}. */
    public OpenBsdProvider() {
        this(OpenBsdSysctl.system(), CommandExecutor.system());
    }

    /** Over a given sysctl(3) and program runner (tests: recorded ones). */
    OpenBsdProvider(OpenBsdSysctl sysctl, CommandExecutor executor) {
        this.sysctl = sysctl;
        this.executor = executor;
    }

    @Override
    public String kind() {
        return OpenBsdHypervisor.KIND;
    }

    /** Whether this is OpenBSD ({@link Os#backends()}, which tests may point elsewhere). */
    @Override
    public boolean supportsCurrentOs() {
        return Os.backends() == Os.OPENBSD;
    }

    @Override
    public List<HypervisorInfo> probe() {
        LiveOpenBsdHostFacts facts = new LiveOpenBsdHostFacts(executor, sysctl::read);
        // answers() only connects and hangs up: no message, so any release's protocol will do
        return OpenBsdProbe.probe(facts, socket -> new VmdClient(socket, VmdProtocol.CURRENT).answers());
    }

    /**
     * Opens {@code /dev/vmm} with the ABI of the running release.
     *
     * @throws HypervisorUnavailableException not OpenBSD, a release whose layouts are unknown, or no
     *         usable {@code /dev/vmm} (with the reason)
     */
    @Override
    public Hypervisor open() {
        if (!supportsCurrentOs()) {
            throw new HypervisorUnavailableException("vmm(4) exists only on OpenBSD");
        }
        String release = sysctl.osRelease();
        VmmAbi abi = VmmAbi.forRelease(release)
                .orElseThrow(() -> new HypervisorUnavailableException("no vmm(4) struct layouts are known for OpenBSD "
                        + release + " (known: 7.4 and 7.8 or later)"));
        return new OpenBsdHypervisor(DevVmm.open(abi));
    }

    /**
     * vmd at {@code uri}: {@code null} or {@code vmd:///var/run/vmd.sock} for the host's vmd with
     * {@code /etc/vm.conf}; {@code ?config=} and {@code ?release=} for another (see
     * {@link VmdGuestManager#connect(String)}), once its control socket answers. The protocol is the
     * one of the URI's release, else of this host's {@code kern.osrelease}.
     *
     * @throws IllegalArgumentException for a URI that does not name vmd's control socket (a libvirt
     *         URI, a remote host), or a release whose vmd numbering is not known
     * @throws org.vmm4j.VmmException when vmd does not answer on the socket
     */
    @Override
    public Optional<GuestManager> connectGuests(String uri) {
        return Optional.of(VmdGuestManager.connect(uri, sysctl::osRelease, executor));
    }
}
