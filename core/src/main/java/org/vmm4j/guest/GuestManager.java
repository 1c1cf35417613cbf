package org.vmm4j.guest;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Manages the host's guests through a manager that runs them (tier 2): libvirt on Linux, bhyve(8)
 * processes on FreeBSD, vmd on OpenBSD. Thread-safe; {@link #close()} releases the connection.
 *
 * <p>{@link #find} of a guest that does not exist is empty. {@link #close()} is idempotent; afterwards
 * every method other than {@link #kind()}, {@link #uri()} and {@link #close()} throws
 * {@link IllegalStateException}.
 */
public interface GuestManager extends AutoCloseable {

    /**
     * Connects to the host's guest manager: libvirt on Linux ({@code uri} such as
     * {@code qemu:///system}, {@code test:///default}, {@code qemu+ssh://host/system}; {@code null} for
     * the default), bhyve on FreeBSD, vmd on OpenBSD.
     *
     * @throws org.vmm4j.HypervisorUnavailableException when no installed backend manages guests here
     */
    static GuestManager connect(String uri) {
        java.util.List<String> tried = new java.util.ArrayList<>();
        for (org.vmm4j.spi.HypervisorProvider p : org.vmm4j.spi.HypervisorProvider.installed()) {
            if (p.supportsCurrentOs()) {
                java.util.Optional<GuestManager> m = p.connectGuests(uri);
                if (m.isPresent()) {
                    return m.get();
                }
                tried.add(p.kind());
            }
        }
        throw new org.vmm4j.HypervisorUnavailableException("no guest manager for " + System.getProperty("os.name")
                + (tried.isEmpty() ? " (add vmm4j-bindings-linux, -freebsd or -openbsd)" : "; tried " + tried));
    }

    /** {@link #connect(String)} with the backend's default URI. */
    static GuestManager connect() {
        return connect(null);
    }

    /** {@code "libvirt"}, {@code "bhyve"}, {@code "vmd"}. */
    String kind();

    /** Where it is connected, e.g. {@code qemu:///system}. */
    String uri();

    List<Guest> list(GuestFilter filter);

    Optional<Guest> find(String name);

    Optional<Guest> find(UUID uuid);

    /**
     * Defines (persistently) a guest from a spec; it is not started.
     *
     * @throws IllegalArgumentException if a guest of that name is already defined
     */
    Guest define(GuestSpec spec);

    /**
     * The accelerator a guest asking for {@code requested} gets from this manager, and why; what
     * {@link #define} applies to a spec's {@link GuestSpec#accelerator()}.
     *
     * @throws UnsupportedOperationException when this manager cannot offer {@code requested} (TCG on bhyve
     *         or vmd; KVM where libvirt's host has no kvm domain); the message says which and what to ask for
     */
    default AcceleratorChoice acceleratorChoice(Accelerator requested) {
        throw new UnsupportedOperationException("this guest manager does not say which accelerator it uses");
    }

    /** Registers a lifecycle listener; closing the returned handle removes it. */
    default AutoCloseable addListener(GuestEventListener listener) {
        throw new UnsupportedOperationException("lifecycle events are not supported by this guest manager");
    }

    /**
     * Statistics of every guest (state, CPU time, memory, vCPUs, interfaces, disks) from one bulk
     * query, without a call per guest.
     */
    default List<GuestStats> stats(GuestFilter filter) {
        throw new UnsupportedOperationException("bulk statistics are not supported by this guest manager");
    }

    @Override
    void close();
}
