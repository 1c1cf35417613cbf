package org.vmm4j.openbsd;

import org.vmm4j.Hypervisor;
import org.vmm4j.contract.HypervisorContract;
import org.vmm4j.openbsd.abi.VmmAbi;

/** The {@link HypervisorContract} on vmm(4) as the scripted kernel plays it (current ABI). */
class OpenBsdHypervisorContractTest extends HypervisorContract {
    @Override
    protected Hypervisor openHypervisor() {
        return new OpenBsdHypervisor(new ScriptedVmmKernel(VmmAbi.CURRENT));
    }

    @Override
    protected String expectedKind() {
        return OpenBsdHypervisor.KIND;
    }
}
