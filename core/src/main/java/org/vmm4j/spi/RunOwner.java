package org.vmm4j.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The thread inside a vCPU's {@code run()}, if any. A vCPU runs on one thread at a time: a second
 * caller would block in the kernel behind the first (KVM's vCPU mutex) or race it on the shared exit
 * buffers, so it is refused at once. Entering is one compare-and-set and leaving one volatile store,
 * with no lock and no allocation; only the refusal builds a message.
 */
public final class RunOwner {
    private static final VarHandle THREAD;

    static {
        try {
            THREAD = MethodHandles.lookup().findVarHandle(RunOwner.class, "thread", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int vcpuId;
    private volatile Thread thread;

    /** @param vcpuId the vCPU's id, for the message of a refused run */
    public RunOwner(int vcpuId) {
        this.vcpuId = vcpuId;
    }

    /**
     * Makes the current thread the runner. Pair every successful call with {@link #leave()}.
     *
     * @throws IllegalStateException if another thread (or this one, re-entering) is running the vCPU
     */
    public void enter() {
        Thread self = Thread.currentThread();
        if (!THREAD.compareAndSet(this, (Thread) null, self)) {
            Thread other = thread;
            throw new IllegalStateException("vCPU " + vcpuId + " is already running on thread "
                    + (other == null ? "(another, which has just left)" : "'" + other.getName() + "'")
                    + "; a vCPU runs on one thread at a time");
        }
    }

    /** Ends the current thread's run. */
    public void leave() {
        thread = null;
    }

    /** The thread inside {@code run()}, or null. */
    public Thread thread() {
        return thread;
    }
}
