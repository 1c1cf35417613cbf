package org.vmm4j.openbsd;

import org.vmm4j.openbsd.abi.VmmAbi;

/** The {@link org.vmm4j.contract.VirtualCpuContract} again on OpenBSD 7.4's ABI (2018 register order, vrp_irq). */
class OpenBsd74VcpuContractTest extends OpenBsdVcpuContractTest {
    @Override
    VmmAbi abi() {
        return VmmAbi.OPENBSD_7_4;
    }
}
