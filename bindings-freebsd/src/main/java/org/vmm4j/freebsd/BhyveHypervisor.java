package org.vmm4j.freebsd;

import java.util.concurrent.atomic.AtomicInteger;

import org.vmm4j.Hypervisor;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmmException;
import org.vmm4j.internal.nat.Errno;

/**
 * bhyve's vmm(4) as a {@link Hypervisor}: VMs are created through {@link VmmKernel} (libvmmapi on
 * FreeBSD) and named {@code vmm4j-<pid>-<n>}, so they are recognisable in {@code /dev/vmm} and never
 * collide with bhyve(8) guests.
 */
public final class BhyveHypervisor implements Hypervisor {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final VmmKernel kernel;
    private final String prefix;
    private volatile boolean closed;

    /** Over the real kernel: {@link LibvmmapiKernel}. */
    public static BhyveHypervisor open() {
        return new BhyveHypervisor(LibvmmapiKernel.load(), "vmm4j-" + ProcessHandle.current().pid());
    }

    /** Over any kernel side; tests pass a scripted double. */
    public BhyveHypervisor(VmmKernel kernel, String namePrefix) {
        this.kernel = kernel;
        this.prefix = namePrefix;
    }

    @Override
    public String kind() {
        return BhyveProvider.KIND;
    }

    @Override
    public BhyveVm createVm() {
        if (closed) {
            throw new VmmException("the bhyve hypervisor handle is closed");
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            String name = prefix + "-" + COUNTER.incrementAndGet();
            try {
                return new BhyveVm(kernel.create(name), true);
            } catch (VmmException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
            }
        }
        throw new VmmException("no free VM name with prefix " + prefix);
    }

    /** Opens a VM someone else created (e.g. after bhyveload); closing it does not destroy it. */
    public VirtualMachine openVm(String name) {
        return new BhyveVm(kernel.open(name), false);
    }

    @Override
    public void close() {
        closed = true;
    }
}
