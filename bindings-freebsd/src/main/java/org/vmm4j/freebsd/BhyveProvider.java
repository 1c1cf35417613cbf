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
        return BhyveHypervisor.open();
    }
}
