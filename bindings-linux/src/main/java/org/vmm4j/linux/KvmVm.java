package org.vmm4j.linux;

import static org.vmm4j.linux.abi.KvmHeader.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.vmm4j.DirtyLog;
import org.vmm4j.GuestMemory;
import org.vmm4j.MemoryOption;
import org.vmm4j.Stats;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmmException;
import org.vmm4j.event.EventFd;
import org.vmm4j.event.EventFdRouting;
import org.vmm4j.internal.GuestMemoryMap;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.VcpuIds;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.x86.X86Platform;

/**
 * A KVM virtual machine: the VM fd, its memory slots and its vCPUs. Beyond {@link VirtualMachine} it
 * offers the x86 platform set-up a VMM needs (TSS, identity map, in-kernel irqchip, PIT, IRQ lines).
 */
public final class KvmVm implements VirtualMachine, EventFdRouting {
    private final KvmSystem system;
    private final Libc libc;
    private final int fd;
    private final GuestMemoryMap regions;
    private final BitSet usedSlots = new BitSet();
    private final KvmVcpu[] vcpus;
    private final int maxVcpus;
    /** One allocation for the VM's ioctl buffers: closing a shared arena costs a thread handshake. */
    private final NativeMemory buffers;

    private final NativeMemory irqLevel;
    private final NativeMemory regionRequest;
    private final NativeMemory msi;
    private final NativeMemory enableCap;
    private final KvmEventFds eventFds;
    private final boolean exitsOnEmulationFailure;
    /** KVM_SET_GSI_ROUTING's table, allocated on first use (split-irqchip machines only). */
    private NativeMemory routing;
    /** The buffer of the VM state ioctls, allocated on first use. */
    private NativeMemory stateBuffer;

    private final List<KvmDirtyLog> dirtyLogs = new ArrayList<>();
    private Stats stats;
    /** Thread id of the creator: KVM names the VM's debugfs directory after it. */
    private final int creatorTid;

    /** Which devices KVM emulates for this VM: what its saved state holds. */
    private boolean localApics;

    private boolean kernelIrqchip;
    private boolean pit;

    private volatile boolean closed;
    private final KvmX86Platform x86 = new KvmX86Platform(this);

