package org.vmm4j.internal;

/** The vCPU-id check every backend's {@code createVcpu} makes first, with one wording. */
public final class VcpuIds {

    private VcpuIds() {}

    /**
     * Checks that {@code id} is a vCPU id a VM taking {@code maxVcpus} vCPUs accepts.
     *
     * @throws IllegalArgumentException naming the id and the valid range
     */
    public static void checkRange(int id, int maxVcpus) {
        if (id < 0 || id >= maxVcpus) {
            throw new IllegalArgumentException(
                    "vCPU id " + id + " is out of range: this VM takes ids 0 to " + (maxVcpus - 1));
        }
    }
}
