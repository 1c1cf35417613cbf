package org.vmm4j.freebsd.guest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestInfo;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.UndefineOption;

/** A bhyve guest of a {@link BhyveGuestManager}: a handle by name; state is looked up on each call. */
public final class BhyveGuest implements Guest {
    private final BhyveGuestManager manager;
    private final String name;

    BhyveGuest(BhyveGuestManager manager, String name) {
        this.manager = manager;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    /** The stored definition, or empty for a VM in /dev/vmm that vmm4j did not define. */
    public Optional<GuestDefinition> definition() {
        return manager.store().load(name);
    }

    private GuestDefinition requireDefinition() {
        return definition().orElseThrow(() -> new UnsupportedOperationException(
                "VM " + name + " runs in /dev/vmm but was not defined by this vmm4j guest manager"));
    }

    @Override
    public UUID uuid() {
        return requireDefinition().uuid();
    }

    @Override
    public GuestState state() {
        return manager.state(name);
    }

    /** The exit status of the last bhyve process of this guest, if it ran under this manager. */
    public Optional<BhyveExitStatus> lastExit() {
        return manager.lastExit(name);
    }

    /** How long the guest's current bhyve process has run; zero when it is not running here. */
    public Duration uptime() {
        return manager.uptime(name);
    }

    /**
     * vmm(4) statistics of the running guest (VM_STATS of every vCPU, summed), by descriptor name, e.g.
     * {@code "number of times hlt was intercepted"}; empty when it is not running.
     */
    public java.util.Map<String, Long> stats() {
        return manager.stats(name);
    }

    @Override
    public GuestInfo info() {
        GuestSpec spec = requireDefinition().spec();
        int reason = lastExit().map(BhyveExitStatus::code).orElse(0);
        return new GuestInfo(state(), reason, spec.memoryBytes(), spec.memoryBytes(), spec.vcpus(), manager.cpuTime(name));
    }

    @Override
    public GuestSpec spec() {
        return requireDefinition().spec();
    }

    @Override
    public void start() {
        manager.start(requireDefinition());
    }

    @Override
    public boolean shutdown(Duration timeout) {
        return manager.shutdown(name, timeout);
    }

    @Override
    public void destroy() {
        manager.forceStop(name);
    }

    /** Resets the VM ({@code VM_SUSPEND} reset): bhyve exits with status 0 and the supervisor restarts it. */
    @Override
    public void reboot() {
        manager.reboot(name);
    }

    @Override
    public void suspend() {
        throw new UnsupportedOperationException("bhyve cannot pause a guest with its devices (suspend/resume "
                + "need bhyve snapshots, which 14.x builds without)");
    }

    @Override
    public void resume() {
        suspend();
    }

    @Override
    public void undefine(UndefineOption... options) {
        manager.undefine(name, options);
    }

    @Override
    public Guest rename(String newName) {
        return manager.rename(name, newName);
    }

    /** Takes effect at the next start: bhyve has no memory hot-plug. */
    @Override
    public void setMemory(long bytes) {
        GuestDefinition d = requireDefinition();
        manager.store().save(d.withSpec(d.spec().toBuilder().memoryBytes(bytes).build()));
    }

    /** Takes effect at the next start: bhyve has no CPU hot-plug. */
    @Override
    public void setVcpus(int count) {
        GuestDefinition d = requireDefinition();
        manager.store().save(d.withSpec(d.spec().toBuilder().vcpus(count).build()));
    }

    @Override
    public boolean autostart() {
        return requireDefinition().spec().autostart();
    }

    @Override
    public void setAutostart(boolean enabled) {
        GuestDefinition d = requireDefinition();
        manager.store().save(d.withSpec(d.spec().toBuilder().autostart(enabled).build()));
    }

    /** bhyve does not learn guest addresses; ask the DHCP server of the bridge. */
    @Override
    public List<GuestAddress> addresses(GuestAddress.Source source) {
        return List.of();
    }

    @Override
    public Optional<String> consolePath() {
        return definition().filter(d -> d.spec().serialConsole())
                .map(d -> BhyveHostLayout.consoleDevice(name, 'B'));
    }

    @Override
    public String toString() {
        return "BhyveGuest[" + name + ", " + state() + "]";
    }

    /** Nothing to release: this handle holds no kernel or client resource. */
    @Override
    public void close() {
    }
}
