package org.vmm4j;

import java.util.Optional;
import org.vmm4j.x86.EmulationFailure;

/**
 * The reason a vCPU stopped running guest code: a reusable view over the backend's exit area
 * (KVM's mapped {@code kvm_run}, bhyve's {@code vm_exit}, OpenBSD's {@code vm_exit}). It is valid
 * until the next {@link VirtualCpu#run()} of the same vCPU and is never allocated per exit.
 *
 * <p>Accessors for another kind of exit throw {@link IllegalStateException}.
 */
public interface VmExit {

    ExitKind kind();

    /** The backend's own exit code (e.g. {@code KVM_EXIT_IO} = 2), for diagnostics only. */
    int rawReason();

    /** I/O port of an {@link ExitKind#IO_IN}/{@link ExitKind#IO_OUT} exit. */
    int ioPort();

    /** Bytes per I/O access: 1, 2 or 4. */
    int ioSize();

    /** Number of accesses: 1, or more for string I/O ({@code rep outsb} and friends). */
    int ioCount();

    /** The {@code index}-th value the guest wrote (OUT) or that will be returned to it (IN). */
    long ioData(int index);

    /** Sets the {@code index}-th value an IN returns to the guest. */
    void setIoData(int index, long value);

    /** Guest-physical address of an MMIO exit. */
    long mmioAddress();

    /** Bytes accessed by an MMIO exit: 1 to 8. */
    int mmioSize();

    /** Value written by an {@link ExitKind#MMIO_WRITE} (little-endian, {@link #mmioSize()} bytes). */
    long mmioData();

    /** Value an {@link ExitKind#MMIO_READ} returns to the guest. */
    void setMmioData(long value);

    /** Hardware entry-failure reason of a {@link ExitKind#FAIL_ENTRY} exit. */
    long failureReason();

    /**
     * The backend's suberror of an {@link ExitKind#INTERNAL_ERROR} exit (KVM_INTERNAL_ERROR_*), for
     * diagnostics: vmm4j interprets none of them.
     */
    int internalErrorSuberror();

    /**
     * For an {@link ExitKind#INTERNAL_ERROR} exit where the hypervisor could not emulate a guest
     * instruction: the instruction's RIP and bytes, its name and a hint when vmm4j knows it. Empty for
     * every other exit, and where the backend cannot tell. Called off the hot path only: it may allocate.
     */
    default Optional<EmulationFailure> emulationFailure() {
        return Optional.empty();
    }

    /** What a {@link ExitKind#SYSTEM_EVENT} exit asks for; the backend's own code is {@link #rawReason()}. */
    SystemEvent systemEvent();

    /**
     * Vector of an {@link ExitKind#IOAPIC_EOI} exit. Backends without a user-space IOAPIC never
     * report that kind and keep this default.
     *
     * @throws IllegalStateException for any other kind of exit
     */
    default int eoiVector() {
        throw new IllegalStateException("not an IOAPIC_EOI exit: " + kind());
    }

    /** Guest RIP reported by a {@link ExitKind#DEBUG} exit. */
    long debugPc();

    /** Exception vector of a {@link ExitKind#DEBUG} exit (1 for #DB, 3 for #BP). */
    int debugException();

    /** Why a {@link ExitKind#SUSPENDED} VM was suspended. */
    SuspendReason suspendReason();
}
