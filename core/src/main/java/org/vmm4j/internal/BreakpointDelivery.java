package org.vmm4j.internal;

import java.util.Optional;
import org.vmm4j.DescriptorTable;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;

/**
 * Whether the #BP of an INT3 can reach the guest's handler: the checks a CPU makes while it delivers
 * vector 3 through the IDT (gate inside the IDT limit, present, of a gate type, DPL at least the CPL,
 * a present code segment behind its selector, a canonical handler address) and where the 64-bit rules
 * put the interrupt frame (the gate's IST stack, else the TSS stack of the handler's privilege level,
 * else the current stack, aligned down to 16), which must be writable guest RAM.
 *
 * <p>A backend that has to complete an INT3 its hypervisor could not emulate asks this first and
 * stops the guest with the answer rather than hand the hypervisor an event it would turn into a
 * double or triple fault. Every read goes through {@link GuestLinearMemory}, which only reaches guest
 * RAM, so a hostile IDT, GDT or TSS cannot make the host touch anything else.
 */
public final class BreakpointDelivery {
    /** The #BP vector. */
    public static final int VECTOR = 3;
    /** The bytes a 64-bit interrupt frame takes: SS, RSP, RFLAGS, CS, RIP. */
    public static final int LONG_MODE_FRAME = 40;
    /** The bytes a 32-bit same-privilege interrupt frame takes: EFLAGS, CS, EIP. */
    public static final int PROTECTED_MODE_FRAME = 12;

    private static final long CR4_LA57 = 1L << 12;
    private static final int TSS64_RSP0 = 4;
    private static final int TSS64_IST1 = 0x24;

    private BreakpointDelivery() {}

