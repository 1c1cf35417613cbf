package org.vmm4j;

/** Options for {@link VirtualMachine#allocateMemory}. */
public enum MemoryOption {
    /** Guest writes fault to the VMM as MMIO writes (ROM, flash). */
    READ_ONLY,
    /** Track pages the guest writes (live migration, snapshots, tests). */
    LOG_DIRTY_PAGES
}
