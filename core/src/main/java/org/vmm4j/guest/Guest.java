package org.vmm4j.guest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A handle on a guest that a manager (libvirtd, bhyve(8) supervised by vmm4j, vmd) runs. Operations a
 * backend cannot perform throw {@link UnsupportedOperationException} saying so.
 *
 * <p>The handle holds what the client needs to address the guest (libvirt: a {@code virDomainPtr}
 * reference); {@link #close()} releases it and leaves the guest itself as it is. Every
 * {@link GuestManager#find}, {@link GuestManager#list} and {@link GuestManager#define} result is a new
 * handle the caller closes, best with try-with-resources.
 */
public interface Guest extends AutoCloseable {

    String name();

    UUID uuid();

    GuestState state();

    GuestInfo info();

    /** The guest's definition as vmm4j understands it. */
    GuestSpec spec();

    void start();

    /**
     * Asks the guest to shut down (ACPI power button) and waits up to {@code timeout}; if it is still
     * running then, stops it by force.
     *
     * @return {@code true} if it stopped gracefully, {@code false} if it had to be forced
     */
    boolean shutdown(Duration timeout);

    /** Stops the guest at once, like pulling the plug. */
    void destroy();

    void reboot();

    void suspend();

    void resume();

    /**
     * Removes the definition, and what the options name.
     *
     * @throws IllegalStateException if the guest is running (stop it first)
     */
    void undefine(UndefineOption... options);

    /** Renames the (stopped) guest; returns the renamed guest. */
    Guest rename(String newName);

    /** Sets memory, live where the manager allows and in the persistent definition. */
    void setMemory(long bytes);

    /** Sets the vCPU count, live where the manager allows and in the persistent definition. */
    void setVcpus(int count);

    boolean autostart();

    void setAutostart(boolean enabled);

    /** The guest's IP addresses as known to the manager. */
    List<GuestAddress> addresses(GuestAddress.Source source);

    /** The path of the guest's serial console device (pty, nmdm, tty), if it has one. */
    Optional<String> consolePath();

    default Snapshot createSnapshot(String name, String description, boolean diskOnly) {
        throw new UnsupportedOperationException("snapshots are not supported by this guest manager");
    }

    default List<Snapshot> snapshots() {
        throw new UnsupportedOperationException("snapshots are not supported by this guest manager");
    }

    default Optional<Snapshot> currentSnapshot() {
        throw new UnsupportedOperationException("snapshots are not supported by this guest manager");
    }

    default void revertToSnapshot(String name) {
        throw new UnsupportedOperationException("snapshots are not supported by this guest manager");
    }

    default void deleteSnapshot(String name) {
        throw new UnsupportedOperationException("snapshots are not supported by this guest manager");
    }

    /**
     * Releases this handle; the guest keeps running (or stays defined) as it was. Idempotent. Any
     * other call on a closed handle throws {@link IllegalStateException}.
     */
    @Override
    void close();
}
