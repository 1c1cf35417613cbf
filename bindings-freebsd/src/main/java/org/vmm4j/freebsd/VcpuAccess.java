package org.vmm4j.freebsd;

import org.vmm4j.GuestMemory;

/** What an exit needs from its vCPU to complete an access: registers and guest memory. */
interface VcpuAccess {

    long getRegister(int vmRegName);

    void setRegister(int vmRegName, long value);

    /**
     * Translates a guest linear address with the paging state of {@code exit} at {@code pagingOffset}
     * ({@code VM_GLA2GPA_NOFAULT}).
     *
     * @param write whether the access writes (PROT_WRITE) or reads (PROT_READ)
     * @return the guest-physical address
     * @throws org.vmm4j.VmmException when the guest's page tables do not map it
     */
    long translate(long gla, org.vmm4j.internal.nat.NativeMemory exit, long pagingOffset, boolean write);

    /** The region holding {@code gpa}, or {@code null}. */
    GuestMemory regionAt(long gpa);
}
