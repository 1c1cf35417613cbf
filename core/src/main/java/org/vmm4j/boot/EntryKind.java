package org.vmm4j.boot;

/** How a kernel is entered. */
public enum EntryKind {
    /** bzImage: the 64-bit entry at load address + 0x200, long mode, RSI = boot_params (protocol 2.12+). */
    BZIMAGE_64,
    /** ELF vmlinux: the PVH entry (XEN_ELFNOTE_PHYS32_ENTRY), 32-bit protected mode, EBX = hvm_start_info. */
    PVH
}
