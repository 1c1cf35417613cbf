package org.vmm4j.guest;

/** What else {@link Guest#undefine(UndefineOption...)} removes. */
public enum UndefineOption {
    /** Delete the guest's snapshots (metadata and, where the manager owns them, data). */
    SNAPSHOTS,
    /** Delete the UEFI variable store. */
    NVRAM,
    /** Delete the disks the guest owns (storage volumes, image files, zvols). */
    STORAGE
}
