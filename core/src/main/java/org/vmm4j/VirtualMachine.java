package org.vmm4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.vmm4j.event.EventFdRouting;
import org.vmm4j.x86.X86Platform;

/**
 * A virtual machine created in this process: guest memory is this process's memory, vCPUs run on
 * this process's threads. Closing it closes its vCPUs and unmaps its memory.
 *
 * <p>{@link #close()} is idempotent. On a closed VM every method other than {@link #kind()},
 * {@link #isClosed()} and {@link #close()} throws {@link IllegalStateException} saying the VM is closed,
 * and so does every data access of its {@link GuestMemory} regions.
 */
public interface VirtualMachine extends AutoCloseable {

    /** The hypervisor kind, e.g. {@code "kvm"}. */
    String kind();

    /**
     * Maps {@code size} bytes of fresh, zeroed memory of this process at guest-physical
     * {@code guestAddress}. Memory is reserved, not committed: untouched pages cost nothing.
     *
     * @throws IllegalArgumentException if the address or size is not page-aligned, the size is not
     *         positive, or the range overlaps a region already mapped; the message names the problem
     * @throws UnsupportedOperationException if the backend does not offer one of the {@code options}
     */
    GuestMemory allocateMemory(long guestAddress, long size, MemoryOption... options);

    /**
     * Maps {@code size} bytes of {@code file} from {@code fileOffset} at guest-physical {@code guestAddress},
     * private and copy-on-write: pages are read from the file when the guest or the VMM first touches them,
     * and writes never reach the file (a snapshot's memory, restored lazily). {@link MemoryOption#LOG_DIRTY_PAGES}
     * records the pages the guest writes from then on, as for {@link #allocateMemory}.
     *
     * @throws IllegalArgumentException if the address, size or offset is not page-aligned, the size is not
     *     positive, the file is shorter than {@code fileOffset + size}, or the range overlaps a mapped region
     * @throws java.io.UncheckedIOException naming the file if it cannot be opened
     * @throws UnsupportedOperationException if the backend cannot map files as guest memory
     */
    default GuestMemory mapMemoryFile(
            long guestAddress, long size, Path file, long fileOffset, MemoryOption... options) {
        throw new UnsupportedOperationException("the " + kind() + " backend cannot map a file as guest memory");
    }

    /**
     * Unmaps a region from the guest and releases its memory; later data accesses through
     * {@code region} throw {@link IllegalStateException}.
     *
     * @throws IllegalArgumentException if {@code region} is not mapped in this VM (already removed, or
     *         another VM's)
     */
    void removeMemory(GuestMemory region);

    /** The regions currently mapped, in guest-address order. */
    List<GuestMemory> memoryRegions();

    /**
     * The region containing {@code guestPhysicalAddress}.
     *
     * @throws IllegalArgumentException naming the address if no region contains it
     */
    GuestMemory memoryAt(long guestPhysicalAddress);

    /**
     * Creates vCPU {@code id}.
     *
     * @throws IllegalArgumentException if {@code id} is negative, at or above {@link #maxVcpus()}, or taken;
     *     also, on a backend that cannot reuse the id of a closed vCPU (KVM), if a closed vCPU had it
     */
    VirtualCpu createVcpu(int id);

    /** The vCPUs created and not closed, in id order. */
    List<VirtualCpu> vcpus();

    /** The largest vCPU count this VM supports. */
    int maxVcpus();

    /**
     * A dirty-page log for a region mapped with {@link MemoryOption#LOG_DIRTY_PAGES}.
     *
     * @throws IllegalArgumentException if the region does not log dirty pages or is not this VM's
     */
    DirtyLog dirtyLog(GuestMemory region);

    /**
     * The VM's statistics (a reusable handle, opened once and closed with the VM).
     *
     * @throws UnsupportedOperationException when the backend has none
     * @throws VmmException when the kernel offers no statistics interface
     */
    default Stats stats() {
        throw new UnsupportedOperationException(kind() + " VMs have no statistics interface in vmm4j");
    }

    /**
     * The x86 platform set-up a {@link org.vmm4j.machine.Machine} needs from this VM's hypervisor
     * (interrupt controllers, timer, per-vCPU CPUID, MSRs, FPU and local APIC), bound to this VM.
     *
     * @throws UnsupportedOperationException when this backend cannot boot a machine
     */
    default X86Platform x86() {
        throw new UnsupportedOperationException("the " + kind() + " backend cannot set up an x86 machine");
    }

    /**
     * This VM's ioeventfd and irqfd registrations, where the hypervisor has them (KVM), for devices
     * whose notifications and interrupts should bypass the vCPU's exit path; empty otherwise.
     */
    default Optional<EventFdRouting> eventFdRouting() {
        return Optional.empty();
    }

    boolean isClosed();

    @Override
    void close();
}
