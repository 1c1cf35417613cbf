package org.vmm4j.freebsd;

import static org.vmm4j.freebsd.abi.Vmm.*;
import static org.vmm4j.freebsd.abi.VmmDev.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vmm4j.DirtyLog;
import org.vmm4j.GuestMemory;
import org.vmm4j.MemoryOption;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.freebsd.internal.VmmDevice;
import org.vmm4j.freebsd.internal.VmmStatistics;
import org.vmm4j.internal.GuestMemoryMap;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.VcpuIds;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * A bhyve VM created by this process. Memory: the region at guest-physical 0 is system memory
 * ({@code VM_SYSMEM}, at most 3 GiB, as {@code vm_setup_memory} lays out low memory); other regions,
 * and read-only ones, are device-memory segments ({@code VM_BOOTROM} .. {@code VM_PCIROM}), so a VM has
 * at most four regions. Closing the VM destroys it in the kernel.
 */
public final class BhyveVm implements VirtualMachine {
    /** vm_setup_memory's default low-memory limit: system memory at 0 may not exceed it. */
    public static final long LOWMEM_LIMIT = 3L << 30;

    private static final int DEFAULT_MAX_VCPUS = 16;

    private final VmmDevice device;
    private final GuestMemoryMap regions;
    private final BhyveVcpu[] vcpus;
    /** Ids activated once: bhyve has no VM_DEACTIVATE_CPU, so a closed vCPU's id stays active in the kernel. */
    private final boolean[] activated;

    private final int maxVcpus;
    private final boolean destroyOnClose;
    private final boolean[] segmentUsed = new boolean[VM_PCIROM + 1];
    private volatile List<String> statNames;
    private volatile boolean closed;

    BhyveVm(VmmDevice device, boolean destroyOnClose) {
        this.device = device;
        this.destroyOnClose = destroyOnClose;
        this.regions = new GuestMemoryMap("bhyve VM " + device.name());
        this.maxVcpus = readMaxVcpus(device);
        this.vcpus = new BhyveVcpu[maxVcpus];
        this.activated = new boolean[maxVcpus];
    }

    private static int readMaxVcpus(VmmDevice device) {
        try (NativeMemory topology = NativeAccess.get().allocate(VM_CPU_TOPOLOGY_SIZE)) {
            int r = device.ioctl(VM_GET_TOPOLOGY, topology);
            int max = r < 0 ? 0 : topology.getUnsignedShort(VM_CPU_TOPOLOGY_MAXCPUS);
            return max > 0 ? max : DEFAULT_MAX_VCPUS;
        }
    }

    /** The VM's name under {@code /dev/vmm}. */
    public String name() {
        return device.name();
    }

    @Override
    public String kind() {
        return BhyveHypervisor.KIND;
    }

    @Override
    public synchronized GuestMemory allocateMemory(long guestAddress, long size, MemoryOption... options) {
        ensureOpen();
        List<MemoryOption> opts = Arrays.asList(options);
        if (opts.contains(MemoryOption.LOG_DIRTY_PAGES)) {
            throw new UnsupportedOperationException("vmm(4) on FreeBSD 14 has no dirty-page log");
        }
        regions.checkNew(guestAddress, size);
        boolean readOnly = opts.contains(MemoryOption.READ_ONLY);
        int segid;
        if (guestAddress == 0 && !readOnly && !segmentUsed[VM_SYSMEM]) {
            if (size > LOWMEM_LIMIT) {
                throw new IllegalArgumentException("system memory at 0 is limited to " + (LOWMEM_LIMIT >> 20)
                        + " MiB; map memory above 4 GiB as a second region");
            }
            segid = VM_SYSMEM;
        } else {
            segid = -1;
            for (int s = VM_BOOTROM; s <= VM_PCIROM; s++) {
                if (!segmentUsed[s]) {
                    segid = s;
                    break;
                }
            }
            if (segid < 0) {
                throw new IllegalArgumentException("a bhyve VM has at most " + (VM_PCIROM + 1) + " memory segments");
            }
        }
        NativeMemory memory = device.mapMemory(segid, guestAddress, size, readOnly);
        segmentUsed[segid] = true;
        NativeGuestMemory region = new NativeGuestMemory(guestAddress, memory, readOnly, false, segid);
        regions.add(region);
        return region;
    }

