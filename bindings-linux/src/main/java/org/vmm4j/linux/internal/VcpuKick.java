package org.vmm4j.linux.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.KvmHeader;
import org.vmm4j.linux.abi.KvmStructs;

/**
 * Gets a vCPU out of {@code KVM_RUN} from another thread, the way QEMU does without a signal handler:
 *
 * <ol>
 *   <li>The thread that runs the vCPU blocks the kick signal (a real-time signal HotSpot does not use)
 *       with {@code pthread_sigmask}, and gives KVM, through {@code KVM_SET_SIGNAL_MASK}, the same mask
 *       with the kick signal unblocked. So the signal can interrupt only the guest, never Java code.</li>
 *   <li>{@link #request()} sets {@code kvm_run.immediate_exit} (covers a thread about to enter
 *       {@code KVM_RUN}) and, while the thread is inside {@code KVM_RUN}, sends the signal to that
 *       thread with {@code tgkill}. KVM sees it pending and returns {@code -EINTR}; when the
 *       ioctl returns the thread's own mask blocks it again, so it is never delivered.</li>
 *   <li>After the run, whatever it returned, a pending kick is consumed with a zero-timeout
 *       {@code sigtimedwait}: the next {@code KVM_RUN} does not return at once, and no kick stays
 *       pending on a thread that might exit (its default action would end the process).</li>
 * </ol>
 *
 * Why this is safe next to HotSpot: no handler is installed, so no Java code or upcall ever runs in
 * signal context, and the JVM's own signals (SIGSEGV, SIGBUS, SIGQUIT, SIGUSR2 ...) keep their
 * handlers. The kick signal's default action (terminate) can never fire: it is only ever sent to a
 * vCPU thread, which blocks it outside {@code KVM_RUN}, and inside {@code KVM_RUN} KVM keeps the
 * thread's real mask in {@code real_blocked}, which exempts it from the fatal-signal shortcut. A signal
 * is only sent while the target thread is inside {@link #beforeRun()}..{@link #afterRun()}, so it can
 * never reach a thread that has exited.
 *
 * <p>The running thread pays one atomic operation on each side of {@code KVM_RUN} and takes no lock:
 * {@link #state} holds {@link #IN_RUN}, and {@link #KICKING} while a requester is sending the signal;
 * {@link #afterRun()} clears {@code IN_RUN} only once no signal is being sent (a send never overlaps
 * the thread leaving the run). Requesters, close and the interrupted-run path still synchronize on
 * this object with each other. Two monitors around every run cost ~0.6% of a nested KVM exit.
 */
public final class VcpuKick {
    /** glibc's sigset_t: 1024 bits. The kernel (and KVM_SET_SIGNAL_MASK) uses the first 64. */
    private static final int SIGSET_BYTES = Libc.SIGSET_BYTES;

    private static final int KERNEL_SIGSET_BYTES = 8;
    private static final int SIG_BLOCK = 0;
    /**
     * The default kick signal, 38: SIGRTMIN + 4 under glibc (whose SIGRTMIN is 34: it keeps the
     * kernel's 32 and 33 for itself), clear of musl's reserved 32-34 too, and unused by HotSpot. A
     * fixed number rather than a call to {@code __libc_current_sigrtmin}: that call is a downcall
     * shape of its own, which a cold JVM pays 10-30 ms to link.
     */
    static final int DEFAULT_SIGNAL = 38;

    /** Bytes of the buffer {@link #VcpuKick} needs: the kick sigset and a zero timespec. */
    public static final int BUFFER_SIZE = SIGSET_BYTES + 16;

    private static volatile int signal;

