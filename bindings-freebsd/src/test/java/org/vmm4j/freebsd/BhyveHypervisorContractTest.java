package org.vmm4j.freebsd;

import org.vmm4j.Hypervisor;
import org.vmm4j.contract.HypervisorContract;

/** The hypervisor contract for bhyve: {@code Hypervisor.open("bhyve")} over the scripted vmm(4). */
class BhyveHypervisorContractTest extends HypervisorContract {

    @Override
    protected Hypervisor openHypervisor() {
        return new ScriptedVmmKernel().openThroughProvider();
    }

    @Override
    protected String expectedKind() {
        return BhyveHypervisor.KIND;
    }
}