    @Override
    public synchronized void removeMemory(GuestMemory region) {
        ensureOpen();
        NativeGuestMemory own = regions.own(region);
        try (NativeMemory arg = NativeAccess.get().allocate(VM_MUNMAP_SIZE)) {
            arg.putLong(VM_MUNMAP_GPA, region.guestAddress());
            arg.putLong(VM_MUNMAP_LEN, region.size());
            int r = device.ioctl(VM_MUNMAP_MEMSEG, arg);
            if (r < 0) {
                throw Errno.exception("ioctl(VM_MUNMAP_MEMSEG) of " + name(), -r);
            }
        }
        // The segment itself lives until the VM is destroyed; its id is not reused.
        regions.remove(own);
    }

    @Override
    public List<GuestMemory> memoryRegions() {
        ensureOpen();
        return regions.list();
    }

    GuestMemoryMap memoryMap() {
        return regions;
    }

    @Override
    public GuestMemory memoryAt(long guestPhysicalAddress) {
        ensureOpen();
        return regions.at(guestPhysicalAddress);
    }

    @Override
    public synchronized VirtualCpu createVcpu(int id) {
        ensureOpen();
        VcpuIds.checkRange(id, maxVcpus);
        if (vcpus[id] != null) {
            throw new IllegalArgumentException("vCPU " + id + " of " + name() + " exists");
        }
        if (activated[id]) {
            throw new IllegalArgumentException("vCPU id " + id + " of " + name() + " was used by a closed vCPU, and"
                    + " bhyve cannot reuse a vCPU id within a VM's lifetime (VM_ACTIVATE_CPU would fail with EBUSY);"
                    + " use another id or a new VM");
        }
        BhyveVcpu vcpu = new BhyveVcpu(this, device, id);
        try {
            vcpu.activate();
        } catch (RuntimeException e) {
            vcpu.close();
            throw e;
        }
        activated[id] = true;
        vcpus[id] = vcpu;
        return vcpu;
    }

    synchronized void forget(BhyveVcpu vcpu) {
        if (vcpus[vcpu.id()] == vcpu) {
            vcpus[vcpu.id()] = null;
        }
    }

    @Override
    public synchronized List<VirtualCpu> vcpus() {
        ensureOpen();
        List<VirtualCpu> list = new ArrayList<>();
        for (BhyveVcpu v : vcpus) {
            if (v != null) {
                list.add(v);
            }
        }
        return list;
    }

    @Override
    public int maxVcpus() {
        ensureOpen();
        return maxVcpus;
    }

    @Override
    public DirtyLog dirtyLog(GuestMemory region) {
        ensureOpen();
        throw new UnsupportedOperationException("vmm(4) on FreeBSD 14 has no dirty-page log");
    }

    /**
     * Suspends the whole VM ({@code VM_SUSPEND}): every vCPU's next or current run returns
     * {@link org.vmm4j.ExitKind#SUSPENDED} with {@code how}, a {@code vm_suspend_how}
     * ({@link org.vmm4j.freebsd.abi.Vmm#VM_SUSPEND_POWEROFF} for an ACPI-style power-off).
     */
    public void suspend(int how) {
        ensureOpen();
        if (how <= VM_SUSPEND_NONE || how >= VM_SUSPEND_LAST) {
            throw new IllegalArgumentException("not a vm_suspend_how: " + how);
        }
        int r = device.suspend(how);
        if (r < 0) {
            throw Errno.exception("ioctl(VM_SUSPEND) of " + name(), -r);
        }
    }

    List<String> statNames() {
        List<String> names = statNames;
        if (names == null) {
            statNames = names = VmmStatistics.readNames(device);
        }
        return names;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("VM " + name() + " is closed");
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (BhyveVcpu v : vcpus) {
            if (v != null) {
                v.close();
            }
        }
        regions.closeAll(); // unmapped: later accesses throw, the JVM does not crash
        if (destroyOnClose) {
            device.destroy();
        } else {
            device.close();
        }
    }

    @Override
    public String toString() {
        return "BhyveVm[" + name() + "]";
    }
}
