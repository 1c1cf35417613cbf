package org.vmm4j.linux.guest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestConsole;
import org.vmm4j.guest.GuestInfo;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.Snapshot;
import org.vmm4j.guest.UndefineOption;
import org.vmm4j.host.SafeNames;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.LibvirtLayout;
import org.vmm4j.linux.internal.DomainState;
import org.vmm4j.linux.internal.Libvirt;
import org.vmm4j.linux.internal.LibvirtConsole;
import org.vmm4j.linux.internal.LibvirtErrors;
import org.vmm4j.linux.internal.LibvirtHandle;
import org.vmm4j.linux.internal.Scratch;

/**
 * A libvirt domain ({@code virDomainPtr}). Holds one reference to it, released by {@link #close()}.
 * Thread-safe.
 */
public final class LibvirtGuest implements Guest, AutoCloseable {
    private static final long POLL_MILLIS = 50;
    private static final int VIR_DOMAIN_XML_SECURE = 1;
    private static final int VIR_DOMAIN_XML_INACTIVE = 2;

    private final LibvirtGuestManager manager;
    private final Libvirt lv;
    private final LibvirtHandle dom;
    private volatile UUID uuid;
    private volatile String name;

    LibvirtGuest(LibvirtGuestManager manager, long domain) {
        this(manager, domain, null);
    }

    /** Takes over one reference to {@code domain}; {@code knownName} spares a virDomainGetName call. */
    LibvirtGuest(LibvirtGuestManager manager, long domain, String knownName) {
        this.manager = manager;
        this.lv = manager.lv;
        this.dom = new LibvirtHandle(this, domain, lv.virDomainFree, "libvirt domain");
        if (knownName != null) {
            this.name = knownName;
            return;
        }
        try {
            this.name = lv.access.readString(
                    LibvirtErrors.checkPointer(lv, lv.virDomainGetName.call(domain), "virDomainGetName"));
        } catch (RuntimeException e) {
            dom.close();
            throw e;
        }
    }

    @Override
    public String name() {
        dom.checkOpen();
        return name;
    }

    @Override
    public UUID uuid() {
        dom.checkOpen();
        UUID u = uuid;
        if (u == null) {
            long d = dom.acquire();
            NativeMemory buffer = Scratch.take(lv.access);
            try {
                LibvirtErrors.check(
                        lv, lv.virDomainGetUUIDString.call(d, buffer.address()), "virDomainGetUUIDString", name);
                uuid = u = UUID.fromString(buffer.getString(0));
            } finally {
                Scratch.give(buffer);
                dom.release();
            }
        }
        return u;
    }

    /** The manager (connection) this guest belongs to. */
    public LibvirtGuestManager manager() {
        return manager;
    }

    private String op(String function) {
        return function + "(" + name + ")";
    }

    private int call(NativeFunction f, String operation) {
        return dom.call(lv, f, operation, name);
    }

    private int call(NativeFunction f, long argument, String operation) {
        return dom.call(lv, f, argument, operation, name);
    }

    @Override
    public GuestState state() {
        return stateAndReason().state();
    }

    /** The state and libvirt's reason code for it (e.g. VIR_DOMAIN_SHUTOFF_DESTROYED = 2). */
    public StateReason stateAndReason() {
        long d = dom.acquire();
        NativeMemory out = Scratch.take(lv.access);
        try {
            LibvirtErrors.check(
                    lv, lv.virDomainGetState.call(d, out.address(), out.address() + 4, 0), "virDomainGetState", name);
            return new StateReason(DomainState.of(out.getInt(0)), out.getInt(4));
        } finally {
            Scratch.give(out);
            dom.release();
        }
    }

    /** A state with libvirt's reason for it. */
    public record StateReason(GuestState state, int reason) {}

    /** State with its reason, memory, vCPUs and CPU time: virDomainGetInfo plus virDomainGetState. */
    @Override
    public GuestInfo info() {
        return info(true);
    }

    /**
     * Like {@link #info()} with one libvirt call (virDomainGetInfo alone), for polling: the reason is
     * always 0.
     */
    public GuestInfo basicInfo() {
        return info(false);
    }

