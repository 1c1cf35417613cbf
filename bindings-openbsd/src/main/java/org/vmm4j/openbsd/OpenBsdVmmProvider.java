package org.vmm4j.openbsd;

import java.util.List;

import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.host.LiveOpenBsdHostFacts;
import org.vmm4j.openbsd.host.OpenBsdProbe;
import org.vmm4j.openbsd.vmd.VmdClient;
import org.vmm4j.openbsd.vmd.VmdProtocol;
import org.vmm4j.spi.HypervisorProvider;

/**
 * The openbsd-vmm backend's entry for {@link java.util.ServiceLoader}. Only ever does anything on
 * OpenBSD; on other systems {@link #supportsCurrentOs()} is false and nothing native is touched.
 */
public final class OpenBsdVmmProvider implements HypervisorProvider {

    /** For {@link java.util.ServiceLoader}. */
    public OpenBsdVmmProvider() {
    }

    @Override
    public String kind() {
        return OpenBsdVmmHypervisor.KIND;
    }

    @Override
    public boolean supportsCurrentOs() {
        return Os.current() == Os.OPENBSD;
    }

    @Override
    public List<HypervisorInfo> probe() {
        LiveOpenBsdHostFacts facts = new LiveOpenBsdHostFacts(CommandExecutor.system());
        String release = facts.sysctl("kern.osrelease").orElse("");
        VmdProtocol protocol = VmdProtocol.forRelease(release).orElse(VmdProtocol.CURRENT);
        return OpenBsdProbe.probe(facts, socket -> new VmdClient(socket, protocol).answers());
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
        String release = OpenBsdSysctl.osRelease();
        VmmAbi abi = VmmAbi.forRelease(release).orElseThrow(() -> new HypervisorUnavailableException(
                "no vmm(4) struct layouts are known for OpenBSD " + release + " (known: 7.4 and 7.8 or later)"));
        return new OpenBsdVmmHypervisor(DevVmm.open(abi));
    }
}
