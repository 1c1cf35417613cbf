package org.vmm4j.openbsd;

import java.util.List;

import org.vmm4j.Hypervisor;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.internal.nat.Os;
import org.vmm4j.spi.HypervisorProvider;

/** The openbsd-vmm backend's entry for {@link java.util.ServiceLoader}. */
public final class OpenBsdVmmProvider implements HypervisorProvider {

    @Override
    public String kind() {
        return "openbsd-vmm";
    }

    @Override
    public boolean supportsCurrentOs() {
        return Os.current() == Os.OPENBSD;
    }

    @Override
    public List<HypervisorInfo> probe() {
        return List.of(HypervisorInfo.builder("openbsd-vmm").detail("status", "backend not implemented yet").build());
    }

    @Override
    public Hypervisor open() {
        throw new HypervisorUnavailableException("the openbsd-vmm backend is not implemented yet");
    }
}
