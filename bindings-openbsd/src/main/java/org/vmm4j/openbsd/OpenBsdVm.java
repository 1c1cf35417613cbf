package org.vmm4j.openbsd;

import static org.vmm4j.openbsd.abi.VmmVar.*;

import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.vmm4j.DirtyLog;
import org.vmm4j.GuestMemory;
import org.vmm4j.MemoryOption;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.internal.GuestMemoryMap;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.VcpuIds;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.CStruct;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.internal.VmmDevice;

/**
 * A vmm(4) VM. vmm(4) takes all guest memory ranges and the vCPU count in one {@code VMM_IOC_CREATE},
 * so this VM collects regions and vCPUs first and creates the kernel VM when it is first needed: the
 * first {@code run()} or register access of any vCPU, or {@link #create()}, and each vCPU is reset
 * ({@code VMM_IOC_RESETCPU}) to the x86 power-on state, as vmd does. From then on memory and vCPUs are
 * fixed; adding more throws {@link IllegalStateException}. Closing terminates the kernel VM
 * ({@code VMM_IOC_TERM}) and unmaps the memory.
 */
public final class OpenBsdVm implements VirtualMachine {
    private final VmmDevice device;
    private final VmmAbi abi;
    private final String name;
    private final GuestMemoryMap regions;
    private final TreeMap<Integer, OpenBsdVcpu> vcpus = new TreeMap<>();
    private boolean created;
    private boolean closed;
    private int vmId = -1;
    private final Runnable onClose;

    OpenBsdVm(VmmDevice device, String name, Runnable onClose) {
        this.device = device;
        this.onClose = onClose;
        this.abi = device.abi();
        this.name = name;
        this.regions = new GuestMemoryMap("vmm(4) VM " + name);
    }

    VmmDevice device() {
        return device;
    }

    @Override
    public String kind() {
        return OpenBsdHypervisor.KIND;
    }

    /** The VM name given to the kernel ({@code vcp_name}). */
    public String name() {
        return name;
    }

    @Override
    public synchronized GuestMemory allocateMemory(long guestAddress, long size, MemoryOption... options) {
        checkOpen();
        for (MemoryOption option : options) {
            throw new UnsupportedOperationException("vmm(4) has no " + option + " memory");
        }
        if (created) {
            throw new IllegalStateException("vmm(4) fixes guest memory when the VM is created; allocate all "
                    + "memory before the first run or register access");
        }
        if (regions.size() == VMM_MAX_MEM_RANGES) {
            throw new IllegalArgumentException("vmm(4) takes at most " + VMM_MAX_MEM_RANGES + " memory ranges");
        }
        regions.checkNew(guestAddress, size);
        if (regions.totalBytes() + size > VMM_MAX_VM_MEM_SIZE) {
            throw new IllegalArgumentException("vmm(4) allows at most " + VMM_MAX_VM_MEM_SIZE + " bytes per VM");
        }
        NativeMemory memory = device.mapAnonymous(size);
        NativeGuestMemory region = new NativeGuestMemory(guestAddress, memory, false, false, regions.size());
        regions.add(region);
        return region;
    }

    @Override
    public synchronized void removeMemory(GuestMemory region) {
        checkOpen();
        if (created) {
            throw new IllegalStateException("vmm(4) cannot remove memory from a created VM");
        }
        regions.remove(regions.own(region));
    }

    @Override
    public synchronized List<GuestMemory> memoryRegions() {
        checkOpen();
        return regions.list();
    }

    @Override
    public synchronized GuestMemory memoryAt(long guestPhysicalAddress) {
        checkOpen();
        return regions.at(guestPhysicalAddress);
    }

    @Override
    public synchronized VirtualCpu createVcpu(int id) {
        checkOpen();
        VcpuIds.checkRange(id, maxVcpus());
        if (vcpus.containsKey(id)) {
            throw new IllegalArgumentException("vCPU " + id + " already exists");
        }
        if (created) {
            throw new IllegalStateException("vmm(4) fixes the vCPU count when the VM is created; create all "
                    + "vCPUs before the first run or register access");
        }
        OpenBsdVcpu vcpu = new OpenBsdVcpu(this, id);
        vcpus.put(id, vcpu);
        return vcpu;
    }

    /** The vCPUs not closed, in id order. */
    @Override
    public synchronized List<VirtualCpu> vcpus() {
        checkOpen();
        return List.copyOf(vcpus.values());
    }

    /** A vCPU closed itself: it leaves {@link #vcpus()} (the kernel VM, if created, keeps its count). */
    synchronized void vcpuClosed(OpenBsdVcpu vcpu) {
        vcpus.remove(vcpu.id(), vcpu);
    }

