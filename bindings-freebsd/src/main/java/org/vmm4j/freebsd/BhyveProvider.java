package org.vmm4j.freebsd;

import java.util.List;

import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.spi.HypervisorProvider;

/** The bhyve backend's entry for {@link java.util.ServiceLoader}. */
public final class BhyveProvider implements HypervisorProvider {

    @Override
    public String kind() {
        return "bhyve";
    }

    @Override
    public boolean supportsCurrentOs() {
        return Os.current() == Os.FREEBSD;
    }

    @Override
    public List<HypervisorInfo> probe() {
        return List.of(HypervisorInfo.builder("bhyve").detail("status", "backend not implemented yet").build());
    }

    @Override
    public Hypervisor open() {
        throw new HypervisorUnavailableException("the bhyve backend is not implemented yet");
    }
}
