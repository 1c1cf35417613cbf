package org.vmm4j.boot;

/** How a kernel is entered. */
public enum EntryKind {
    /** bzImage: the 64-bit entry at load address + 0x200, long mode, RSI = boot_params (protocol 2.12+). */
    BZIMAGE_64,
    /** ELF vmlinux: the PVH entry (XEN_ELFNOTE_PHYS32_ENTRY), 32-bit protected mode, EBX = hvm_start_info. */
    PVH,
    /**
     * ELF vmlinux through its 64-bit entry (e_entry, startup_64) with the 64-bit boot protocol: long mode,
     * identity page tables, RSI = boot_params — how Firecracker boots a vmlinux. The guest never runs
     * with paging off, which matters where unpaged guest code is emulated.
     */
    ELF_64;

    /**
     * The entry named {@code bzimage64}, {@code pvh} or {@code elf64} (case-insensitive), as a command line
     * option spells it.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static EntryKind fromName(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "bzimage64", "bzimage" -> BZIMAGE_64;
            case "pvh" -> PVH;
            case "elf64", "vmlinux64" -> ELF_64;
            default ->
                throw new IllegalArgumentException(
                        "unknown kernel entry \"" + name + "\": expected bzimage64, pvh or elf64");
        };
    }
}
