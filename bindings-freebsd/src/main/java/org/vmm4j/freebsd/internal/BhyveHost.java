package org.vmm4j.freebsd.internal;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.vmm4j.freebsd.guest.BhyveHostLayout;
import org.vmm4j.freebsd.host.FreeBsdHostFacts;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.HostFacts;
import org.vmm4j.internal.nat.Os;

/**
 * The FreeBSD host the bhyve provider works on: whether it is FreeBSD at all, its facts (sysctls, files,
 * programs), its vmm(4) kernel side, how programs run, and where guests live. {@code BhyveProvider} and
 * {@code BhyveGuestManager.connect} take {@link #current()}, which is this machine; the tests of this
 * module {@link #install} a stand-in (a scripted kernel, a stand-in {@code bhyve}) so that the public
 * entry points, {@code Hypervisor.open()} and {@code GuestManager.connect()}, run off FreeBSD.
 *
 * @param freeBsd  whether this host is FreeBSD (the provider serves no other)
 * @param facts    sysctls, files and programs, for the probe and the kernel version check
 * @param kernel   the vmm(4) kernel side, obtained when first needed (libvmmapi is loaded then)
 * @param executor runs ifconfig, arp, zfs, bhyveload
 * @param layout   the layout of guests whose definitions live in a given state directory
 */
public record BhyveHost(
        boolean freeBsd,
        HostFacts facts,
        Supplier<VmmKernel> kernel,
        CommandExecutor executor,
        Function<Path, BhyveHostLayout> layout) {
    private static final AtomicReference<BhyveHost> INSTALLED = new AtomicReference<>();

    public BhyveHost {
        Objects.requireNonNull(facts, "facts");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(layout, "layout");
    }

    /** The installed stand-in, or this machine. */
    public static BhyveHost current() {
        BhyveHost installed = INSTALLED.get();
        return installed != null ? installed : ThisMachine.HOST;
    }

    /**
     * Makes {@code host} the {@link #current()} one until the returned handle is closed (which restores
     * the previous one). For tests only: nothing in the library calls it.
     */
    public static Installation install(BhyveHost host) {
        return new Installation(INSTALLED.getAndSet(Objects.requireNonNull(host, "host")));
    }

    /** The scope of an {@link #install}: closing it puts the previous host back. */
    public static final class Installation implements AutoCloseable {
        private final BhyveHost previous;

        private Installation(BhyveHost previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            INSTALLED.set(previous);
        }
    }

    /** This machine, with libvmmapi loaded on first use (so the class loads anywhere). */
    private static final class ThisMachine {
        private static final BhyveHost HOST = new BhyveHost(
                Os.current() == Os.FREEBSD,
                new FreeBsdHostFacts(),
                new LibvmmapiOnce(),
                CommandExecutor.system(),
                BhyveHostLayout::standard);
    }

    /** Loads libvmmapi once; a failure is not remembered, so a later call can succeed after kldload/pkg. */
    private static final class LibvmmapiOnce implements Supplier<VmmKernel> {
        private volatile VmmKernel kernel;

        @Override
        public VmmKernel get() {
            VmmKernel k = kernel;
            if (k == null) {
                synchronized (this) {
                    k = kernel;
                    if (k == null) {
                        kernel = k = LibvmmapiKernel.load();
                    }
                }
            }
            return k;
        }
    }
}
