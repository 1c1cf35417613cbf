package org.vmm4j.openbsd.internal;

import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.abi.VmmVar;

/** {@code /dev/vmm} through the native seam. Opened only on OpenBSD; nothing here runs at class load. */
public final class DevVmm implements VmmDevice {
    private final Libc libc;
    private final VmmAbi abi;
    private int fd;

    private DevVmm(Libc libc, VmmAbi abi, int fd) {
        this.libc = libc;
        this.abi = abi;
        this.fd = fd;
    }

    /**
     * Opens {@code /dev/vmm} read/write for the ABI of {@code abi}.
     *
     * @throws HypervisorUnavailableException when the device cannot be opened, saying why
     */
    public static DevVmm open(VmmAbi abi) {
        Libc libc = Libc.get();
        int fd = libc.open(VmmVar.VMM_NODE, Libc.O_RDWR, 0);
        if (fd < 0) {
            int errno = -fd;
            String hint = errno == Errno.EACCES || errno == Errno.EPERM
                    ? " (vmm(4) needs root)"
                    : errno == Errno.ENOENT || errno == Errno.ENXIO || errno == Errno.ENODEV
                            ? " (no vmm(4): the CPU lacks VMX/SVM with EPT/RVI, or the kernel was built without it)"
                            : "";
            throw new HypervisorUnavailableException(
                    "cannot open " + VmmVar.VMM_NODE + ": " + Errno.describe(errno) + hint);
        }
        return new DevVmm(libc, abi, fd);
    }

    @Override
    public VmmAbi abi() {
        return abi;
    }

    @Override
    public int ioctl(long request, NativeMemory argument) {
        return (int) libc.ioctl(fd, request, argument);
    }

    @Override
    public NativeMemory mapAnonymous(long size) {
        // Shared, as vmd maps guest RAM: the kernel shares these pages into the VM's vmspace.
        return libc.map(
                "guest memory", size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_ANONYMOUS, -1, 0);
    }

    @Override
    public NativeMemory allocate(long size) {
        return NativeAccess.get().allocate(size);
    }

    @Override
    public int pid() {
        return libc.getpid();
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            libc.close(fd);
            fd = -1;
        }
    }
}
