package org.vmm4j.linux;

import org.vmm4j.DescriptorTable;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.VirtualCpu;

/** Puts a vCPU into real, 32-bit protected or 64-bit long mode for hand-assembled test guests. */
final class GuestSetup {
    static final long CODE = 0x1000;

    private GuestSetup() {}

    static void realMode(VirtualCpu cpu, long rip, Registers.Builder regs) {
        SpecialRegisters s = cpu.specialRegisters();
        cpu.setSpecialRegisters(s.toBuilder()
                .cs(Segment.realMode(0, true))
                .dataSegments(Segment.realMode(0, false))
                .build());
        cpu.setRegisters(regs.rip(rip).build());
    }

    static void protectedMode32(VirtualCpu cpu, long rip) {
        SpecialRegisters s = cpu.specialRegisters();
        cpu.setSpecialRegisters(s.toBuilder()
                .cs(Segment.flat32(0x8, true))
                .dataSegments(Segment.flat32(0x10, false))
                .cr0(s.cr0() | SpecialRegisters.CR0_PE)
                .build());
        cpu.setRegisters(Registers.builder().rip(rip).rsp(0x8000).build());
    }

    /** Identity-maps the first 1 GiB with 2 MiB pages (tables at 0x2000..0x4fff) and enters long mode. */
    static void longMode64(VirtualCpu cpu, GuestMemory low, long rip) {
        long pml4 = 0x2000, pdpt = 0x3000, pd = 0x4000;
        low.putLong(pml4 - low.guestAddress(), pdpt | 0x3);
        low.putLong(pdpt - low.guestAddress(), pd | 0x3);
        for (int i = 0; i < 512; i++) {
            low.putLong(pd - low.guestAddress() + i * 8L, ((long) i << 21) | 0x83);
        }
        SpecialRegisters s = cpu.specialRegisters();
        cpu.setSpecialRegisters(s.toBuilder()
                .cs(Segment.long64(0x8, true))
                .dataSegments(Segment.long64(0x10, false))
                .cr3(pml4)
                .cr4(SpecialRegisters.CR4_PAE)
                .cr0(SpecialRegisters.CR0_PE
                        | SpecialRegisters.CR0_PG
                        | SpecialRegisters.CR0_ET
                        | SpecialRegisters.CR0_NE)
                .efer(SpecialRegisters.EFER_LME | SpecialRegisters.EFER_LMA)
                .gdt(new DescriptorTable(0, 0))
                .build());
        cpu.setRegisters(Registers.builder().rip(rip).rsp(0x8000).build());
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