    KvmVm(KvmSystem system, Libc libc, int fd) {
        this.system = system;
        this.libc = libc;
        this.fd = fd;
        this.creatorTid = libc.gettid();
        this.regions = new GuestMemoryMap("KVM VM fd " + fd);
        try {
            int recommended = checkExtensionOnVm(KVM_CAP_NR_VCPUS);
            int max = checkExtensionOnVm(KVM_CAP_MAX_VCPUS);
            int maxId = checkExtensionOnVm(KVM_CAP_MAX_VCPU_ID);
            // KVM_CAP_MAX_VCPUS defaults to NR_VCPUS and MAX_VCPU_ID to MAX_VCPUS when not reported.
            this.maxVcpus = maxId > 0 ? maxId : max > 0 ? max : recommended > 0 ? recommended : 4;
            this.vcpus = new KvmVcpu[maxVcpus];
            int regionAt = KvmStructs.IrqLevel.SIZE;
            int msiAt = regionAt + KvmStructs.UserspaceMemoryRegion.SIZE;
            int capAt = msiAt + KvmStructs.Msi.SIZE;
            int eventFdsAt = capAt + KvmStructs.EnableCap.SIZE;
            this.buffers = libc.access().allocate(eventFdsAt + KvmEventFds.bufferSize());
            this.irqLevel = buffers.slice(0, KvmStructs.IrqLevel.SIZE);
            this.regionRequest = buffers.slice(regionAt, KvmStructs.UserspaceMemoryRegion.SIZE);
            this.msi = buffers.slice(msiAt, KvmStructs.Msi.SIZE);
            this.enableCap = buffers.slice(capAt, KvmStructs.EnableCap.SIZE);
            this.eventFds = new KvmEventFds(libc, fd, buffers.slice(eventFdsAt, KvmEventFds.bufferSize()));
            this.exitsOnEmulationFailure = enableExitOnEmulationFailure();
        } catch (RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    /**
     * {@code KVM_CAP_EXIT_ON_EMULATION_FAILURE} (Linux 5.16+): KVM reports every instruction it cannot
     * emulate to user space, with the instruction's bytes, instead of handling some itself.
     */
    private boolean enableExitOnEmulationFailure() {
        if (checkExtensionOnVm(KVM_CAP_EXIT_ON_EMULATION_FAILURE) <= 0) {
            return false;
        }
        enableCap.fill(0, KvmStructs.EnableCap.SIZE, (byte) 0);
        enableCap.putInt(KvmStructs.EnableCap.CAP, KVM_CAP_EXIT_ON_EMULATION_FAILURE);
        enableCap.putLong(KvmStructs.EnableCap.ARGS, 1);
        return libc.ioctl(fd, KVM_ENABLE_CAP, enableCap) == 0;
    }

    /** Whether this VM has {@code KVM_CAP_EXIT_ON_EMULATION_FAILURE} enabled (where the host offers it). */
    public boolean exitsOnEmulationFailure() {
        return exitsOnEmulationFailure;
    }

    /** The guest RAM region holding {@code guestPhysicalAddress}, or {@code null}; takes no lock. */
    NativeGuestMemory findMemory(long guestPhysicalAddress) {
        return regions.find(guestPhysicalAddress);
    }

    /** The VM file descriptor. */
    public int fd() {
        return fd;
    }

    KvmSystem system() {
        return system;
    }

    @Override
    public String kind() {
        return KvmHypervisor.KIND;
    }

    /** {@code KVM_CHECK_EXTENSION} on the VM fd (VM-specific answers, e.g. max vCPUs). */
    public int checkExtension(int capability) {
        checkOpen();
        return checkExtensionOnVm(capability);
    }

    private int checkExtensionOnVm(int capability) {
        long r = libc.ioctl(fd, KVM_CHECK_EXTENSION, capability);
        return r < 0 ? 0 : (int) r;
    }

    @Override
    public synchronized GuestMemory allocateMemory(long guestAddress, long size, MemoryOption... options) {
        checkOpen();
        regions.checkNew(guestAddress, size);
        Set<MemoryOption> opts = options.length == 0 ? Set.of() : Set.of(options);
        boolean readOnly = opts.contains(MemoryOption.READ_ONLY);
        boolean dirty = opts.contains(MemoryOption.LOG_DIRTY_PAGES);
        if (readOnly && checkExtensionOnVm(KVM_CAP_READONLY_MEM) == 0) {
            throw new UnsupportedOperationException(
                    "this KVM does not support read-only memory (KVM_CAP_READONLY_MEM)");
        }
        NativeMemory memory = libc.map(
                "guest memory at 0x" + Long.toHexString(guestAddress),
                size,
                Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE,
                -1,
                0);
        return install(guestAddress, memory, readOnly, dirty);
    }

    /**
     * Makes {@code memory} the guest's at {@code guestAddress} in the first free slot (closing it if KVM refuses)
     * and records the region.
     */
    private NativeGuestMemory install(long guestAddress, NativeMemory memory, boolean readOnly, boolean dirty) {
        int slot = usedSlots.nextClearBit(0);
        int flags = (readOnly ? KVM_MEM_READONLY : 0) | (dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0);
        try {
            setUserMemoryRegion(slot, flags, guestAddress, memory.size(), memory.address());
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
        NativeGuestMemory region = new NativeGuestMemory(guestAddress, memory, readOnly, dirty, slot);
        usedSlots.set(slot);
        regions.add(region);
        return region;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The file is opened read-only, mapped {@code MAP_PRIVATE | MAP_NORESERVE} and closed again: the mapping
     * keeps the file's pages, the first write to a page copies it, and nothing is read before it is touched.
     */
    @Override
    public synchronized GuestMemory mapMemoryFile(
            long guestAddress, long size, Path file, long fileOffset, MemoryOption... options) {
        checkOpen();
        Objects.requireNonNull(file, "file");
        regions.checkNew(guestAddress, size);
        boolean dirty = false;
        for (MemoryOption option : options) {
            if (option != MemoryOption.LOG_DIRTY_PAGES) {
                throw new IllegalArgumentException(
                        option + " is not offered for a file mapped as guest memory (only LOG_DIRTY_PAGES)");
            }
            dirty = true;
        }
        if (fileOffset < 0 || (fileOffset & (GuestMemoryMap.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("file offset " + fileOffset + " of " + file
                    + " is not a non-negative multiple of the " + GuestMemoryMap.PAGE_SIZE + "-byte page size");
        }
        int fileFd = libc.open(file.toString(), Libc.O_RDONLY, 0);
        if (fileFd < 0) {
            throw new UncheckedIOException(
                    new IOException("cannot open " + file + " as guest memory: " + libc.strerror(-fileFd)));
        }
        NativeMemory memory;
        try {
            long length;
            try {
                if (!Files.isRegularFile(file)) {
                    throw new IOException(file + " is not a regular file");
                }
                length = Files.size(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot map " + file + " as guest memory: " + e.getMessage(), e);
            }
            if (length - fileOffset < size) {
                throw new IllegalArgumentException(file + " is " + length + " bytes, shorter than the " + size
                        + " bytes to map from offset " + fileOffset);
            }
            memory = libc.map(
                    file + " at guest 0x" + Long.toHexString(guestAddress),
                    size,
                    Libc.PROT_READ | Libc.PROT_WRITE,
                    Libc.MAP_PRIVATE | Libc.MAP_NORESERVE,
                    fileFd,
                    fileOffset);
        } finally {
            libc.close(fileFd);
        }
        return install(guestAddress, memory, false, dirty);
    }

    /**
     * The VM's buffer for the state ioctls, of at least {@code size} bytes, zeroed; allocated once and kept (a
     * restore allocates nothing), valid until the next call.
     */
    synchronized NativeMemory stateBuffer(long size) {
        checkOpen();
        if (stateBuffer == null || stateBuffer.size() < size) {
            if (stateBuffer != null) {
                stateBuffer.close();
            }
            stateBuffer = libc.access().allocate(size);
        }
        stateBuffer.fill(0, size, (byte) 0);
        return stateBuffer;
    }

    /** An ioctl on the VM fd with a pointer argument: the result, or {@code -errno}. */
    long ioctl(long request, NativeMemory arg) {
        checkOpen();
        return libc.ioctl(fd, request, arg);
    }

    private synchronized void setUserMemoryRegion(int slot, int flags, long guestAddress, long size, long hostAddress) {
        NativeMemory region = regionRequest;
        {
            region.putInt(KvmStructs.UserspaceMemoryRegion.SLOT, slot);
            region.putInt(KvmStructs.UserspaceMemoryRegion.FLAGS, flags);
            region.putLong(KvmStructs.UserspaceMemoryRegion.GUEST_PHYS_ADDR, guestAddress);
            region.putLong(KvmStructs.UserspaceMemoryRegion.MEMORY_SIZE, size);
            region.putLong(KvmStructs.UserspaceMemoryRegion.USERSPACE_ADDR, hostAddress);
            Errno.check(
                    libc.ioctl(fd, KVM_SET_USER_MEMORY_REGION, region),
                    "ioctl(KVM_SET_USER_MEMORY_REGION, slot " + slot + ")");
        }
    }

    @Override
    public synchronized void removeMemory(GuestMemory region) {
        checkOpen();
        NativeGuestMemory own = regions.own(region);
        setUserMemoryRegion(own.slot(), 0, own.guestAddress(), 0, 0);
        regions.remove(own);
        usedSlots.clear(own.slot());
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
    public synchronized KvmVcpu createVcpu(int id) {
        checkOpen();
        VcpuIds.checkRange(id, maxVcpus);
        if (vcpus[id] != null && !vcpus[id].isClosed()) {
            throw new IllegalArgumentException("vCPU " + id + " already exists");
        }
        if (vcpus[id] != null) {
            // KVM keeps a vCPU for the VM's lifetime once created: closing its fd does not free the id,
            // and KVM_CREATE_VCPU would fail with EEXIST.
            throw new IllegalArgumentException("vCPU id " + id + " was used by a closed vCPU, and KVM cannot reuse a"
                    + " vCPU id within a VM's lifetime; use another id or a new VM");
        }
        int vcpuFd = (int) Errno.check(libc.ioctl(fd, KVM_CREATE_VCPU, id), "ioctl(KVM_CREATE_VCPU, " + id + ")");
        try {
            NativeMemory run = libc.map(
                    "kvm_run of vCPU " + id,
                    system.vcpuMmapSize(),
                    Libc.PROT_READ | Libc.PROT_WRITE,
                    Libc.MAP_SHARED,
                    vcpuFd,
                    0);
            KvmVcpu vcpu = new KvmVcpu(this, libc, id, vcpuFd, run);
            vcpus[id] = vcpu;
            return vcpu;
        } catch (RuntimeException e) {
            libc.close(vcpuFd);
            throw e;
        }
    }

    @Override
    public synchronized List<VirtualCpu> vcpus() {
        checkOpen();
        List<VirtualCpu> list = new ArrayList<>();
        for (KvmVcpu v : vcpus) {
            if (v != null && !v.isClosed()) {
                list.add(v);
            }
        }
        return list;
    }

    @Override
    public int maxVcpus() {
        checkOpen();
        return maxVcpus;
    }

    @Override
    public synchronized DirtyLog dirtyLog(GuestMemory region) {
        checkOpen();
        NativeGuestMemory own = regions.own(region);
        if (!own.logsDirtyPages()) {
            throw new IllegalArgumentException(region + " was not mapped with LOG_DIRTY_PAGES");
        }
        KvmDirtyLog log = new KvmDirtyLog(this, libc, own);
        dirtyLogs.add(log);
        return log;
    }

    /**
     * The VM's statistics: KVM's binary stats fd where the kernel has it (KVM_CAP_BINARY_STATS_FD),
     * else debugfs. One handle per VM, closed with it.
     */
    @Override
    public synchronized Stats stats() {
        checkOpen();
        if (stats == null) {
            stats = checkExtensionOnVm(KVM_CAP_BINARY_STATS_FD) > 0
                    ? openStats(Stats.Source.BINARY_FD)
                    : openStats(Stats.Source.DEBUGFS);
        }
        return stats;
    }

    /**
     * A new statistics handle from the given source (the caller closes it; {@link #stats()} is the
     * shared one). Debugfs must be mounted on /sys/kernel/debug for {@link Stats.Source#DEBUGFS}.
     */
    public Stats openStats(Stats.Source source) {
        checkOpen();
        return switch (source) {
            case BINARY_FD -> binaryStats(fd, "VM");
            case DEBUGFS -> {
                var dir = KvmDebugfsStats.vmDirectory(creatorTid, fd);
                if (!Files.isDirectory(dir)) {
                    throw new VmmException(
                            "KVM_GET_STATS_FD",
                            0,
                            "no statistics for this VM: "
                                    + (checkExtensionOnVm(KVM_CAP_BINARY_STATS_FD) > 0
                                            ? ""
                                            : "the kernel has no KVM_GET_STATS_FD and ")
                                    + "debugfs has no " + dir + " (mount debugfs on /sys/kernel/debug)");
                }
                yield new KvmDebugfsStats(dir);
            }
            default -> throw new IllegalArgumentException("KVM has no " + source + " statistics");
        };
    }

    /** Opens KVM_GET_STATS_FD on a VM or vCPU fd. */
    KvmBinaryStats binaryStats(int ownerFd, String what) {
        if (checkExtensionOnVm(KVM_CAP_BINARY_STATS_FD) <= 0) {
            throw new VmmException(
                    "KVM_GET_STATS_FD",
                    0,
                    "this kernel has no binary KVM statistics " + "(KVM_CAP_BINARY_STATS_FD, Linux 5.14+) for the "
                            + what);
        }
        long statsFd = Errno.check(libc.ioctl(ownerFd, KVM_GET_STATS_FD, 0), "ioctl(KVM_GET_STATS_FD) on the " + what);
        return new KvmBinaryStats(libc, (int) statsFd);
    }

    /** {@code KVM_SET_TSS_ADDR}: three pages of guest-physical space for VT-x's real-mode emulation. */
    public void setTssAddress(long address) {
        checkOpen();
        Errno.check(libc.ioctl(fd, KVM_SET_TSS_ADDR, address), "ioctl(KVM_SET_TSS_ADDR)");
    }

    /** {@code KVM_SET_IDENTITY_MAP_ADDR}: one page for VT-x's identity-mapped page table. */
    public void setIdentityMapAddress(long address) {
        checkOpen();
        try (NativeMemory value = libc.access().allocate(8)) {
            value.putLong(0, address);
            Errno.check(libc.ioctl(fd, KVM_SET_IDENTITY_MAP_ADDR, value), "ioctl(KVM_SET_IDENTITY_MAP_ADDR)");
        }
    }

    /** {@code KVM_CREATE_IRQCHIP}: in-kernel PIC, IOAPIC and local APICs. Call before creating vCPUs. */
    public void createIrqchip() {
        checkOpen();
        Errno.check(libc.ioctl(fd, KVM_CREATE_IRQCHIP, 0), "ioctl(KVM_CREATE_IRQCHIP)");
        synchronized (this) {
            kernelIrqchip = true;
            localApics = true;
        }
    }

    /** Whether the vCPUs' local APICs are in the kernel (an in-kernel or split irqchip was set up). */
    synchronized boolean hasLocalApics() {
        return localApics;
    }

    /** Whether the PICs and IOAPIC are in the kernel ({@link #createIrqchip()}). */
    synchronized boolean hasKernelIrqchip() {
        return kernelIrqchip;
    }

    /** Whether the in-kernel PIT exists ({@link #createPit2()}). */
    synchronized boolean hasPit() {
        return pit;
    }

    /** {@code KVM_CREATE_PIT2} with a dummy speaker port. */
    public void createPit2() {
        checkOpen();
        try (NativeMemory config = libc.access().allocate(KvmStructs.PitConfig.SIZE)) {
            config.putInt(KvmStructs.PitConfig.FLAGS, KVM_PIT_SPEAKER_DUMMY);
            Errno.check(libc.ioctl(fd, KVM_CREATE_PIT2, config), "ioctl(KVM_CREATE_PIT2)");
        }
        synchronized (this) {
            pit = true;
        }
    }

    /** {@code KVM_IRQ_LINE}: drives an interrupt line of the in-kernel irqchip. Allocates nothing. */
    public synchronized void setIrqLine(int irq, boolean high) {
        checkOpen();
        irqLevel.putInt(KvmStructs.IrqLevel.IRQ, irq);
        irqLevel.putInt(KvmStructs.IrqLevel.LEVEL, high ? 1 : 0);
        long r = libc.ioctl(fd, KVM_IRQ_LINE, irqLevel);
        if (r < 0) {
            throw Errno.exception("ioctl(KVM_IRQ_LINE, " + irq + ")", (int) -r);
        }
    }

    /**
     * {@code KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)}: local APICs in the kernel, the IOAPIC and PIC
     * left to user space, GSIs {@code 0..ioapicPins-1} reserved for the user-space IOAPIC's routes.
     * Call instead of {@link #createIrqchip()}, before creating vCPUs.
     */
    public synchronized void enableSplitIrqchip(int ioapicPins) {
        checkOpen();
        if (ioapicPins < 1 || ioapicPins > 256) {
            throw new IllegalArgumentException("IOAPIC pin count must be 1-256, not " + ioapicPins);
        }
        if (checkExtensionOnVm(KVM_CAP_SPLIT_IRQCHIP) <= 0) {
            throw new VmmException("KVM_CAP_SPLIT_IRQCHIP", 0, "this KVM has no split irqchip (Linux 4.5+)");
        }
        enableCap.fill(0, KvmStructs.EnableCap.SIZE, (byte) 0);
        enableCap.putInt(KvmStructs.EnableCap.CAP, KVM_CAP_SPLIT_IRQCHIP);
        enableCap.putLong(KvmStructs.EnableCap.ARGS, ioapicPins);
        Errno.check(libc.ioctl(fd, KVM_ENABLE_CAP, enableCap), "ioctl(KVM_ENABLE_CAP, KVM_CAP_SPLIT_IRQCHIP)");
        localApics = true;
    }

    /**
     * {@code KVM_SIGNAL_MSI}: sends one message-signalled interrupt to the in-kernel local APICs.
     * Allocates nothing.
     *
     * @return {@code true} if delivered; {@code false} if the guest had it blocked or no local APIC
     *         matched the destination (KVM returns -1 for that, which reads as EPERM: a guest's
     *         misprogrammed route must not bring the VMM down)
     */
    public synchronized boolean signalMsi(long address, int data) {
        checkOpen();
        msi.putInt(KvmStructs.Msi.ADDRESS_LO, (int) address);
        msi.putInt(KvmStructs.Msi.ADDRESS_HI, (int) (address >>> 32));
        msi.putInt(KvmStructs.Msi.DATA, data);
        msi.putInt(KvmStructs.Msi.FLAGS, 0);
        long r = libc.ioctl(fd, KVM_SIGNAL_MSI, msi);
        if (r < 0 && r != -Errno.EPERM) {
            throw Errno.exception(
                    "ioctl(KVM_SIGNAL_MSI, address 0x" + Long.toHexString(address) + ", data 0x"
                            + Integer.toHexString(data) + ")",
                    (int) -r);
        }
        return r > 0;
    }

    /**
     * {@code KVM_SET_GSI_ROUTING}: replaces the VM's routing table with MSI routes, GSI {@code i} to
     * ({@code addresses[i]}, {@code data[i]}) for every {@code i} with {@code enabled[i]}. On a split
     * irqchip this is how KVM learns which vectors of the user-space IOAPIC are level-triggered, so
     * that it reports their end-of-interrupt ({@code KVM_EXIT_IOAPIC_EOI}).
     */
    public synchronized void setMsiRoutes(long[] addresses, int[] data, boolean[] enabled) {
        checkOpen();
        int n = addresses.length;
        if (data.length != n || enabled.length != n) {
            throw new IllegalArgumentException("addresses, data and enabled must have the same length");
        }
        long size = KvmStructs.IrqRouting.SIZE + (long) n * KvmStructs.IrqRoutingEntry.SIZE;
        if (routing == null || routing.size() < size) {
            if (routing != null) {
                routing.close();
            }
            routing = libc.access().allocate(size);
        }
        routing.fill(0, size, (byte) 0);
        int count = 0;
        for (int gsi = 0; gsi < n; gsi++) {
            if (enabled[gsi]) {
                long e = KvmStructs.IrqRouting.ENTRIES + (long) count++ * KvmStructs.IrqRoutingEntry.SIZE;
                routing.putInt(e + KvmStructs.IrqRoutingEntry.GSI, gsi);
                routing.putInt(e + KvmStructs.IrqRoutingEntry.TYPE, KVM_IRQ_ROUTING_MSI);
                routing.putInt(e + KvmStructs.IrqRoutingEntry.MSI_ADDRESS_LO, (int) addresses[gsi]);
                routing.putInt(e + KvmStructs.IrqRoutingEntry.MSI_ADDRESS_HI, (int) (addresses[gsi] >>> 32));
                routing.putInt(e + KvmStructs.IrqRoutingEntry.MSI_DATA, data[gsi]);
            }
        }
        routing.putInt(KvmStructs.IrqRouting.NR, count);
        Errno.check(
                libc.ioctl(fd, KVM_SET_GSI_ROUTING, routing), "ioctl(KVM_SET_GSI_ROUTING, " + count + " MSI routes)");
    }

    /**
     * {@code KVM_IOEVENTFD}: the guest's writes to {@code guestPhysicalAddress} of {@code length} bytes
     * (0: any length) signal {@code eventFd} inside KVM, with no exit to the vCPU's run loop; with a
     * {@code datamatch}, only writes of that value do (others exit as ordinary MMIO writes). The
     * registration ends with {@link #unregisterIoEventFd} or when the VM closes.
     *
     * @throws IllegalArgumentException if {@code length} is not 0, 1, 2, 4 or 8, a datamatch comes with
     *         length 0 or does not fit {@code length} bytes, or a write could match an existing registration
     * @throws IllegalStateException if the VM or {@code eventFd} is closed
     * @throws VmmException naming KVM_IOEVENTFD and the errno when KVM refuses
     */
    @Override
    public synchronized void registerIoEventFd(
            EventFd eventFd, long guestPhysicalAddress, int length, OptionalLong datamatch) {
        checkOpen();
        eventFds.registerIoEvent(eventFd, false, guestPhysicalAddress, length, datamatch);
    }

    /**
     * Ends a registration made with {@link #registerIoEventFd}: the same eventfd, address and datamatch.
     *
     * @throws IllegalArgumentException if there is no such registration
     * @throws IllegalStateException if the VM or {@code eventFd} is closed
     */
    @Override
    public synchronized void unregisterIoEventFd(EventFd eventFd, long guestPhysicalAddress, OptionalLong datamatch) {
        checkOpen();
        eventFds.unregisterIoEvent(eventFd, false, guestPhysicalAddress, datamatch);
    }

    /**
     * {@code KVM_IOEVENTFD} with {@code KVM_IOEVENTFD_FLAG_PIO}: as {@link #registerIoEventFd} for the
     * guest's {@code OUT} to I/O port {@code port}.
     *
     * @throws IllegalArgumentException as {@link #registerIoEventFd}, or if the port range leaves 0..0xffff
     */
    @Override
    public synchronized void registerPortIoEventFd(EventFd eventFd, int port, int length, OptionalLong datamatch) {
        checkOpen();
        eventFds.registerIoEvent(eventFd, true, port, length, datamatch);
    }

    /**
     * Ends a registration made with {@link #registerPortIoEventFd}.
     *
     * @throws IllegalArgumentException if there is no such registration
     */
    @Override
    public synchronized void unregisterPortIoEventFd(EventFd eventFd, int port, OptionalLong datamatch) {
        checkOpen();
        eventFds.unregisterIoEvent(eventFd, true, port, datamatch);
    }

    /**
     * {@code KVM_IRQFD}: signalling {@code eventFd} raises interrupt {@code gsi} inside KVM, as an edge
     * (the line is asserted and dropped at once), with no ioctl from the signalling thread. The GSI is
     * an in-kernel irqchip pin (0-23) or, on a split irqchip, a route set with {@link #setMsiRoutes}.
     * An edge suits virtio-mmio on an ISA line, which Linux programs edge-triggered; for a
     * level-triggered pin use {@link #registerIrqFd(EventFd, int, EventFd)}.
     *
     * @throws IllegalArgumentException if {@code eventFd} is an irqfd already or {@code gsi} is negative
     * @throws IllegalStateException if the VM or {@code eventFd} is closed
     * @throws VmmException naming KVM_IRQFD and the errno when KVM refuses (e.g. no irqchip)
     */
    @Override
    public synchronized void registerIrqFd(EventFd eventFd, int gsi) {
        checkOpen();
        eventFds.registerIrqFd(eventFd, gsi, null);
    }

    /**
     * {@code KVM_IRQFD} with {@code KVM_IRQFD_FLAG_RESAMPLE}, for a level-triggered pin of the in-kernel
     * IOAPIC: signalling {@code eventFd} asserts {@code gsi} and keeps it asserted; when the guest
     * acknowledges the interrupt (EOI), KVM drops the line and signals {@code resample}, on which the
     * device re-asserts the line if its interrupt is still pending. Needs {@code KVM_CAP_IRQFD_RESAMPLE}
     * and the in-kernel irqchip.
     *
     * @throws IllegalArgumentException as {@link #registerIrqFd(EventFd, int)}, or if {@code resample}
     *         is {@code eventFd}
     */
    @Override
    public synchronized void registerIrqFd(EventFd eventFd, int gsi, EventFd resample) {
        checkOpen();
        eventFds.registerIrqFd(eventFd, gsi, java.util.Objects.requireNonNull(resample, "resample"));
    }

    /**
     * Ends a registration made with {@link #registerIrqFd}.
     *
     * @throws IllegalArgumentException if {@code eventFd} is not the irqfd of {@code gsi}
     */
    @Override
    public synchronized void unregisterIrqFd(EventFd eventFd, int gsi) {
        checkOpen();
        eventFds.unregisterIrqFd(eventFd, gsi);
    }

    /** This VM itself: KVM has ioeventfds and irqfds. */
    @Override
    public Optional<EventFdRouting> eventFdRouting() {
        checkOpen();
        return Optional.of(this);
    }

    /** The x86 platform of this VM (one per VM; it remembers how the irqchip was prepared). */
    @Override
    public X86Platform x86() {
        checkOpen();
        return x86;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the VM is closed");
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (KvmVcpu vcpu : vcpus) {
            if (vcpu != null) {
                vcpu.close();
            }
        }
        synchronized (this) {
            eventFds.releaseAll();
        }
        libc.close(fd);
        regions.closeAll();
        dirtyLogs.forEach(KvmDirtyLog::release);
        if (stats != null) {
            stats.close();
        }
        buffers.close();
        synchronized (this) {
            if (routing != null) {
                routing.close();
                routing = null;
            }
            if (stateBuffer != null) {
                stateBuffer.close();
                stateBuffer = null;
            }
        }
    }
}
