package org.vmm4j.boot;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.vmm4j.DescriptorTable;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;

/**
 * The boot recipe, in the order it runs: validate, load the kernel, place the initrd and command
 * line, write boot_params (bzImage) or hvm_start_info (PVH) with the memory map, the MP table, the
 * GDT and IDT, the identity page tables (64-bit entry), and compute the boot vCPU's registers.
 * Everything is checked before guest memory is written.
 */
public final class BootSetup {

    private BootSetup() {}

    /**
     * Prepares guest memory for booting {@code config.kernel()}.
     *
     * @param lowMemory the RAM region at guest-physical 0, covering {@link Layout#lowMemorySize}
     *                  of {@code config.memorySize()}
     * @throws BootException if the vCPU count, command line, kernel or initrd does not fit
     */
    public static BootState prepare(GuestMemory lowMemory, BootConfig config) {
        LinuxKernel kernel = config.kernel();
        if (config.vcpus() < 1 || config.vcpus() > MpTable.MAX_VCPUS) {
            throw new BootException("a machine needs 1 to " + MpTable.MAX_VCPUS + " vCPUs, not " + config.vcpus());
        }
        List<E820Entry> memoryMap = E820Entry.memoryMap(config.memorySize());
        long lowEnd = Layout.lowMemorySize(config.memorySize());
        if (lowMemory.guestAddress() != 0 || lowMemory.size() < lowEnd) {
            throw new BootException("the low memory region must start at 0 and hold " + lowEnd + " bytes; it is "
                    + lowMemory.size() + " bytes at 0x" + Long.toHexString(lowMemory.guestAddress()));
        }
        byte[] cmdline = commandLineBytes(config.commandLine(), kernel.maxCommandLineLength());

        long kernelEnd = kernel.requireFits(lowMemory);
        long initrdSize = config.initrd() == null ? 0 : config.initrd().length;
        long initrdAddress = initrdSize == 0 ? 0 : placeInitrd(kernel, kernelEnd, lowEnd, initrdSize);

        kernel.loadInto(lowMemory);
        if (initrdSize > 0) {
            lowMemory.write(initrdAddress, config.initrd());
        }
        lowMemory.write(Layout.CMDLINE_ADDRESS, cmdline);
        lowMemory.putByte(Layout.CMDLINE_ADDRESS + cmdline.length, (byte) 0);

        MpTable.write(lowMemory, config.vcpus());
        DescriptorTable idt = Gdt.writeEmptyIdt(lowMemory);
        Registers.Builder regs = Registers.builder().rip(kernel.entryAddress()).rflags(Registers.RFLAGS_RESERVED);
        if (kernel.entry() == EntryKind.BZIMAGE_64 || kernel.entry() == EntryKind.ELF_64) {
            byte[] rawHeader = kernel.bzImage() != null
                    ? SetupHeader.rawHeader(
                            kernel.bzImage(), kernel.setupHeader().orElseThrow())
                    : SetupHeader.minimalRawHeader(kernel.maxCommandLineLength());
            BootParams.write(
                    lowMemory,
                    Layout.ZERO_PAGE_ADDRESS,
                    rawHeader,
                    Layout.CMDLINE_ADDRESS,
                    initrdAddress,
                    initrdSize,
                    memoryMap);
            List<Segment> segments = Gdt.longMode();
            DescriptorTable gdt = Gdt.write(lowMemory, segments);
            long cr3 = PageTables.write(lowMemory);
            regs.rsi(Layout.ZERO_PAGE_ADDRESS).rsp(Layout.BOOT_STACK_POINTER).rbp(Layout.BOOT_STACK_POINTER);
            return new BootState(
                    kernel.entry(),
                    regs.build(),
                    segments.get(0),
                    segments.get(1),
                    segments.get(2),
                    gdt,
                    idt,
                    SpecialRegisters.CR0_PE | SpecialRegisters.CR0_ET | SpecialRegisters.CR0_PG,
                    cr3,
                    SpecialRegisters.CR4_PAE,
                    SpecialRegisters.EFER_LME | SpecialRegisters.EFER_LMA,
                    memoryMap,
                    Layout.CMDLINE_ADDRESS,
                    initrdAddress,
                    initrdSize,
                    kernelEnd);
        }
        StartInfo.write(lowMemory, Layout.CMDLINE_ADDRESS, initrdAddress, initrdSize, memoryMap);
        List<Segment> segments = Gdt.protectedMode();
        DescriptorTable gdt = Gdt.write(lowMemory, segments);
        regs.rbx(Layout.PVH_START_INFO_ADDRESS);
        return new BootState(
                EntryKind.PVH,
                regs.build(),
                segments.get(0),
                segments.get(1),
                segments.get(2),
                gdt,
                idt,
                SpecialRegisters.CR0_PE | SpecialRegisters.CR0_ET,
                0,
                0,
                0,
                memoryMap,
                Layout.CMDLINE_ADDRESS,
                initrdAddress,
                initrdSize,
                kernelEnd);
    }

    /** The command line as bytes, checked against the kernel's limit. */
    static byte[] commandLineBytes(String commandLine, long maxLength) {
        if (commandLine.indexOf('\0') >= 0) {
            throw new BootException("kernel command line contains a NUL character");
        }
        byte[] bytes = commandLine.getBytes(StandardCharsets.UTF_8);
        long limit = Math.min(maxLength, Layout.CMDLINE_CAPACITY - 1);
        if (bytes.length > limit) {
            throw new BootException(
                    "kernel command line is " + bytes.length + " bytes; this kernel accepts at most " + limit);
        }
        return bytes;
    }

    /**
     * The initrd goes as high as allowed (below the MMIO hole and the kernel's initrd_addr_max),
     * page-aligned, above the kernel: where the kernel's early allocations will not meet it.
     */
    static long placeInitrd(LinuxKernel kernel, long kernelEnd, long lowEnd, long initrdSize) {
        long limit = lowEnd;
        if (kernel.entry() == EntryKind.BZIMAGE_64) {
            limit = Math.min(limit, kernel.setupHeader().orElseThrow().initrdAddrMax() + 1);
        }
        long address = (limit - initrdSize) & ~(Layout.PAGE_SIZE - 1);
        long lowest = (kernelEnd + Layout.PAGE_SIZE - 1) & ~(Layout.PAGE_SIZE - 1);
        if (initrdSize > limit || address < lowest) {
            throw new BootException("initrd of " + initrdSize + " bytes does not fit in guest memory: "
                    + Math.max(0, limit - lowest) + " bytes are free between the kernel's end (0x"
                    + Long.toHexString(kernelEnd) + ") and 0x" + Long.toHexString(limit));
        }
        return address;
    }
}