    /**
     * Checks that the INT3 at {@code regs.rip()} can be delivered.
     *
     * @return empty when it can; else why not, as the end of a sentence ("IDT gate 3 is not present")
     */
    public static Optional<String> problem(SpecialRegisters sregs, Registers regs, GuestLinearMemory memory) {
        if ((sregs.cr0() & SpecialRegisters.CR0_PE) == 0) {
            return Optional.of("the guest is in real mode, where the hypervisor delivers INT3 itself");
        }
        boolean ia32e = (sregs.efer() & SpecialRegisters.EFER_LMA) != 0;
        int gateSize = ia32e ? 16 : 8;
        DescriptorTable idt = sregs.idt();
        if ((idt.limit() & 0xffff) < VECTOR * gateSize + gateSize - 1) {
            return Optional.of("the IDT (limit 0x" + Integer.toHexString(idt.limit()) + ") does not reach gate 3");
        }
        long gateAt = idt.base() + (long) VECTOR * gateSize;
        byte[] gate = new byte[gateSize];
        if (memory.read(gateAt, gate, 0, gateSize) < gateSize) {
            return Optional.of(
                    "IDT gate 3 at linear address 0x" + Long.toHexString(gateAt) + " is not mapped to guest RAM");
        }
        int access = gate[5] & 0xff;
        if ((access & 0x80) == 0) {
            return Optional.of("IDT gate 3 is not present");
        }
        int type = access & 0xf;
        if (ia32e ? type != 0xe && type != 0xf : type != 0x6 && type != 0x7 && type != 0xe && type != 0xf) {
            return Optional.of("IDT gate 3 has type 0x" + Integer.toHexString(type)
                    + (type == 0x5 && !ia32e
                            ? " (a task gate, which vmm4j does not deliver)"
                            : ", not an interrupt or trap gate"));
        }
        int cpl = sregs.cs().dpl();
        int gateDpl = (access >> 5) & 3;
        if (cpl > gateDpl) {
            return Optional.of("INT3 at CPL " + cpl + " through IDT gate 3 of DPL " + gateDpl
                    + " raises #GP, which vmm4j does not deliver");
        }
        int selector = (gate[2] & 0xff) | (gate[3] & 0xff) << 8;
        long handler = (gate[0] & 0xffL) | (gate[1] & 0xffL) << 8 | (gate[6] & 0xffL) << 16 | (gate[7] & 0xffL) << 24;
        if (ia32e) {
            handler |= (getInt(gate, 8) & 0xffff_ffffL) << 32;
        }
        Optional<String> codeProblem = codeSegmentProblem(sregs, memory, selector, ia32e, cpl);
        if (codeProblem.isPresent()) {
            return codeProblem;
        }
        int targetCpl = targetCpl(sregs, memory, selector, cpl);
        if (ia32e) {
            int vaBits = (sregs.cr4() & CR4_LA57) != 0 ? 57 : 48;
            if ((handler << (64 - vaBits)) >> (64 - vaBits) != handler) {
                return Optional.of(
                        "the #BP handler address 0x" + Long.toHexString(handler) + " in IDT gate 3 is not canonical");
            }
            return longModeStackProblem(sregs, regs, memory, gate[4] & 7, targetCpl, cpl);
        }
        if (targetCpl == cpl) {
            Segment ss = sregs.ss();
            long frame = (ss.base() + ((regs.rsp() - PROTECTED_MODE_FRAME) & 0xffff_ffffL)) & 0xffff_ffffL;
            if (!memory.writable(frame, PROTECTED_MODE_FRAME)) {
                return Optional.of("the stack for the #BP frame at linear address 0x" + Long.toHexString(frame)
                        + " is not writable guest RAM");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> codeSegmentProblem(
            SpecialRegisters sregs, GuestLinearMemory memory, int selector, boolean ia32e, int cpl) {
        String named = "IDT gate 3's code selector 0x" + Integer.toHexString(selector);
        if ((selector & ~3) == 0) {
            return Optional.of(named + " is null");
        }
        if ((selector & 4) != 0) {
            return Optional.of(named + " is in the LDT, which vmm4j does not read");
        }
        int index = selector & ~7;
        if (index + 7 > (sregs.gdt().limit() & 0xffff)) {
            return Optional.of(named + " is beyond the GDT limit 0x"
                    + Integer.toHexString(sregs.gdt().limit()));
        }
        byte[] descriptor = new byte[8];
        long at = sregs.gdt().base() + index;
        if (memory.read(at, descriptor, 0, 8) < 8) {
            return Optional.of(named + ": its GDT entry at linear address 0x" + Long.toHexString(at)
                    + " is not mapped to guest RAM");
        }
        int access = descriptor[5] & 0xff;
        if ((access & 0x80) == 0 || (access & 0x18) != 0x18) {
            return Optional.of(named + " is not a present code segment");
        }
        int flags = descriptor[6] & 0xff;
        if (ia32e && ((flags & 0x20) == 0 || (flags & 0x40) != 0)) {
            return Optional.of(named + " is not a 64-bit code segment");
        }
        int dpl = (access >> 5) & 3;
        if ((access & 0x04) == 0 && dpl > cpl) {
            return Optional.of(named + " has DPL " + dpl + ", above CPL " + cpl + ": delivery raises #GP");
        }
        return Optional.empty();
    }

    /** The handler's privilege level: its code segment's DPL, or the current CPL for a conforming one. */
    private static int targetCpl(SpecialRegisters sregs, GuestLinearMemory memory, int selector, int cpl) {
        byte[] descriptor = new byte[8];
        memory.read(sregs.gdt().base() + (selector & ~7), descriptor, 0, 8);
        int access = descriptor[5] & 0xff;
        boolean conforming = (access & 0x04) != 0;
        return conforming ? cpl : (access >> 5) & 3;
    }

    private static Optional<String> longModeStackProblem(
            SpecialRegisters sregs, Registers regs, GuestLinearMemory memory, int ist, int targetCpl, int cpl) {
        long rsp;
        String from;
        if (ist != 0 || targetCpl < cpl) {
            int offset = ist != 0 ? TSS64_IST1 + 8 * (ist - 1) : TSS64_RSP0 + 8 * targetCpl;
            from = ist != 0 ? "IST" + ist : "RSP" + targetCpl;
            Segment tr = sregs.tr();
            if (tr.unusable() || !tr.present() || Integer.toUnsignedLong(tr.limit()) < offset + 7L) {
                return Optional.of("the TSS (limit 0x" + Integer.toHexString(tr.limit()) + ") has no " + from);
            }
            byte[] value = new byte[8];
            long at = tr.base() + offset;
            if (memory.read(at, value, 0, 8) < 8) {
                return Optional.of("the TSS's " + from + " at linear address 0x" + Long.toHexString(at)
                        + " is not mapped to guest RAM");
            }
            rsp = (getInt(value, 0) & 0xffff_ffffL) | (long) getInt(value, 4) << 32;
        } else {
            rsp = regs.rsp();
            from = "RSP";
        }
        long frame = (rsp & ~0xfL) - LONG_MODE_FRAME;
        if (!memory.writable(frame, LONG_MODE_FRAME)) {
            return Optional.of("the stack for the #BP frame (" + from + " 0x" + Long.toHexString(rsp)
                    + ") is not writable guest RAM");
        }
        return Optional.empty();
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
