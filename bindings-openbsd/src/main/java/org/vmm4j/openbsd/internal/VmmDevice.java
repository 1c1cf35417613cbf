package org.vmm4j.openbsd.internal;

import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.VmmAbi;

/**
 * The ioctl layer under {@code OpenBsdHypervisor}: one open {@code /dev/vmm} and the release's ABI.
 * {@link DevVmm} is the real one; tests use a scripted kernel double that decodes the argument
 * structs with offsets of its own, so everything above this interface runs unchanged in both.
 */
public interface VmmDevice extends AutoCloseable {

    /** The layouts and request numbers the kernel behind this device expects. */
    VmmAbi abi();

    /**
     * {@code ioctl(fd, request, argument)}.
     *
     * @return 0 (or the kernel's non-negative result), or {@code -errno}
     */
    int ioctl(long request, NativeMemory argument);

    /**
     * Anonymous, zeroed, page-aligned memory of this process, to be handed to the kernel as a guest
     * memory range ({@code vmr_va}); closing it unmaps it.
     */
    NativeMemory mapAnonymous(long size);

    /** Off-heap memory for argument structs (not page-aligned, not for guest RAM). */
    NativeMemory allocate(long size);

    /** The current process id (the kernel records it as {@code vir_creator_pid}). */
    int pid();

    @Override
    void close();
}
