package org.vmm4j.freebsd;

import org.vmm4j.Hypervisor;
import org.vmm4j.contract.VirtualMachineContract;

/**
 * The VM contract for bhyve over the scripted vmm(4): read-only regions are device-memory segments;
 * vmm(4) on FreeBSD 14 has no dirty-page log and no VM-wide statistics.
 */
class BhyveVmContractTest extends VirtualMachineContract {

    @Override
    protected Hypervisor openHypervisor() {
        return new ScriptedVmmKernel().openThroughProvider();
    }

    @Override
    protected boolean supportsReadOnlyMemory() {
        return true;
    }
}