    private final Libc libc;
    private final NativeMemory run;
    private final int vcpuFd;
    private final NativeMemory kickSet;
    private final NativeMemory noWait;
    /** The running thread is between beforeRun and afterRun. */
    private static final int IN_RUN = 1;
    /** A requester is sending the kick signal to the running thread. */
    private static final int KICKING = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(VcpuKick.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Thread owner;
    private int ownerTid;
    private final int pid;
    /** {@link #IN_RUN} | {@link #KICKING}; only the running thread sets IN_RUN, only a requester KICKING. */
    private volatile int state;

    private volatile boolean stopRequested;
    private volatile boolean closeWaiting;

    /** {@code buffer} ({@link #BUFFER_SIZE} bytes, zeroed) belongs to the vCPU and lives as long as it. */
    public VcpuKick(Libc libc, NativeMemory run, int vcpuFd, NativeMemory buffer) {
        this.libc = libc;
        this.run = run;
        this.vcpuFd = vcpuFd;
        this.kickSet = buffer.slice(0, SIGSET_BYTES);
        this.noWait = buffer.slice(SIGSET_BYTES, 16);
        this.pid = libc.getpid();
        int sig = signal();
        kickSet.putLong(((sig - 1) / 64) * 8L, 1L << ((sig - 1) % 64));
    }

    /** The real-time signal used for kicks: {@link #DEFAULT_SIGNAL} ({@code vmm4j.kvm.kickSignal} overrides). */
    static int signal() {
        int s = signal;
        if (s == 0) {
            s = Integer.getInteger("vmm4j.kvm.kickSignal", DEFAULT_SIGNAL);
            if (s < 35 || s > 64) {
                throw new IllegalArgumentException("vmm4j.kvm.kickSignal must be a real-time signal that glibc and musl"
                        + " leave to applications (35-64), not " + s);
            }
            signal = s;
        }
        return s;
    }

    /** Called by the running thread before KVM_RUN. */
    public void beforeRun() {
        if (owner != Thread.currentThread()) {
            bindToCurrentThread();
        }
        // A volatile store, fenced: either KVM_RUN then sees a request's immediate_exit, or the
        // requester sees IN_RUN and sends the signal.
        state = IN_RUN;
    }

    /**
     * Called by the running thread after KVM_RUN returns. A kick sent after KVM_RUN had already
     * returned with an ordinary exit is still pending (blocked) on this thread: it is consumed here,
     * so that no kick ever outlives the run it was aimed at. (A pending kick left on a thread that
     * then exits can be delivered with its default action, which terminates the process.) The stop
     * itself stays requested, through immediate_exit, for the next run to report.
     */
    public void afterRun() {
        while (!STATE.compareAndSet(this, IN_RUN, 0)) {
            Thread.onSpinWait(); // a requester is inside tgkill for this thread: let it finish
        }
        if (stopRequested) {
            drainPendingKicks();
        }
        if (closeWaiting) {
            // Only then: notifyAll inflates the monitor, which the hot path would pay for ever after.
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /**
     * Stops a run in progress on another thread and waits until it has returned, so the vCPU's buffers
     * and descriptor can be released. Returns false if the run did not return within {@code millis}.
     */
    public synchronized boolean stopAndAwaitIdle(long millis) {
        if (!inRun()) {
            return true;
        }
        request();
        // Set before reading state again, as afterRun clears state before reading this: one of the
        // two sees the other, so a wait here is always woken (or ends at once).
        closeWaiting = true;
        try {
            long deadline = System.nanoTime() + millis * 1_000_000L;
            while (inRun()) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return !inRun();
                }
            }
            return true;
        } finally {
            closeWaiting = false;
        }
    }

    private boolean inRun() {
        return (state & IN_RUN) != 0;
    }

    private void drainPendingKicks() {
        while (libc.sigtimedwait(kickSet.address(), 0, noWait.address()) > 0) {
            // consumed one pending kick
        }
    }

    /** Requests a stop; any thread. */
    public synchronized void request() {
        stopRequested = true;
        run.putByteVolatile(KvmStructs.Run.IMMEDIATE_EXIT, (byte) 1);
        // KICKING holds the running thread in afterRun until the signal is sent (and so pending).
        if (STATE.compareAndSet(this, IN_RUN, IN_RUN | KICKING)) {
            try {
                int r = libc.tgkill(pid, ownerTid, signal());
                if (r != 0) {
                    throw Errno.exception("tgkill(vCPU thread " + ownerTid + ")", -r);
                }
            } finally {
                state = IN_RUN; // nobody else changes state while KICKING is set
            }
        }
    }

    /**
     * After an interrupted run: consumes the pending kick signal and reports whether a stop had been
     * requested (consuming that request too).
     */
    public synchronized boolean consumeStop() {
        drainPendingKicks();
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
                throw Errno.exception("pthread_sigmask(SIG_BLOCK)", -r);
            }
            kvmMask.putInt(KvmStructs.SignalMask.LEN, KERNEL_SIGSET_BYTES);
            long mask = oldMask.getLong(0) & ~kickSet.getLong(0);
            kvmMask.putLong(KvmStructs.SignalMask.SIGSET, mask);
            Errno.check(libc.ioctl(vcpuFd, KvmHeader.KVM_SET_SIGNAL_MASK, kvmMask), "ioctl(KVM_SET_SIGNAL_MASK)");
        }
        int tid = libc.gettid();
        synchronized (this) {
            owner = Thread.currentThread();
            ownerTid = tid;
        }
    }
}
