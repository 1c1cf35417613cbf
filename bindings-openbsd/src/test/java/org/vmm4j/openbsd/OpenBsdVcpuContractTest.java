package org.vmm4j.openbsd;

import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.VirtualCpu;
import org.vmm4j.contract.GuestProgram;
import org.vmm4j.contract.VirtualCpuContract;
import org.vmm4j.openbsd.ScriptedVmmKernel.Out;
import org.vmm4j.openbsd.ScriptedVmmKernel.Reason;
import org.vmm4j.openbsd.ScriptedVmmKernel.WaitForKick;
import org.vmm4j.openbsd.abi.VmmAbi;

/**
 * The {@link VirtualCpuContract} on vmm(4) as the scripted kernel plays it (current ABI): the contract's
 * programs are loaded as usual, and the kernel is scripted with the exits they produce. {@code SPIN}
 * blocks in the kernel until a {@code VMM_IOC_INTR} kick, as a guest spinning in vmm(4) would.
 */
class OpenBsdVcpuContractTest extends VirtualCpuContract {
    /** VMX basic exit reason 12, written here from vmmvar.h rather than taken from VmmVar. */
    private static final int VMX_EXIT_HLT = 12;

    private ScriptedVmmKernel kernel;

    /** The release whose ABI the kernel and the backend speak. */
    VmmAbi abi() {
        return VmmAbi.CURRENT;
    }

    @Override
    protected Hypervisor openHypervisor() {
        kernel = new ScriptedVmmKernel(abi());
        return new OpenBsdHypervisor(kernel);
    }

    @Override
    protected void loadProgram(VirtualCpu cpu, GuestMemory ram, GuestProgram program) {
        super.loadProgram(cpu, ram, program);
        switch (program) {
            case OUT_THEN_HLT ->
                kernel.script(cpu.id(), new Out(GuestProgram.PORT, 1, GuestProgram.VALUE, 1), new Reason(VMX_EXIT_HLT));
            case SPIN -> kernel.script(cpu.id(), new WaitForKick());
        }
    }
}
