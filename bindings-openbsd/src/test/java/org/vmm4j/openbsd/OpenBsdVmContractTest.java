package org.vmm4j.openbsd;

import org.vmm4j.Hypervisor;
import org.vmm4j.contract.VirtualMachineContract;
import org.vmm4j.openbsd.abi.VmmAbi;

/**
 * The {@link VirtualMachineContract} on vmm(4) as the scripted kernel plays it: no dirty log, no
 * read-only memory, no statistics and no x86 machine set-up, each refused with
 * {@link UnsupportedOperationException}.
 */
class OpenBsdVmContractTest extends VirtualMachineContract {
    @Override
    protected Hypervisor openHypervisor() {
        return new OpenBsdHypervisor(new ScriptedVmmKernel(VmmAbi.CURRENT));
    }
}
