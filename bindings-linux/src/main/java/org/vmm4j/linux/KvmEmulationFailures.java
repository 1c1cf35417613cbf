package org.vmm4j.linux;

import java.util.Arrays;
import java.util.Optional;
import org.vmm4j.Registers;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.internal.BreakpointDelivery;
import org.vmm4j.internal.GuestLinearMemory;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.X87Wait;
import org.vmm4j.x86.EmulationFailure;
import org.vmm4j.x86.KnownInstruction;

/**
 * What a {@link KvmVcpu} does when KVM reports that it could not emulate a guest instruction
 * (KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_EMULATION), which happens where every guest instruction
 * goes through KVM's emulator (KVM nested through PVM).
 *
 * <p>An INT3 is completed: KVM's emulator delivers INT n only in real mode, so vmm4j checks the
 * guest's IDT gate, code segment and stack ({@link BreakpointDelivery}), moves RIP past the INT3 and
 * injects #BP with {@code KVM_SET_VCPU_EVENTS}; KVM then delivers it through the IDT like the CPU would
 * (IST or TSS stack, frame, IF cleared for an interrupt gate), with the return address after the INT3,
 * since INT3 is a trap. An FWAIT, which Linux runs whenever a task exits, is completed as the no-op it
 * is unless it would fault ({@link X87Wait}). Any other instruction, and an INT3 or FWAIT that vmm4j
 * cannot complete, is explained on the exit ({@link KvmExit#emulationFailure()}): RIP, bytes and a hint.
 *
 * <p>None of this is on the hot path; it runs once per emulation failure.
 */
final class KvmEmulationFailures implements GuestLinearMemory {
    private static final int INT3 = 0xcc;
    private static final long PAGE_SIZE = 4096;

    private final KvmVcpu cpu;
    private final KvmVm vm;
    private final byte[] bytes = new byte[KnownInstruction.MAX_LENGTH];
    /** CR0.WP of the failure being handled: without it, the guest kernel writes read-only pages. */
    private boolean writeProtect = true;

    private long breakpointsDelivered;
    private long waitsCompleted;

    KvmEmulationFailures(KvmVcpu cpu, KvmVm vm) {
        this.cpu = cpu;
        this.vm = vm;
    }

    /** How many INT3s KVM could not emulate and this vCPU delivered itself. */
    long breakpointsDelivered() {
        return breakpointsDelivered;
    }

    /** How many FWAITs KVM could not emulate and this vCPU completed as the no-op they were. */
    long waitsCompleted() {
        return waitsCompleted;
    }

    /**
     * Handles the emulation failure {@code exit} reports.
     *
     * @return {@code true} if it was an INT3 now delivered or an FWAIT now completed (the vCPU runs
     *     again); {@code false} if the exit goes back to the caller, explained when it is an emulation
     *     failure
     */
    boolean complete(KvmExit exit) {
        if (!exit.isEmulationFailure()) {
            return false;
        }
        Registers regs = cpu.registers();
        SpecialRegisters sregs = cpu.specialRegisters();
        writeProtect = (sregs.cr0() & SpecialRegisters.CR0_WP) != 0;
        boolean longMode =
                (sregs.efer() & SpecialRegisters.EFER_LMA) != 0 && sregs.cs().l();
        int length = exit.instructionBytes(bytes);
        if (length <= 0) {
            long linear = longMode ? regs.rip() : (sregs.cs().base() + regs.rip()) & 0xffff_ffffL;
            length = read(linear, bytes, 0, bytes.length);
        }
        int opcode = length > 0 ? bytes[0] & 0xff : -1;
        String detail = null;
        if (opcode == INT3) {
            Optional<String> problem = BreakpointDelivery.problem(sregs, regs, this);
            if (problem.isEmpty()) {
                cpu.injectBreakpoint(regs);
                breakpointsDelivered++;
                return true;
            }
            detail = "vmm4j could not deliver the breakpoint either: " + problem.get();
        } else if (opcode == X87Wait.OPCODE) {
            Optional<String> problem = X87Wait.problem(sregs.cr0(), cpu.x87StatusWord());
            if (problem.isEmpty()) {
                cpu.setRegisters(regs.toBuilder().rip(regs.rip() + 1).build());
                waitsCompleted++;
                return true;
            }
            detail = problem.get();
        }
        exit.emulationFailure(new EmulationFailure(regs.rip(), Arrays.copyOf(bytes, length), longMode, detail));
        return false;
    }

    @Override
    public int read(long linear, byte[] dst, int offset, int length) {
        int done = 0;
        while (done < length) {
            long at = linear + done;
            long physical = cpu.translate(at, false, writeProtect);
            if (physical < 0) {
                return done;
            }
            int chunk = (int) Math.min(length - done, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
            NativeGuestMemory region = vm.findMemory(physical);
            if (region == null) {
                return done;
            }
            long inRegion = physical - region.guestAddress();
            chunk = (int) Math.min(chunk, region.size() - inRegion);
            region.read(inRegion, dst, offset + done, chunk);
            done += chunk;
        }
        return done;
    }

    @Override
    public boolean writable(long linear, int length) {
        long at = linear;
        long end = linear + length;
        while (Long.compareUnsigned(at, end) < 0) {
            long physical = cpu.translate(at, true, writeProtect);
            if (physical < 0) {
                return false;
            }
            long chunk = Math.min(end - at, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
            NativeGuestMemory region = vm.findMemory(physical);
            if (region == null || region.readOnly() || physical - region.guestAddress() + chunk > region.size()) {
                return false;
            }
            at += chunk;
        }
        return true;
    }
}
