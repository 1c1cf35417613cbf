package org.vmm4j.linux.contract;

import org.vmm4j.Hypervisor;
import org.vmm4j.contract.VirtualCpuContract;

/** The {@link VirtualCpuContract} on real KVM, running the contract's real-mode guest code. */
class KvmVirtualCpuContractTest extends VirtualCpuContract {
    @Override
    protected Hypervisor openHypervisor() {
        return KvmDevice.open();
    }

    @Override
    protected boolean supportsStats() {
        return true;
    }
}
