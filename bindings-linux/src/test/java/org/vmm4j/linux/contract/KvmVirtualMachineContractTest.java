package org.vmm4j.linux.contract;

import org.vmm4j.Hypervisor;
import org.vmm4j.contract.VirtualMachineContract;

/** The {@link VirtualMachineContract} on real KVM: dirty logging, read-only memory, statistics and x86 set-up. */
class KvmVirtualMachineContractTest extends VirtualMachineContract {
    @Override
    protected Hypervisor openHypervisor() {
        return KvmDevice.open();
    }

    @Override
    protected boolean supportsDirtyLog() {
        return true;
    }

    @Override
    protected boolean supportsReadOnlyMemory() {
        return true;
    }

    @Override
    protected boolean supportsStats() {
        return true;
    }

    @Override
    protected boolean supportsX86Platform() {
        return true;
    }
}