    @Override
    public synchronized int maxVcpus() {
        checkOpen();
        return VMM_MAX_VCPUS_PER_VM;
    }

    /** No region logs dirty pages on vmm(4) ({@code LOG_DIRTY_PAGES} is refused), so none has a log. */
    @Override
    public synchronized DirtyLog dirtyLog(GuestMemory region) {
        checkOpen();
        throw new IllegalArgumentException("vmm(4) does not log dirty pages: " + region);
    }

    /**
     * Creates the kernel VM now ({@code VMM_IOC_CREATE}) with the regions and vCPUs so far. vCPU ids
     * must be 0..n-1: vmm(4) numbers them itself.
     *
     * @throws org.vmm4j.VmmException when the kernel refuses
     */
    public synchronized void create() {
        checkOpen();
        if (created) {
            return;
        }
        if (regions.isEmpty()) {
            throw new IllegalStateException("a vmm(4) VM needs guest memory before it is created");
        }
        if (vcpus.isEmpty() || vcpus.lastKey() != vcpus.size() - 1) {
            throw new IllegalStateException(
                    "vmm(4) needs vCPUs numbered 0.." + (vcpus.size() - 1) + ", have " + vcpus.keySet());
        }
        CStruct p = abi.vmCreateParams;
        try (NativeMemory params = device.allocate(p.size())) {
            params.putLong(p.offset("vcp_nmemranges"), regions.size());
            params.putLong(p.offset("vcp_ncpus"), vcpus.size());
            long range = p.offset("vcp_memranges");
            long rangeSize = abi.vmMemRange.size();
            for (int i = 0; i < regions.size(); i++) {
                NativeGuestMemory r = regions.get(i);
                long at = range + i * rangeSize;
                params.putLong(at + abi.vmMemRange.offset("vmr_gpa"), r.guestAddress());
                params.putLong(at + abi.vmMemRange.offset("vmr_va"), r.memory().address());
                params.putLong(at + abi.vmMemRange.offset("vmr_size"), r.size());
                params.putInt(at + abi.vmMemRange.offset("vmr_type"), VM_MEM_RAM);
            }
            params.putString(p.offset("vcp_name"), name);
            int rc = device.ioctl(abi.iocCreate, params);
            if (rc < 0) {
                throw Errno.exception("ioctl(VMM_IOC_CREATE, " + name + ")", -rc);
            }
            vmId = params.getInt(p.offset("vcp_id"));
        }
        created = true;
        // vmd resets every vCPU before its first run; do the same so each starts from the x86
        // power-on state (callers then write their own registers on top).
        CStruct r = abi.vmResetcpuParams;
        RegisterState state = new RegisterState(abi);
        try (NativeMemory params = device.allocate(r.size())) {
            for (int id : vcpus.keySet()) {
                params.putInt(r.offset("vrp_vm_id"), vmId);
                params.putInt(r.offset("vrp_vcpu_id"), id);
                state.writePowerOn(params, r.offset("vrp_init_state"));
                int rc = device.ioctl(abi.iocResetcpu, params);
                if (rc < 0) {
                    throw Errno.exception("ioctl(VMM_IOC_RESETCPU, vCPU " + id + ")", -rc);
                }
            }
        }
    }

    synchronized int ensureCreated() {
        create();
        return vmId;
    }

    /** The kernel's id for this VM ({@code vcp_id}), or -1 before it is created. */
    public synchronized int vmId() {
        return vmId;
    }

    /** What {@code VMM_IOC_INFO} reports about this VM, or empty before it is created. */
    public Optional<VmmVmInfo> info() {
        int id;
        synchronized (this) {
            if (!created || closed) {
                return Optional.empty();
            }
            id = vmId;
        }
        for (VmmVmInfo info : VmmVmInfo.list(device)) {
            if (info.id() == id) {
                return Optional.of(info);
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (OpenBsdVcpu vcpu : List.copyOf(vcpus.values())) {
            vcpu.close();
        }
        if (created) {
            CStruct t = abi.vmTerminateParams;
            try (NativeMemory params = device.allocate(t.size())) {
                params.putInt(t.offset("vtp_vm_id"), vmId);
                device.ioctl(abi.iocTerm, params);
            }
        }
        regions.closeAll();
        onClose.run();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the VM is closed");
        }
    }

    @Override
    public String toString() {
        return "OpenBsdVm[" + name + ", id " + vmId + ", " + regions.size() + " regions, " + vcpus.size() + " vCPUs]";
    }
}
