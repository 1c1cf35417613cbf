package org.vmm4j.freebsd;

import java.util.concurrent.atomic.AtomicInteger;
import org.vmm4j.Hypervisor;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmmException;
import org.vmm4j.freebsd.internal.BhyveHost;
import org.vmm4j.freebsd.internal.VmmKernel;
import org.vmm4j.internal.nat.Errno;

/**
 * bhyve's vmm(4) as a {@link Hypervisor}: VMs are created through libvmmapi and named
 * {@code vmm4j-<pid>-<n>}, so they are recognisable in {@code /dev/vmm} and never collide with bhyve(8)
 * guests.
 */
public final class BhyveHypervisor implements Hypervisor {
    /** The kind of this backend, its VMs, its probe entry and its guest manager: {@value}. */
    public static final String KIND = "bhyve";

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final VmmKernel kernel;
    private final String prefix;
    private volatile boolean closed;

    /**
     * Opens vmm(4) on this host through libvmmapi. {@code Hypervisor.open()} is the usual way in; it
     * also refuses hosts that are not FreeBSD 14 or later.
     *
     * @throws org.vmm4j.HypervisorUnavailableException when libvmmapi cannot be loaded
     */
    public static BhyveHypervisor open() {
        return new BhyveHypervisor(
                BhyveHost.current().kernel().get(),
                "vmm4j-" + ProcessHandle.current().pid());
    }

    /** Over any kernel side; tests pass a scripted double. */
    BhyveHypervisor(VmmKernel kernel, String namePrefix) {
        this.kernel = kernel;
        this.prefix = namePrefix;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public BhyveVm createVm() {
        ensureOpen();
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
        ensureOpen();
        return new BhyveVm(kernel.open(name), false);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the bhyve hypervisor handle is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
