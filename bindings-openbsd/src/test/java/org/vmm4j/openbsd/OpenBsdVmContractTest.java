package org.vmm4j.openbsd;

import org.vmm4j.Hypervisor;
import org.vmm4j.contract.VirtualMachineContract;
import org.vmm4j.openbsd.abi.VmmAbi;

/**
 * The {@link VirtualMachineContract} on vmm(4) as the scripted kernel plays it: no dirty log, no
 * read-only memory, no statistics and no x86 machine set-up, each refused with
 * {@link UnsupportedOperationException}. A closed vCPU's id can be used again: vmm(4) learns the vCPUs
 * only when the VM is created in the kernel, at the first run or register access (after which no vCPU
 * can be added at all).
 */
class OpenBsdVmContractTest extends VirtualMachineContract {
    @Override
    protected Hypervisor openHypervisor() {
        return new OpenBsdHypervisor(new ScriptedVmmKernel(VmmAbi.CURRENT));
    }

    @Override
    protected boolean reusesClosedVcpuIds() {
        return true;
    }
}