    private GuestInfo info(boolean withReason) {
        long d = dom.acquire();
        NativeMemory info = Scratch.take(lv.access);
        try {
            LibvirtErrors.check(lv, lv.virDomainGetInfo.call(d, info.address()), "virDomainGetInfo", name);
            long reasonAt = info.address() + LibvirtLayout.DOMAIN_INFO_SIZE;
            int reason = 0;
            if (withReason) {
                if (lv.virDomainGetState.call(d, reasonAt, reasonAt + 4, 0) == 0) {
                    reason = info.getInt(LibvirtLayout.DOMAIN_INFO_SIZE + 4);
                } else {
                    LibvirtErrors.discard(lv); // the state itself came from GetInfo; only the reason is missing
                }
            }
            return new GuestInfo(
                    DomainState.of(info.getUnsignedByte(LibvirtLayout.DOMAIN_INFO_STATE)),
                    reason,
                    info.getLong(LibvirtLayout.DOMAIN_INFO_MEMORY) << 10,
                    info.getLong(LibvirtLayout.DOMAIN_INFO_MAX_MEM) << 10,
                    info.getUnsignedShort(LibvirtLayout.DOMAIN_INFO_NR_VIRT_CPU),
                    Duration.ofNanos(info.getLong(LibvirtLayout.DOMAIN_INFO_CPU_TIME)));
        } finally {
            Scratch.give(info);
            dom.release();
        }
    }

    /** The domain XML libvirt holds (the live one while running). */
    public String xml() {
        return xml(0);
    }

    /** The domain XML with {@code virDomainXMLFlags} (1 = secure, 2 = inactive, 4 = update CPU). */
    public String xml(int flags) {
        long d = dom.acquire();
        try {
            return lv.takeString(
                    LibvirtErrors.checkPointer(lv, lv.virDomainGetXMLDesc.call(d, flags), "virDomainGetXMLDesc", name));
        } finally {
            dom.release();
        }
    }

    @Override
    public GuestSpec spec() {
        return DomainXml.parse(xml(), autostart());
    }

    public boolean isActive() {
        return call(lv.virDomainIsActive, "virDomainIsActive") == 1;
    }

    @Override
    public void start() {
        call(lv.virDomainCreate, "virDomainCreate");
    }

