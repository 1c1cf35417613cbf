package org.vmm4j.freebsd;

import org.vmm4j.internal.nat.NativeMemory;

/**
 * The kernel side of one bhyve VM: the ioctls on {@code /dev/vmm/NAME} and its guest memory. Everything
 * above this interface ({@link BhyveVm}, {@link BhyveVcpu}, {@link BhyveExit}) speaks the vmm(4) ABI
 * of {@link org.vmm4j.freebsd.abi.VmmDev} through it. {@link LibvmmapiKernel} implements it on
 * FreeBSD; tests implement it with a scripted double.
 */
@SuppressWarnings("exports") // NativeMemory is exported to the binding modules only; so is this seam's use
public interface VmmDevice extends AutoCloseable {

    /** The VM's name, as under {@code /dev/vmm/}. */
    String name();

    /**
     * {@code ioctl(fd, request, arg)} on the VM device.
     *
     * @return 0 (or the ioctl's non-negative result), or {@code -errno}; never throws for a kernel error
     */
    int ioctl(long request, NativeMemory arg);

    /**
     * Backs {@code size} bytes of guest-physical memory at {@code gpa} with a new memory segment and
     * maps it into this process.
     *
     * @param segid    {@link org.vmm4j.freebsd.abi.Vmm#VM_SYSMEM} for system memory (only once, at gpa 0),
     *                 or a device-memory segment id
     * @param readOnly the guest may only read and execute it
     * @return the host mapping, owned by the caller: closing it unmaps it, and accesses after that
     *         throw instead of crashing
     */
    NativeMemory mapMemory(int segid, long gpa, long size, boolean readOnly);

    /** Destroys the VM in the kernel ({@code vm_destroy}); the device is closed too. */
    void destroy();

    /** Closes the device without destroying the VM. Idempotent. */
    @Override
    void close();
}
