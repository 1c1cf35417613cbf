package org.vmm4j.guest;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Manages the host's guests through a manager that runs them (tier 2): libvirt on Linux, bhyve(8)
 * processes on FreeBSD, vmd on OpenBSD. Thread-safe; {@link #close()} releases the connection.
 */
public interface GuestManager extends AutoCloseable {

    /** {@code "libvirt"}, {@code "bhyve"}, {@code "vmd"}. */
    String kind();

    /** Where it is connected, e.g. {@code qemu:///system}. */
    String uri();

    List<Guest> list(GuestFilter filter);

    Optional<Guest> find(String name);

    Optional<Guest> find(UUID uuid);

    /** Defines (persistently) a guest from a spec; it is not started. */
    Guest define(GuestSpec spec);

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
