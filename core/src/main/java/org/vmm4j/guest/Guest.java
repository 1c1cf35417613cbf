package org.vmm4j.guest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.vmm4j.VmmException;

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

    /**
     * The guest's IP addresses as {@code source} knows them, matched to the guest by its NICs' MACs where
     * the source is a host table (DHCP leases, ARP). Empty when the source knows none yet, e.g. while the
     * guest boots; a source the backend cannot ask is never answered with an empty list, which would make
     * a caller wait for an address in vain.
     *
     * @throws UnsupportedOperationException when this backend cannot learn addresses from {@code source}
     *                                       (e.g. {@link GuestAddress.Source#GUEST_AGENT} on bhyve, which
     *                                       has no agent channel), saying which sources it can ask
     */
    List<GuestAddress> addresses(GuestAddress.Source source);

    /** The path of the guest's serial console device (pty, nmdm, tty), if it has one. */
    Optional<String> consolePath();

    /**
     * Opens a session on the running guest's serial console (libvirt: {@code virDomainOpenConsole} over a
     * non-blocking stream). Close it to release the console for others.
     *
     * @param force take the console over from another session that holds it, which then ends; without
     *              it, a console someone else holds is refused
     * @throws IllegalStateException         when the guest is not running or has no serial console
     * @throws VmmException                 when the manager refuses the console, e.g. another session holds
     *                                       it and {@code force} is not set
     * @throws UnsupportedOperationException when this backend cannot stream a console; {@link #consolePath()}
     *                                       may still name the device
     */
    default GuestConsole openConsole(boolean force) {
        throw new UnsupportedOperationException("console streams are not supported by this guest manager");
    }

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
