package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.vmm4j.boot.Layout;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.RequiresHost;

/**
 * What {@link Machine} says when KVM cannot complete a guest instruction: a kernel of the test's own
 * (the minimal bzImage with its 64-bit entry replaced) runs one instruction and then resets. Where KVM
 * runs guest code natively the instruction just runs, and the test is skipped with that reason.
 */
@RequiresHost(kvm = true)
class EmulationFailureExitTest {
    /** Where {@link MinimalKernel#bzImage()}'s 64-bit entry is in the image: after two 512-byte sectors, + 0x200. */
    private static final int ENTRY_64_IN_IMAGE = 2 * 512 + 0x200;

    private static final long ENTRY_RIP = Layout.KERNEL_LOAD_ADDRESS + 0x200;
    private static final byte[] RESET = {(byte) 0xb0, (byte) 0xfe, (byte) 0xe6, 0x64, (byte) 0xf4}; // out 0x64, 0xfe

    private static MachineExit run(byte... instruction) throws InterruptedException {
        byte[] image = MinimalKernel.bzImage();
        System.arraycopy(instruction, 0, image, ENTRY_64_IN_IMAGE, instruction.length);
        System.arraycopy(RESET, 0, image, ENTRY_64_IN_IMAGE + instruction.length, RESET.length);
        try (Machine machine = Machine.builder()
                .kernel(LinuxKernel.of(image, null, null))
                .memoryMiB(64)
                .build()) {
            machine.start();
            return machine.awaitExit(Duration.ofSeconds(60)).orElseThrow(() -> new AssertionError("no exit in 60 s"));
        }
    }

    @Test
    void popcntThatKvmCannotEmulateIsNamedWithItsRipBytesAndHint() throws Exception {
        MachineExit exit = run((byte) 0xf3, (byte) 0x48, (byte) 0x0f, (byte) 0xb8, (byte) 0xc3); // popcnt rax, rbx
        assumeTrue(exit.reason() != MachineExit.Reason.REBOOT, "POPCNT ran natively on this host's KVM");
        assertEquals(MachineExit.Reason.ERROR, exit.reason(), exit.detail());
        assertEquals(
                "vCPU 0 stopped: the hypervisor could not emulate the instruction at RIP 0x"
                        + Long.toHexString(ENTRY_RIP) + " (f3 48 0f b8 c3): POPCNT: use --cpu baseline or -popcnt",
                exit.detail());
    }

    @Test
    void int3WithoutAnIdtGateStopsTheMachineWithTheReason() throws Exception {
        MachineExit exit = run((byte) 0xcc);
        assumeTrue(
                exit.reason() == MachineExit.Reason.ERROR,
                "the CPU delivered the INT3 on this host's KVM (and the guest, with no IDT, shut down): "
                        + exit.detail());
        assertTrue(
                exit.detail()
                        .endsWith("(cc): INT3; vmm4j could not deliver the breakpoint either: the IDT (limit 0x7)"
                                + " does not reach gate 3"),
                exit.detail());
        assertTrue(exit.detail().contains("RIP 0x" + Long.toHexString(ENTRY_RIP)), exit.detail());
    }
}
