package org.vmm4j.openbsd.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestInfo;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.UndefineOption;

/**
 * A vmd guest, named; every call asks vmd or reads vm.conf afresh. The handle holds nothing of vmd's
 * (one connection per command); after {@link #close()} every other call throws
 * {@link IllegalStateException}.
 */
final class VmdGuest implements Guest {
    private static final Duration POLL = Duration.ofMillis(100);

    private final VmdGuestManager manager;
    private final String name;
    private volatile boolean closed;

    VmdGuest(VmdGuestManager manager, String name) {
        this.manager = manager;
        this.name = name;
    }

    private VmdClient client() {
        checkOpen();
        return manager.client();
    }

    private VmConfFile confFile() {
        checkOpen();
        return manager.confFile();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the handle on guest " + name + " is closed");
        }
    }

    private Optional<VmdVmStatus> status() {
        return client().status(name);
    }

    private VmConf.Vm block() {
        return confFile()
                .read()
                .vm(name)
                .orElseThrow(() -> new IllegalStateException(
                        "guest " + name + " is not defined in " + confFile().path()));
    }

    @Override
    public String name() {
        checkOpen();
        return name;
    }

    @Override
    public UUID uuid() {
        checkOpen();
        return VmdGuestManager.uuidOf(name);
    }

    @Override
    public GuestState state() {
        return status().map(VmdGuest::stateOf).orElse(GuestState.STOPPED);
    }

    static GuestState stateOf(VmdVmStatus s) {
        int st = s.state();
        if ((st & VmdProtocol.VM_STATE_PAUSED) != 0) {
            return GuestState.PAUSED;
        }
        if ((st & VmdProtocol.VM_STATE_SHUTDOWN) != 0) {
            return GuestState.SHUTTING_DOWN;
        }
        if ((st & VmdProtocol.VM_STATE_RUNNING) != 0) {
            return GuestState.RUNNING;
        }
        return GuestState.STOPPED;
    }

    @Override
    public GuestInfo info() {
        Optional<VmdVmStatus> s = status();
        // A stopped guest's size is what vm.conf says (vmd may not have reloaded it yet).
        if (s.isPresent() && (s.get().running() || confFile().read().vm(name).isEmpty())) {
            VmdVmStatus v = s.get();
            return new GuestInfo(
                    stateOf(v),
                    v.state(),
                    v.running() ? v.usedMemory() : 0,
                    v.maxMemory(),
                    Math.max(v.vcpus(), 1),
                    Duration.ZERO);
        }
        VmConf.Vm vm = block();
        return new GuestInfo(GuestState.STOPPED, 0, 0, vm.memoryBytes(), 1, Duration.ZERO);
    }

    @Override
    public GuestSpec spec() {
        return VmdGuestManager.toSpec(block());
    }

    @Override
    public void start() {
        client().start(VmStartRequest.byName(name));
    }

    @Override
    public boolean shutdown(Duration timeout) {
        try {
            client().stop(name, VmdClient.StopMode.GRACEFUL, false);
        } catch (VmdException e) {
            if (e.result() == VmdProtocol.VMD_VM_STOP_INVALID) {
                return true; // not running
            }
            throw e;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (status().map(s -> !s.running()).orElse(true)) {
                return true;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (status().map(s -> !s.running()).orElse(true)) {
            return true;
        }
        client().stop(name, VmdClient.StopMode.FORCE, true);
        return false;
    }

    @Override
    public void destroy() {
        client().stop(name, VmdClient.StopMode.FORCE, true);
    }

    /** vmd has no reboot request: a graceful shutdown (forced after 60 s), then a start. */
    @Override
    public void reboot() {
        shutdown(Duration.ofSeconds(60));
        start();
    }

    @Override
    public void suspend() {
        client().pause(name);
    }

    @Override
    public void resume() {
        client().unpause(name);
    }

    @Override
    public void undefine(UndefineOption... options) {
        if (status().map(VmdVmStatus::running).orElse(false)) {
            throw new IllegalStateException("guest " + name + " is running; stop it before undefining it");
        }
        VmConf.Vm vm = block();
        confFile().write(confFile().read().withoutVm(name));
        client().reload();
        for (UndefineOption o : options) {
            if (o == UndefineOption.STORAGE) {
                for (VmConf.Disk d : vm.disks()) {
                    try {
                        Files.deleteIfExists(Path.of(d.path()));
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot delete disk " + d.path(), e);
                    }
                }
            }
        }
    }

    @Override
    public Guest rename(String newName) {
        if (status().map(VmdVmStatus::running).orElse(false)) {
            throw new IllegalStateException("guest " + name + " is running; stop it before renaming it");
        }
        VmConf c = confFile().read();
        if (c.vm(newName).isPresent()) {
            throw new IllegalArgumentException("a guest named " + newName + " already exists");
        }
        confFile().write(c.withoutVm(name).withVm(block().withName(newName)));
        client().reload();
        return new VmdGuest(manager, newName);
    }

    /** Changes vm.conf; a running guest keeps its memory until it is restarted (vmd cannot resize). */
    @Override
    public void setMemory(long bytes) {
        confFile().write(confFile().read().withVm(block().withMemory(bytes)));
    }

    @Override
    public void setVcpus(int count) {
        checkOpen();
        if (count != 1) {
            throw VmdGuestManager.unsupported("guest.one-vcpu");
        }
    }

    @Override
    public boolean autostart() {
        return !block().disabled();
    }

    /** Takes effect when vmd next starts (boot); no reload, which would start the guest now. */
    @Override
    public void setAutostart(boolean enabled) {
        confFile().write(confFile().read().withVm(block().withDisabled(!enabled)));
    }

    /**
     * From the host, without help from the guest: {@link GuestAddress.Source#DHCP_LEASE} is vmd's own
     * DHCP answer on {@code local interface}s (fixed by the VM id and interface number) and dhcpd(8)
     * leases of the guest's MACs; {@link GuestAddress.Source#ARP} is the host's ARP table matched by
     * MAC or local address. Empty while the guest is not running.
     *
     * @throws UnsupportedOperationException for {@link GuestAddress.Source#GUEST_AGENT} (vmd has no
     *         agent channel), and for a guest the host cannot recognise on the network (not defined in
     *         vm.conf, or neither a local interface nor an {@code lladdr})
     */
    @Override
    public List<GuestAddress> addresses(GuestAddress.Source source) {
        Objects.requireNonNull(source, "source");
        Optional<VmdVmStatus> status = status();
        VmConf conf = confFile().read();
        return manager.addresses().find(conf, conf.vm(name).orElse(null), name, status.orElse(null), source);
    }

    @Override
    public Optional<String> consolePath() {
        return client().consoleTty(name);
    }

    @Override
    public String toString() {
        return "VmdGuest[" + name + (closed ? ", closed" : "") + "]";
    }

    /** Marks this handle closed; it holds no kernel or client resource. Closing again does nothing. */
    @Override
    public void close() {
        closed = true;
    }
}
