package org.vmm4j.freebsd;

import org.vmm4j.GuestMemory;

/** What an exit needs from its vCPU to complete an access: registers and guest memory. */
interface VcpuAccess {

    long getRegister(int vmRegName);

    void setRegister(int vmRegName, long value);

    /** The region holding {@code gpa}, or {@code null}. */
    GuestMemory regionAt(long gpa);
}
