package org.vmm4j;

/**
 * A virtual CPU. One thread runs it: {@link #run()} and the register calls belong to that thread;
 * {@link #requestStop()} may be called from any thread.
 *
 * <p>{@link #close()} is idempotent, and closing the VM closes its vCPUs. On a closed vCPU every method
 * other than {@link #id()}, {@link #vm()}, {@link #isClosed()} and {@link #close()} throws
 * {@link IllegalStateException} saying the vCPU is closed.
 */
public interface VirtualCpu extends AutoCloseable {

    /** The vCPU id (its initial APIC id on x86). */
    int id();

    /** The VM this vCPU belongs to. */
    VirtualMachine vm();

    /**
     * Runs guest code until the next exit and returns it. The returned view is reused: it is valid
     * until the next {@code run()} of this vCPU. Allocates nothing. A vCPU runs on one thread at a
     * time; different threads may take turns.
     *
     * @throws VmmException when the hypervisor reports an error other than an interruption
     * @throws IllegalStateException when the vCPU is closed, or another thread is inside its
     *     {@code run()} (refused at once, not queued)
     */
    VmExit run();

    /**
     * Makes the vCPU leave guest mode: a {@link #run()} in progress on another thread returns
     * {@link ExitKind#STOP_REQUESTED} promptly (well under 100 ms), even if the guest spins or halts
     * with interrupts disabled; if no run is in progress, the next one returns at once. Each request
     * is consumed by the run that reports it.
     */
    void requestStop();

    Registers registers();

    void setRegisters(Registers registers);

    SpecialRegisters specialRegisters();

    void setSpecialRegisters(SpecialRegisters registers);

    /** With single-stepping on, every {@link #run()} executes one guest instruction and returns {@link ExitKind#DEBUG}. */
    void setSingleStep(boolean enabled);

    /**
     * This vCPU's statistics (a reusable handle, opened once and closed with the vCPU).
     *
     * @throws UnsupportedOperationException when the backend has none
     */
    default Stats stats() {
        throw new UnsupportedOperationException("this vCPU has no statistics interface in vmm4j");
    }

    boolean isClosed();

    /** Releases the vCPU (its mapped run area and descriptor). */
    @Override
    void close();
}
