package org.vmm4j.freebsd.internal;

import java.util.List;

/**
 * The host's vmm(4): creating, opening and listing VMs. {@link LibvmmapiKernel} is the real one.
 */
public interface VmmKernel {

    /**
     * Creates VM {@code name} and opens its device.
     *
     * @throws org.vmm4j.VmmException with errno {@code EEXIST} when a VM of that name exists
     */
    VmmDevice create(String name);

    /** Opens the device of an existing VM. */
    VmmDevice open(String name);

    /** Names of the VMs that exist now (entries of {@code /dev/vmm}). */
    List<String> list();
}
