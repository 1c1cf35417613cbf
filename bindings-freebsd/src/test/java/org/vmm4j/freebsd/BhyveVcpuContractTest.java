package org.vmm4j.freebsd;

import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.VirtualCpu;
import org.vmm4j.contract.GuestProgram;
import org.vmm4j.contract.VirtualCpuContract;

/**
 * The vCPU contract for bhyve over the scripted vmm(4), which answers VM_RUN with the exits each
 * contract program causes on real hardware (the port write, the halt, or a spin until VM_SUSPEND_CPU).
 */
class BhyveVcpuContractTest extends VirtualCpuContract {
    private final ScriptedVmmKernel kernel = new ScriptedVmmKernel();

    @Override
    protected Hypervisor openHypervisor() {
        return kernel.openThroughProvider();
    }

    @Override
    protected void loadProgram(VirtualCpu cpu, GuestMemory ram, GuestProgram program) {
        ScriptedVmmKernel.Device device = kernel.vms.get(((BhyveVm) cpu.vm()).name());
        switch (program) {
            case OUT_THEN_HLT -> {
                device.script.add(ScriptedVmmKernel.out(GuestProgram.PORT, 1, GuestProgram.VALUE));
                device.script.add(ScriptedVmmKernel.hlt());
            }
            case SPIN -> device.script.add(ScriptedVmmKernel.SPIN);
        }
    }

    @Override
    protected boolean supportsStats() {
        return true;
    }
}
