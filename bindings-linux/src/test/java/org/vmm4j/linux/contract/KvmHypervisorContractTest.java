package org.vmm4j.linux.contract;

import org.vmm4j.Hypervisor;
import org.vmm4j.contract.HypervisorContract;

/** The {@link HypervisorContract} on real KVM. */
class KvmHypervisorContractTest extends HypervisorContract {
    @Override
    protected Hypervisor openHypervisor() {
        return KvmDevice.open();
    }

    @Override
    protected String expectedKind() {
        return "kvm";
    }
}
