package org.vmm4j.freebsd.internal;

import org.vmm4j.freebsd.abi.Vmm;
import org.vmm4j.freebsd.abi.VmmDev;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * The kernel side of one bhyve VM: the ioctls on {@code /dev/vmm/NAME} and its guest memory. Everything
 * above this interface ({@code BhyveVm}, {@code BhyveVcpu}, {@code BhyveExit}, the guest manager) speaks
 * the vmm(4) ABI of {@link VmmDev} through it. {@link LibvmmapiKernel} implements it on FreeBSD; tests
 * implement it with scripted doubles that decode the arguments with their own layouts.
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
     * @param segid    {@link Vmm#VM_SYSMEM} for system memory (only once, at gpa 0), or a device-memory
     *                 segment id
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

    /**
     * Suspends the whole VM ({@code VM_SUSPEND}): every vCPU leaves VM_RUN with a SUSPENDED exit.
     *
     * @param how a {@code vm_suspend_how} such as {@link Vmm#VM_SUSPEND_POWEROFF}
     * @return 0, or {@code -errno}
     */
    default int suspend(int how) {
        try (NativeMemory arg = NativeAccess.get().allocate(VmmDev.VM_SUSPEND_SIZE)) {
            arg.putInt(VmmDev.VM_SUSPEND_HOW, how);
            return ioctl(VmmDev.VM_SUSPEND, arg);
        }
    }
}
