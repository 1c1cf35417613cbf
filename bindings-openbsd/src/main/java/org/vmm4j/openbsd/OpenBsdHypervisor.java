package org.vmm4j.openbsd;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.vmm4j.Hypervisor;
import org.vmm4j.VirtualMachine;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.abi.VmmVar;
import org.vmm4j.openbsd.internal.DevVmm;
import org.vmm4j.openbsd.internal.VmmDevice;

/**
 * OpenBSD's vmm(4) as a tier-1 {@link Hypervisor}: VMs live in this process, created and run through
 * {@code /dev/vmm} (root and the {@code vmm} pledge promise, like vmd). Open it with
 * {@code Hypervisor.open("openbsd-vmm")}; the release's ABI is chosen from {@code kern.osrelease}.
 */
public final class OpenBsdHypervisor implements Hypervisor {
    /** The kind of this backend: {@code Hypervisor.open(KIND)}, the probe's entry, the image catalog's key. */
    public static final String KIND = "openbsd-vmm";

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final VmmDevice device;
    private volatile boolean closed;
    private int openVms;

    /** Over any ioctl layer: {@link DevVmm} on OpenBSD, a kernel double in tests. */
    OpenBsdHypervisor(VmmDevice device) {
        this.device = device;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The ABI in use. */
    public VmmAbi abi() {
        return device.abi();
    }

    /** A VM named {@code vmm4j-<pid>-<n>} (the kernel wants a name; vmctl shows it). */
    @Override
    public VirtualMachine createVm() {
        return createVm("vmm4j-" + device.pid() + "-" + SEQUENCE.incrementAndGet());
    }

    /** A VM with the given name ({@code vcp_name}, at most 63 bytes). */
    public OpenBsdVm createVm(String name) {
        if (closed) {
            throw new IllegalStateException("the hypervisor is closed");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length >= VmmVar.VMM_MAX_NAME_LEN) {
            throw new IllegalArgumentException(
                    "VM name longer than " + (VmmVar.VMM_MAX_NAME_LEN - 1) + " bytes: " + name);
        }
        synchronized (this) {
            openVms++;
        }
        return new OpenBsdVm(device, name, this::vmClosed);
    }

    private synchronized void vmClosed() {
        openVms--;
        closeDeviceWhenUnused();
    }

    private void closeDeviceWhenUnused() {
        if (closed && openVms == 0) {
            device.close();
        }
    }

    /** Every VM the kernel runs (vmd's as well as this process's), via {@code VMM_IOC_INFO}. */
    public List<VmmVmInfo> kernelVms() {
        return VmmVmInfo.list(device);
    }

    /** Closes {@code /dev/vmm} once every VM created from it is closed too. */
    @Override
    public synchronized void close() {
        closed = true;
        closeDeviceWhenUnused();
    }
}
