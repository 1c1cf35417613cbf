package org.vmm4j.boot;

import java.util.List;
import org.vmm4j.DescriptorTable;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;

/**
 * The outcome of {@link BootSetup#prepare}: the boot vCPU's register values and where things were
 * placed in guest memory. Other vCPUs keep their reset state: the guest starts them with INIT/SIPI.
 *
 * @param entry               how the kernel is entered
 * @param registers           general-purpose registers of the boot vCPU (RIP, RSI or RBX, RSP, RFLAGS)
 * @param code                CS
 * @param data                DS, ES, FS, GS, SS
 * @param tss                 TR
 * @param gdt                 GDTR
 * @param idt                 IDTR
 * @param cr0                 CR0
 * @param cr3                 CR3 (the identity page tables for the 64-bit entry, else 0)
 * @param cr4                 CR4
 * @param efer                EFER
 * @param memoryMap           the e820 / PVH memory map given to the guest
 * @param commandLineAddress  where the NUL-terminated command line is
 * @param initrdAddress       where the initrd is (0 without one)
 * @param initrdSize          its size (0 without one)
 * @param kernelEnd           one past the last byte the kernel occupies
 */
public record BootState(
        EntryKind entry,
        Registers registers,
        Segment code,
        Segment data,
        Segment tss,
        DescriptorTable gdt,
        DescriptorTable idt,
        long cr0,
        long cr3,
        long cr4,
        long efer,
        List<E820Entry> memoryMap,
        long commandLineAddress,
        long initrdAddress,
        long initrdSize,
        long kernelEnd) {

    public BootState {
        memoryMap = List.copyOf(memoryMap);
    }

    /**
     * The boot vCPU's special registers: {@code current} (as read from the vCPU, which keeps its
     * APIC base, LDT, CR2 and CR8) with the segments, descriptor tables and control registers of
     * the entry.
     */
    public SpecialRegisters specialRegisters(SpecialRegisters current) {
        return current.toBuilder()
                .cs(code)
                .dataSegments(data)
                .tr(tss)
                .gdt(gdt)
                .idt(idt)
                .cr0(cr0)
                .cr3(cr3)
                .cr4(cr4)
                .efer(efer)
                .build();
    }
}
