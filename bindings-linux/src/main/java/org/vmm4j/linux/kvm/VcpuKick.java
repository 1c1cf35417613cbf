package org.vmm4j.linux.kvm;

import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;

/**
 * Gets a vCPU out of {@code KVM_RUN} from another thread, the way QEMU does without a signal handler:
 *
 * <ol>
 *   <li>The thread that runs the vCPU blocks the kick signal (a real-time signal HotSpot does not use)
 *       with {@code pthread_sigmask}, and gives KVM, through {@code KVM_SET_SIGNAL_MASK}, the same mask
 *       with the kick signal unblocked. So the signal can interrupt only the guest, never Java code.</li>
 *   <li>{@link #request()} sets {@code kvm_run.immediate_exit} (covers a thread about to enter
 *       {@code KVM_RUN}) and, while the thread is inside {@code KVM_RUN}, sends the signal to that
 *       thread with {@code pthread_kill}. KVM sees it pending and returns {@code -EINTR}; when the
 *       ioctl returns the thread's own mask blocks it again, so it is never delivered.</li>
 *   <li>After the interrupted run, the pending signal is consumed with a zero-timeout
 *       {@code sigtimedwait}, so the next {@code KVM_RUN} does not return at once.</li>
 * </ol>
 *
 * Why this is safe next to HotSpot: no handler is installed, so no Java code or upcall ever runs in
 * signal context, and the JVM's own signals (SIGSEGV, SIGBUS, SIGQUIT, SIGUSR2 ...) keep their
 * handlers. The kick signal's default action (terminate) can never fire: it is only ever sent to a
 * vCPU thread, which blocks it outside {@code KVM_RUN}, and inside {@code KVM_RUN} KVM keeps the
 * thread's real mask in {@code real_blocked}, which exempts it from the fatal-signal shortcut. A signal
 * is only sent while the target thread is inside {@link #beforeRun()}..{@link #afterRun()}, and
 * {@link #afterRun()} consumes one that KVM_RUN returned without (it was leaving for another exit), so
 * none is left pending when the thread exits and the JVM unblocks everything but SIGQUIT.
 */
final class VcpuKick {
    /** glibc's sigset_t: 1024 bits. The kernel (and KVM_SET_SIGNAL_MASK) uses the first 64. */
    private static final int SIGSET_BYTES = 128;
    private static final int KERNEL_SIGSET_BYTES = 8;
    private static final int SIG_BLOCK = 0;
    /** Offset from SIGRTMIN: glibc and common libraries use the first few. */
    private static final int SIGRTMIN_OFFSET = 4;

    /** Bytes of the buffer {@link #VcpuKick} needs: the kick sigset and a zero timespec. */
    static final int BUFFER_SIZE = SIGSET_BYTES + 16;

    private static volatile int signal;

    private final Libc libc;
    private final NativeMemory run;
    private final int vcpuFd;
    private final NativeMemory kickSet;
    private final NativeMemory noWait;
    private Thread owner;
    private long ownerPthread;
    private boolean inRun;
    /** A kick was sent during the current run and may still be pending. */
    private boolean signalSent;
    private boolean stopRequested;

    /** {@code buffer} ({@link #BUFFER_SIZE} bytes, zeroed) belongs to the vCPU and lives as long as it. */
    VcpuKick(Libc libc, NativeMemory run, int vcpuFd, NativeMemory buffer) {
        this.libc = libc;
        this.run = run;
        this.vcpuFd = vcpuFd;
        this.kickSet = buffer.slice(0, SIGSET_BYTES);
        this.noWait = buffer.slice(SIGSET_BYTES, 16);
        int sig = signal();
        kickSet.putLong(((sig - 1) / 64) * 8L, 1L << ((sig - 1) % 64));
    }

    /** The real-time signal used for kicks: SIGRTMIN + 4 ({@code vmm4j.kvm.kickSignal} overrides). */
    static int signal() {
        int s = signal;
        if (s == 0) {
            Integer forced = Integer.getInteger("vmm4j.kvm.kickSignal");
            if (forced != null) {
                s = forced;
            } else {
                // Critical (it returns a constant): the same call shape as gettid, so the JVM reuses that
                // downcall stub instead of spinning another, ~10-20 ms in a cold JVM.
                var sigrtmin = Libc.get().library().function("__libc_current_sigrtmin",
                        Signature.of(CType.INT).asCritical());
                s = (int) sigrtmin.call() + SIGRTMIN_OFFSET;
            }
            signal = s;
        }
        return s;
    }

    /** Called by the running thread before KVM_RUN. */
    void beforeRun() {
        if (owner != Thread.currentThread()) {
            bindToCurrentThread();
        }
        synchronized (this) {
            inRun = true;
        }
    }

    /**
     * Called by the running thread after KVM_RUN returns. A kick sent while KVM_RUN was already
     * returning for another reason is still pending: it is consumed here, because a thread that exits
     * with it pending gets it delivered once the JVM resets the thread's signal mask on the way out, and
     * its default action ends the process.
     */
    void afterRun() {
        synchronized (this) {
            inRun = false;
            if (signalSent) {
                signalSent = false;
                drain();
            }
        }
    }

    private void drain() {
        while (libc.sigtimedwait(kickSet.address(), 0, noWait.address()) > 0) {
            // drained one pending kick
        }
    }

    /** Requests a stop; any thread. */
    synchronized void request() {
        stopRequested = true;
        run.putByteVolatile(KvmStructs.Run.IMMEDIATE_EXIT, (byte) 1);
        if (inRun) {
            int r = libc.pthreadKill(ownerPthread, signal());
            if (r != 0) {
                throw Errno.exception("pthread_kill(vCPU thread)", r);
            }
            signalSent = true;
        }
    }

    /**
     * After an interrupted run: consumes the pending kick signal and reports whether a stop had been
     * requested (consuming that request too).
     */
    synchronized boolean consumeStop() {
        drain();
        if (stopRequested) {
            stopRequested = false;
            run.putByteVolatile(KvmStructs.Run.IMMEDIATE_EXIT, (byte) 0);
            return true;
        }
        return false;
    }

    private void bindToCurrentThread() {
        try (NativeMemory oldMask = libc.access().allocate(SIGSET_BYTES);
             NativeMemory kvmMask = libc.access().allocate(KvmStructs.SignalMask.SIGSET + KERNEL_SIGSET_BYTES)) {
            int r = libc.pthreadSigmask(SIG_BLOCK, kickSet.address(), oldMask.address());
            if (r != 0) {
                throw Errno.exception("pthread_sigmask(SIG_BLOCK)", r);
            }
            kvmMask.putInt(KvmStructs.SignalMask.LEN, KERNEL_SIGSET_BYTES);
            long mask = oldMask.getLong(0) & ~kickSet.getLong(0);
            kvmMask.putLong(KvmStructs.SignalMask.SIGSET, mask);
            Errno.check(libc.ioctl(vcpuFd, KvmHeader.KVM_SET_SIGNAL_MASK, kvmMask), "ioctl(KVM_SET_SIGNAL_MASK)");
        }
        long self = libc.pthreadSelf();
        synchronized (this) {
            owner = Thread.currentThread();
            ownerPthread = self;
        }
    }
}
