package org.vmm4j.freebsd.guest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestInfo;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.Snapshot;
import org.vmm4j.guest.UndefineOption;

/**
 * A bhyve guest of a {@link BhyveGuestManager}: a handle by name; state is looked up on each call. The
 * handle holds no kernel or client resource; after {@link #close()} every other method throws
 * {@link IllegalStateException}.
 */
public final class BhyveGuest implements Guest {
    private final BhyveGuestManager manager;
    private final String name;
    private volatile boolean closed;

    BhyveGuest(BhyveGuestManager manager, String name) {
        this.manager = manager;
        this.name = name;
    }

    @Override
    public String name() {
        ensureOpen();
        return name;
    }

    /** The stored definition, or empty for a VM in /dev/vmm that vmm4j did not define. */
    public Optional<GuestDefinition> definition() {
        ensureOpen();
        return manager.store().load(name);
    }

    private GuestDefinition requireDefinition() {
        return definition().orElseThrow(() -> BhyveGuestManager.unsupported("guest.not-ours", name));
    }

    @Override
    public UUID uuid() {
        ensureOpen();
        return requireDefinition().uuid();
    }

    @Override
    public GuestState state() {
        ensureOpen();
        return manager.state(name);
    }

    /** The exit status of the last bhyve process of this guest, if it ran under this manager. */
    public Optional<BhyveExitStatus> lastExit() {
        ensureOpen();
        return manager.lastExit(name);
    }

    /** How long the guest's current bhyve process has run; zero when it is not running here. */
    public Duration uptime() {
        ensureOpen();
        return manager.uptime(name);
    }

    /**
     * vmm(4) statistics of the running guest (VM_STATS of every vCPU, summed), by descriptor name, e.g.
     * {@code "number of times hlt was intercepted"}; empty when it is not running.
     */
    public Map<String, Long> stats() {
        ensureOpen();
        return manager.stats(name);
    }

    @Override
    public GuestInfo info() {
        ensureOpen();
        GuestSpec spec = requireDefinition().spec();
        int reason = lastExit().map(BhyveExitStatus::code).orElse(0);
        return new GuestInfo(
                state(), reason, spec.memoryBytes(), spec.memoryBytes(), spec.vcpus(), manager.cpuTime(name));
    }

    @Override
    public GuestSpec spec() {
        ensureOpen();
        return requireDefinition().spec();
    }

    @Override
    public void start() {
        ensureOpen();
        manager.start(requireDefinition());
    }

    @Override
    public boolean shutdown(Duration timeout) {
        ensureOpen();
        return manager.shutdown(name, timeout);
    }

    @Override
    public void destroy() {
        ensureOpen();
        manager.forceStop(name);
    }

    /** Resets the VM ({@code VM_SUSPEND} reset): bhyve exits with status 0 and the supervisor restarts it. */
    @Override
    public void reboot() {
        ensureOpen();
        manager.reboot(name);
    }

    @Override
    public void suspend() {
        ensureOpen();
        throw BhyveGuestManager.unsupported("guest.no-suspend");
    }

    @Override
    public void resume() {
        ensureOpen();
        suspend();
    }

    @Override
    public Snapshot createSnapshot(String snapshotName, String description, boolean diskOnly) {
        ensureOpen();
        throw noSnapshots();
    }

    @Override
    public List<Snapshot> snapshots() {
        ensureOpen();
        throw noSnapshots();
    }

    @Override
    public Optional<Snapshot> currentSnapshot() {
        ensureOpen();
        throw noSnapshots();
    }

    @Override
    public void revertToSnapshot(String snapshotName) {
        ensureOpen();
        throw noSnapshots();
    }

    @Override
    public void deleteSnapshot(String snapshotName) {
        ensureOpen();
        throw noSnapshots();
    }

    private static UnsupportedOperationException noSnapshots() {
        return BhyveGuestManager.unsupported("guest.no-snapshots");
    }

    @Override
    public void undefine(UndefineOption... options) {
        ensureOpen();
        manager.undefine(name, options);
    }

    @Override
    public Guest rename(String newName) {
        ensureOpen();
        return manager.rename(name, newName);
    }

    /** Takes effect at the next start: bhyve has no memory hot-plug. */
    @Override
    public void setMemory(long bytes) {
        ensureOpen();
        GuestDefinition d = requireDefinition();
        manager.store().save(d.withSpec(d.spec().toBuilder().memoryBytes(bytes).build()));
    }

    /** Takes effect at the next start: bhyve has no CPU hot-plug. */
    @Override
    public void setVcpus(int count) {
        ensureOpen();
        GuestDefinition d = requireDefinition();
        manager.store().save(d.withSpec(d.spec().toBuilder().vcpus(count).build()));
    }

    @Override
    public boolean autostart() {
        ensureOpen();
        return requireDefinition().spec().autostart();
    }

    @Override
    public void setAutostart(boolean enabled) {
        ensureOpen();
        GuestDefinition d = requireDefinition();
        manager.store().save(d.withSpec(d.spec().toBuilder().autostart(enabled).build()));
    }

    /**
     * The guest's IPv4 addresses as the host sees them, matched by the MACs of its NICs (the spec's, or
     * the ones bhyve derives from slot and name): {@link GuestAddress.Source#ARP} reads {@code arp -an}
     * (an entry appears once the host and the guest have exchanged packets), and
     * {@link GuestAddress.Source#DHCP_LEASE} the leases of the dnsmasq that vmm4j's NAT and host-only
     * networks run. Empty while the guest is not running.
     *
     * @throws UnsupportedOperationException for {@link GuestAddress.Source#GUEST_AGENT} (bhyve has no
     *                                       agent channel), for {@code DHCP_LEASE} on a host without
     *                                       dnsmasq leases, and for a VM this manager did not define
     */
    @Override
    public List<GuestAddress> addresses(GuestAddress.Source source) {
        ensureOpen();
        return manager.addresses(name, source);
    }

    @Override
    public Optional<String> consolePath() {
        ensureOpen();
        return definition().filter(d -> d.spec().serialConsole()).map(d -> BhyveHostLayout.consoleDevice(name, 'B'));
    }

    @Override
    public String toString() {
        return "BhyveGuest[" + name + ", " + (closed ? "closed handle" : state()) + "]";
    }

    /** Marks this handle closed; the guest itself stays as it is. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the handle of bhyve guest " + name + " is closed");
        }
    }
}