    @Override
    public boolean shutdown(Duration timeout) {
        call(lv.virDomainShutdownFlags, 0, "virDomainShutdownFlags");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (stoppedOrGone()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                Thread.sleep(Math.min(POLL_MILLIS, Math.max(1, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long d = dom.acquire();
        try {
            if (lv.virDomainDestroy.call(d) < 0) {
                LibvirtException e = LibvirtErrors.failure(lv, op("virDomainDestroy"));
                if (e.code() == LibvirtException.NO_DOMAIN
                        || (e.code() == LibvirtException.OPERATION_INVALID && lv.virDomainIsActive.call(d) == 0)) {
                    return true; // it stopped on its own between the last check and the destroy
                }
                throw e;
            }
        } finally {
            dom.release();
        }
        return false;
    }

    /**
     * Whether the guest no longer runs: shut off, or gone, as a transient guest (one started from XML,
     * or undefined while running) is once it stops.
     */
    private boolean stoppedOrGone() {
        long d = dom.acquire();
        try {
            long active = lv.virDomainIsActive.call(d);
            if (active >= 0) {
                return active == 0;
            }
            LibvirtException e = LibvirtErrors.failure(lv, op("virDomainIsActive"));
            if (e.code() == LibvirtException.NO_DOMAIN) {
                return true;
            }
            throw e;
        } finally {
            dom.release();
        }
    }

    @Override
    public void destroy() {
        call(lv.virDomainDestroy, "virDomainDestroy");
    }

    @Override
    public void reboot() {
        call(lv.virDomainReboot, 0, "virDomainReboot");
    }

    /** Resets the guest at once, like the reset button (no guest cooperation; raises a reboot event). */
    public void reset() {
        call(lv.virDomainReset, 0, "virDomainReset");
    }

    @Override
    public void suspend() {
        call(lv.virDomainSuspend, "virDomainSuspend");
    }

    @Override
    public void resume() {
        call(lv.virDomainResume, "virDomainResume");
    }

    /**
     * Undefines the stopped guest (libvirt itself would turn a running one into a transient guest;
     * vmm4j refuses, as the other managers do). {@link UndefineOption#STORAGE} deletes the disks
     * that are storage volumes of this connection's pools (never plain files outside a pool, and
     * never CD-ROMs); it happens after the definition is gone.
     */
    @Override
    public void undefine(UndefineOption... options) {
        if (isActive()) {
            throw new IllegalStateException("guest " + name + " is running; stop it before undefining it");
        }
        int flags = LibvirtLayout.UNDEFINE_MANAGED_SAVE;
        boolean storage = false;
        for (UndefineOption option : options) {
            switch (option) {
                case SNAPSHOTS:
                    flags |= LibvirtLayout.UNDEFINE_SNAPSHOTS_METADATA;
                    break;
                case NVRAM:
                    flags |= LibvirtLayout.UNDEFINE_NVRAM;
                    break;
                default:
                    storage = true;
            }
        }
        List<DiskSpec> disks = storage ? DomainXml.disks(xml(VIR_DOMAIN_XML_INACTIVE)) : List.of();
        call(lv.virDomainUndefineFlags, flags, "virDomainUndefineFlags");
        for (DiskSpec disk : disks) {
            if (!disk.cdrom()) {
                deleteVolume(disk);
            }
        }
    }

    private void deleteVolume(DiskSpec disk) {
        Optional<LibvirtStorageVolume> volume;
        if (disk.type() == DiskSpec.SourceType.VOLUME) {
            String[] poolAndVolume = disk.source().split("/", 2);
            try (var pool = manager.findPool(poolAndVolume[0]).orElse(null)) {
                volume = pool == null ? Optional.empty() : pool.findVolume(poolAndVolume[1]);
            }
        } else {
            volume = manager.findVolumeByPath(disk.source());
        }
        if (volume.isPresent()) {
            try (LibvirtStorageVolume v = volume.get()) {
                v.delete();
            }
        }
    }

    @Override
    public LibvirtGuest rename(String newName) {
        SafeNames.require("guest name", newName, GuestSpec.MAX_NAME_LENGTH);
        long d = dom.acquire();
        try (NativeMemory cName = lv.cString(newName)) {
            LibvirtErrors.check(lv, lv.virDomainRename.call(d, cName.address(), 0), "virDomainRename", name);
            name = newName;
            return this;
        } finally {
            dom.release();
        }
    }

    /**
     * Sets memory in the persistent definition (raising the maximum when needed) and, while running,
     * live where the driver can balloon.
     */
    @Override
    public void setMemory(long bytes) {
        long kib = bytes >> 10;
        long d = dom.acquire();
        try {
            if (kib > info().maxMemoryBytes() >> 10) {
                LibvirtErrors.check(
                        lv,
                        lv.virDomainSetMemoryFlags.call(
                                d, kib, LibvirtLayout.AFFECT_CONFIG | LibvirtLayout.MEM_MAXIMUM),
                        "virDomainSetMemoryFlags",
                        name + ", maximum");
            }
            setLiveAndConfig(lv.virDomainSetMemoryFlags, d, kib, "virDomainSetMemoryFlags");
        } finally {
            dom.release();
        }
    }

    @Override
    public void setVcpus(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a guest needs at least one vCPU, got " + count);
        }
        long d = dom.acquire();
        try {
            long max = lv.virDomainGetVcpusFlags.call(d, LibvirtLayout.AFFECT_CONFIG | LibvirtLayout.VCPU_MAXIMUM);
            if (max < 0) {
                LibvirtErrors.discard(lv);
            }
            if (max < count) {
                // Redefine with a larger maximum and a topology that multiplies out to it; the
                // secure flag keeps passwords (VNC, ...) in the redefinition.
                String persistent = xml(VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE);
                manager.defineXml(DomainXml.withVcpuMaximum(persistent, count)).close();
            }
            setLiveAndConfig(lv.virDomainSetVcpusFlags, d, count, "virDomainSetVcpusFlags");
        } finally {
            dom.release();
        }
    }

    /** Live and config at once while running; config alone if the live change is refused, or when stopped. */
    private void setLiveAndConfig(NativeFunction f, long d, long value, String operation) {
        boolean active = lv.virDomainIsActive.call(d) == 1;
        if (active) {
            if (f.call(d, value, LibvirtLayout.AFFECT_LIVE | LibvirtLayout.AFFECT_CONFIG) == 0) {
                return;
            }
            LibvirtErrors.discard(lv);
        }
        LibvirtErrors.check(lv, f.call(d, value, LibvirtLayout.AFFECT_CONFIG), operation, name);
    }

    @Override
    public boolean autostart() {
        long d = dom.acquire();
        NativeMemory out = Scratch.take(lv.access);
        try {
            LibvirtErrors.check(lv, lv.virDomainGetAutostart.call(d, out.address()), "virDomainGetAutostart", name);
            return out.getInt(0) != 0;
        } finally {
            Scratch.give(out);
            dom.release();
        }
    }

    @Override
    public void setAutostart(boolean enabled) {
        call(lv.virDomainSetAutostart, enabled ? 1 : 0, "virDomainSetAutostart");
    }

    @Override
    public List<GuestAddress> addresses(GuestAddress.Source source) {
        int src = source == GuestAddress.Source.GUEST_AGENT
                ? LibvirtLayout.ADDRESSES_SRC_AGENT
                : source == GuestAddress.Source.ARP
                        ? LibvirtLayout.ADDRESSES_SRC_ARP
                        : LibvirtLayout.ADDRESSES_SRC_LEASE;
        long d = dom.acquire();
        try (NativeMemory out = lv.access.allocate(8)) {
            int n = LibvirtErrors.check(
                    lv,
                    lv.virDomainInterfaceAddresses.call(d, out.address(), src, 0),
                    "virDomainInterfaceAddresses",
                    name);
            long array = out.getLong(0);
            List<GuestAddress> result = new ArrayList<>();
            if (array == 0) {
                return result;
            }
            NativeMemory interfaces = lv.access.view(array, 8L * n);
            try {
                for (int i = 0; i < n; i++) {
                    NativeMemory iface =
                            lv.access.view(interfaces.getLong(8L * i), LibvirtLayout.DOMAIN_INTERFACE_SIZE);
                    String ifName = lv.access.readString(iface.getLong(LibvirtLayout.DOMAIN_INTERFACE_NAME));
                    String mac = lv.access.readString(iface.getLong(LibvirtLayout.DOMAIN_INTERFACE_HWADDR));
                    int count = iface.getInt(LibvirtLayout.DOMAIN_INTERFACE_NADDRS);
                    long addrs = iface.getLong(LibvirtLayout.DOMAIN_INTERFACE_ADDRS);
                    for (int a = 0; a < count && addrs != 0; a++) {
                        NativeMemory ip = lv.access.view(
                                addrs + a * LibvirtLayout.IP_ADDRESS_SIZE, LibvirtLayout.IP_ADDRESS_SIZE);
                        result.add(new GuestAddress(
                                ifName,
                                mac,
                                lv.access.readString(ip.getLong(LibvirtLayout.IP_ADDRESS_ADDR)),
                                ip.getInt(LibvirtLayout.IP_ADDRESS_PREFIX),
                                source));
                    }
                }
            } finally {
                for (int i = 0; i < n; i++) {
                    lv.virDomainInterfaceFree.call(interfaces.getLong(8L * i));
                }
                lv.free.call(array);
            }
            return result;
        } finally {
            dom.release();
        }
    }

    @Override
    public Optional<String> consolePath() {
        return DomainXml.consolePath(xml());
    }

    /**
     * Opens the domain's first console as a non-blocking stream on the libvirt event loop; see
     * {@link LibvirtConsole}. The stream holds its own reference to the connection, so the console stays
     * usable until it is closed even if this handle or the manager is closed first.
     */
    @Override
    public GuestConsole openConsole(boolean force) {
        String xml = xml();
        if (!DomainXml.hasConsole(xml)) {
            throw new IllegalStateException("guest '" + name
                    + "' has no serial console (define it with GuestSpec.Builder.serialConsole(true))");
        }
        GuestState state = state();
        if (state != GuestState.RUNNING && state != GuestState.PAUSED) {
            throw new IllegalStateException("guest '" + name + "' is "
                    + state.name().toLowerCase(Locale.ROOT) + "; its console can only be opened while it runs");
        }
        long c = manager.conn.acquire();
        try {
            long d = dom.acquire();
            try {
                return LibvirtConsole.open(lv, c, d, name, force);
            } finally {
                dom.release();
            }
        } finally {
            manager.conn.release();
        }
    }

    // --- snapshots ---

    @Override
    public Snapshot createSnapshot(String snapshotName, String description, boolean diskOnly) {
        String xml = SnapshotXml.toXml(snapshotName, description);
        long d = dom.acquire();
        try (NativeMemory cXml = lv.cString(xml)) {
            long s = LibvirtErrors.checkPointer(
                    lv,
                    lv.virDomainSnapshotCreateXML.call(
                            d,
                            cXml.address(),
                            diskOnly
                                    ? LibvirtLayout.SNAPSHOT_CREATE_DISK_ONLY | LibvirtLayout.SNAPSHOT_CREATE_ATOMIC
                                    : 0),
                    "virDomainSnapshotCreateXML",
                    name);
            return snapshot(s, true);
        } finally {
            dom.release();
        }
    }

    /** Reads a snapshot's XML and frees the reference. */
    private Snapshot snapshot(long s, boolean free) {
        try {
            String xml = lv.takeString(LibvirtErrors.checkPointer(
                    lv, lv.virDomainSnapshotGetXMLDesc.call(s, 0), "virDomainSnapshotGetXMLDesc"));
            long current = lv.virDomainSnapshotIsCurrent.call(s, 0);
            if (current < 0) {
                LibvirtErrors.discard(lv);
            }
            return SnapshotXml.parse(xml, current == 1);
        } finally {
            if (free) {
                lv.virDomainSnapshotFree.call(s);
            }
        }
    }

    @Override
    public List<Snapshot> snapshots() {
        long d = dom.acquire();
        try {
            List<Long> pointers = manager.listAll(
                    lv.virDomainListAllSnapshots,
                    d,
                    0,
                    op("virDomainListAllSnapshots"),
                    lv.virDomainSnapshotFree,
                    s -> s);
            List<Snapshot> result = new ArrayList<>(pointers.size());
            int i = 0;
            try {
                for (; i < pointers.size(); i++) {
                    result.add(snapshot(pointers.get(i), true));
                }
            } finally {
                for (int j = i + 1; j < pointers.size(); j++) {
                    lv.virDomainSnapshotFree.call(pointers.get(j));
                }
            }
            return result;
        } finally {
            dom.release();
        }
    }

    @Override
    public Optional<Snapshot> currentSnapshot() {
        long d = dom.acquire();
        try {
            long s = lv.virDomainSnapshotCurrent.call(d, 0);
            if (s == 0) {
                LibvirtException e = LibvirtErrors.failure(lv, op("virDomainSnapshotCurrent"));
                if (e.code() == LibvirtException.NO_DOMAIN_SNAPSHOT) {
                    return Optional.empty();
                }
                throw e;
            }
            return Optional.of(snapshot(s, true));
        } finally {
            dom.release();
        }
    }

    private long lookupSnapshot(long d, String snapshotName) {
        try (NativeMemory cName = lv.cString(snapshotName)) {
            return LibvirtErrors.checkPointer(
                    lv,
                    lv.virDomainSnapshotLookupByName.call(d, cName.address(), 0),
                    op("virDomainSnapshotLookupByName") + "[" + snapshotName + "]");
        }
    }

    @Override
    public void revertToSnapshot(String snapshotName) {
        long d = dom.acquire();
        try {
            long s = lookupSnapshot(d, snapshotName);
            try {
                LibvirtErrors.check(lv, lv.virDomainRevertToSnapshot.call(s, 0), "virDomainRevertToSnapshot", name);
            } finally {
                lv.virDomainSnapshotFree.call(s);
            }
        } finally {
            dom.release();
        }
    }

    @Override
    public void deleteSnapshot(String snapshotName) {
        long d = dom.acquire();
        try {
            long s = lookupSnapshot(d, snapshotName);
            try {
                LibvirtErrors.check(lv, lv.virDomainSnapshotDelete.call(s, 0), "virDomainSnapshotDelete", name);
            } finally {
                lv.virDomainSnapshotFree.call(s);
            }
        } finally {
            dom.release();
        }
    }

    /** Releases this handle's reference to the domain (the guest itself is unaffected). Idempotent. */
    @Override
    public void close() {
        dom.close();
    }

    @Override
    public String toString() {
        return "LibvirtGuest[" + name + "]";
    }
}
