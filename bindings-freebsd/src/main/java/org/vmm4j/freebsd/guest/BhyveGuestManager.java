package org.vmm4j.freebsd.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.VmmException;
import org.vmm4j.freebsd.BhyveHypervisor;
import org.vmm4j.freebsd.abi.Vmm;
import org.vmm4j.freebsd.host.FreeBsdHostMessages;
import org.vmm4j.freebsd.host.ZfsNames;
import org.vmm4j.freebsd.internal.BhyveHost;
import org.vmm4j.freebsd.internal.VmmDevice;
import org.vmm4j.freebsd.internal.VmmKernel;
import org.vmm4j.freebsd.internal.VmmStatistics;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.UndefineOption;
import org.vmm4j.guest.UnsupportedGuestOperationException;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.SafeNames;

/**
 * bhyve guests run as bhyve(8) processes supervised by this manager. Definitions live in
 * {@link BhyveHostLayout#stateDir()}; running VMs are those in {@code /dev/vmm}. A guest started by an
 * earlier run of the application is seen as running while its VM exists, and can be stopped (through
 * the kernel), but is not supervised by this instance. Reached through
 * {@link GuestManager#connect(String)} on FreeBSD, or {@link #connect(String)}.
 */
public final class BhyveGuestManager implements GuestManager {
    private static final Logger LOG = LoggerFactory.getLogger(BhyveGuestManager.class);

    /** Guest names: SafeNames, and short enough for every file, nmdm and tap description derived from them. */
    public static final int MAX_NAME_LENGTH = GuestSpec.MAX_NAME_LENGTH;
    /** The URI of the default layout: definitions in {@link BhyveHostLayout#DEFAULT_STATE_DIR}. */
    public static final String DEFAULT_URI = "bhyve:///system";

    private static final String SCHEME = "bhyve://";

    private final BhyveHostLayout layout;
    private final VmmKernel kernel;
    private final CommandExecutor executor;
    private final GuestDefinitionStore store;
    private final String uri;
    private final Map<String, BhyveSupervisor> supervisors = new HashMap<>();
    private volatile boolean closed;

    BhyveGuestManager(BhyveHostLayout layout, VmmKernel kernel, CommandExecutor executor) {
        this.layout = layout;
        this.kernel = kernel;
        this.executor = executor;
        this.store = new GuestDefinitionStore(layout.stateDir());
        this.uri =
                layout.stateDir().equals(BhyveHostLayout.DEFAULT_STATE_DIR) ? DEFAULT_URI : SCHEME + layout.stateDir();
    }

    /**
     * Connects to the bhyve guests of this FreeBSD host. {@code uri} names where their definitions live
     * (bhyve, bhyveload, ifconfig and the UEFI firmware are at their standard places either way):
     * <ul>
     *   <li>{@code null} or {@value #DEFAULT_URI}: the default layout, definitions in
     *       {@link BhyveHostLayout#DEFAULT_STATE_DIR} (created by the first {@link #define});</li>
     *   <li>{@code bhyve://} followed by an absolute, normalised path of an existing directory, e.g.
     *       {@code bhyve:///usr/local/vmm4j/guests}: definitions in that directory.</li>
     * </ul>
     * {@link #uri()} gives the same form back.
     *
     * @throws IllegalArgumentException for any other URI, e.g. {@code qemu:///system} (libvirt is not
     *                                  bhyve's manager) or a directory that does not exist
     * @throws HypervisorUnavailableException off FreeBSD, or when libvmmapi cannot be loaded
     */
    public static BhyveGuestManager connect(String uri) {
        Path stateDir = stateDirectory(uri);
        BhyveHost host = BhyveHost.current();
        if (!host.freeBsd()) {
            throw new HypervisorUnavailableException(
                    "bhyve guests run on FreeBSD; this is " + System.getProperty("os.name"));
        }
        return new BhyveGuestManager(
                host.layout().apply(stateDir), host.kernel().get(), host.executor());
    }

    /** The state directory {@code uri} names (see {@link #connect(String)}). */
    static Path stateDirectory(String uri) {
        if (uri == null || uri.equals(DEFAULT_URI)) {
            return BhyveHostLayout.DEFAULT_STATE_DIR;
        }
        String usage = "; bhyve guest URIs are " + DEFAULT_URI + " or bhyve:///ABSOLUTE/STATE/DIRECTORY";
        if (!uri.startsWith(SCHEME + "/")) {
            throw new IllegalArgumentException("'" + uri + "' is not a bhyve guest URI" + usage);
        }
        String path = uri.substring(SCHEME.length());
        if (path.indexOf('?') >= 0
                || path.indexOf('#') >= 0
                || path.indexOf('\0') >= 0
                || !Path.of(path).normalize().toString().equals(path)) {
            throw new IllegalArgumentException(
                    "'" + uri + "' does not name a normalised directory (no query, '..', '.',"
                            + " '//' or trailing '/')" + usage);
        }
        Path dir = Path.of(path);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("the state directory " + dir + " of '" + uri
                    + "' does not exist; create it" + " or connect to " + DEFAULT_URI);
        }
        return dir;
    }

    GuestDefinitionStore store() {
        return store;
    }

    @Override
    public String kind() {
        return BhyveHypervisor.KIND;
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public List<Guest> list(GuestFilter filter) {
        ensureOpen();
        Set<String> names = new LinkedHashSet<>();
        store.list().forEach(d -> names.add(d.name()));
        for (String vm : kernel.list()) {
            if (isValidName(vm)) {
                names.add(vm);
            }
        }
        List<Guest> guests = new ArrayList<>();
        for (String name : names) {
            boolean active = isActive(state(name));
            if (filter == GuestFilter.ALL || (filter == GuestFilter.ACTIVE) == active) {
                guests.add(new BhyveGuest(this, name));
            }
        }
        return guests;
    }

    private static boolean isValidName(String name) {
        try {
            SafeNames.require("guest name", name, MAX_NAME_LENGTH);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean isActive(GuestState s) {
        return s == GuestState.RUNNING || s == GuestState.PAUSED || s == GuestState.SHUTTING_DOWN;
    }

    @Override
    public Optional<Guest> find(String name) {
        ensureOpen();
        if (!isValidName(name)) {
            return Optional.empty();
        }
        if (store.load(name).isPresent() || kernel.list().contains(name)) {
            return Optional.of(new BhyveGuest(this, name));
        }
        return Optional.empty();
    }

    @Override
    public Optional<Guest> find(UUID uuid) {
        ensureOpen();
        for (GuestDefinition d : store.list()) {
            if (d.uuid().equals(uuid)) {
                return Optional.of(new BhyveGuest(this, d.name()));
            }
        }
        return Optional.empty();
    }

    @Override
    public Guest define(GuestSpec spec) {
        return define(spec, BhyveGuestOptions.defaults());
    }

    /**
     * {@inheritDoc} bhyve runs every guest on the kernel's vmm(4): {@link Accelerator#AUTO} and
     * {@link Accelerator#KVM} (the hardware one) both mean it.
     *
     * @throws UnsupportedOperationException for {@link Accelerator#TCG}: bhyve has no instruction emulator
     */
    @Override
    public AcceleratorChoice acceleratorChoice(Accelerator requested) {
        ensureOpen();
        return choice(requested);
    }

    /** What bhyve cannot do, from {@link FreeBsdHostMessages}. */
    static UnsupportedGuestOperationException unsupported(String key, Object... arguments) {
        return new UnsupportedGuestOperationException(FreeBsdHostMessages.CATALOG.message(key, arguments));
    }

    static AcceleratorChoice choice(Accelerator requested) {
        return switch (requested) {
            case AUTO, KVM ->
                new AcceleratorChoice(Accelerator.KVM, "vmm", FreeBsdHostMessages.CATALOG.message("accelerator.vmm"));
            case TCG -> throw unsupported("accelerator.no-tcg");
        };
    }

    /**
     * Defines a guest with bhyve-only options.
     *
     * @throws IllegalArgumentException when the name is taken, by a definition or a VM in {@code /dev/vmm}
     *                                  (change a defined guest with its setters), or for what bhyve cannot run
     * @throws UnsupportedOperationException when the spec asks for {@link Accelerator#TCG}
     */
    public synchronized BhyveGuest define(GuestSpec spec, BhyveGuestOptions options) {
        ensureOpen();
        choice(spec.accelerator());
        SafeNames.require("guest name", spec.name(), MAX_NAME_LENGTH);
        if (store.load(spec.name()).isPresent()) {
            throw new IllegalArgumentException("a guest named " + spec.name() + " is defined already in "
                    + layout.stateDir() + "; undefine it first, or change it with its setters");
        }
        if (kernel.list().contains(spec.name())) {
            throw new IllegalArgumentException("a VM named " + spec.name() + " runs in /dev/vmm");
        }
        UUID uuid = UUID.randomUUID();
        GuestDefinition definition = new GuestDefinition(spec, uuid, options);
        // Fail now, not at start, for what bhyve cannot run.
        List<String> placeholderTaps = new ArrayList<>();
        spec.nics().forEach(n -> placeholderTaps.add("tap0"));
        BhyveConfig.render(spec, uuid, options, layout, placeholderTaps);
        store.save(definition);
        return new BhyveGuest(this, spec.name());
    }

    /** Starts every defined guest marked autostart that is not running. */
    public List<String> startAutostartGuests() {
        ensureOpen();
        List<String> started = new ArrayList<>();
        for (GuestDefinition d : store.list()) {
            if (d.spec().autostart() && !isActive(state(d.name()))) {
                start(d);
                started.add(d.name());
            }
        }
        return started;
    }

    synchronized GuestState state(String name) {
        BhyveSupervisor s = supervisors.get(name);
        if (s != null) {
            return s.state();
        }
        if (!kernel.list().contains(name)) {
            return GuestState.STOPPED;
        }
        // A VM in /dev/vmm: someone else's, ours from an earlier run of the application, or stale.
        if (store.load(name).isEmpty() || bhyveAlive(name)) {
            return GuestState.RUNNING;
        }
        return GuestState.CRASHED;
    }

    /** Whether the bhyve process recorded in the guest's pid file still runs. */
    private boolean bhyveAlive(String name) {
        return bhyveProcess(name).isPresent();
    }

    /** The live process of the guest's pid file, if its command is the configured bhyve (or unknown). */
    private Optional<ProcessHandle> bhyveProcess(String name) {
        Path pidFile = layout.pidFile(name);
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            String bhyve = layout.bhyve().getFileName().toString();
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(p -> p.info()
                            .command()
                            .map(c -> c.endsWith(bhyve) || isInterpreterOf(p, bhyve))
                            .orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A script run by its interpreter (a stand-in bhyve) shows the script as its first argument. */
    private static boolean isInterpreterOf(ProcessHandle p, String program) {
        return p.info()
                .arguments()
                .map(a -> a.length > 0 && a[0].endsWith(program))
                .orElse(false);
    }

    synchronized Optional<BhyveExitStatus> lastExit(String name) {
        BhyveSupervisor s = supervisors.get(name);
        return s == null ? Optional.empty() : Optional.ofNullable(s.lastExit());
    }

    synchronized Duration uptime(String name) {
        BhyveSupervisor s = supervisors.get(name);
        return s == null || !s.isAlive() ? Duration.ZERO : s.uptime();
    }

    synchronized Duration cpuTime(String name) {
        BhyveSupervisor s = supervisors.get(name);
        if (s == null || s.process() == null) {
            return Duration.ZERO;
        }
        return s.process().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** Statistics of a running guest's VM summed over its vCPUs, by name; empty when it is not running. */
    Map<String, Long> stats(String name) {
        if (!kernel.list().contains(name)) {
            return Map.of();
        }
        int vcpus = store.load(name).map(d -> d.spec().vcpus()).orElse(1);
        try (VmmDevice device = kernel.open(name)) {
            List<String> names = VmmStatistics.readNames(device);
            long[] sum = new long[names.size()];
            long[] values = new long[names.size()];
            for (int cpu = 0; cpu < vcpus; cpu++) {
                try (VmmStatistics stats = new VmmStatistics(device, cpu)) {
                    Arrays.fill(values, 0);
                    stats.poll(values);
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += values[i];
                    }
                }
            }
            Map<String, Long> result = new LinkedHashMap<>();
            for (int i = 0; i < sum.length; i++) {
                result.merge(names.get(i), sum[i], Long::sum);
            }
            return Collections.unmodifiableMap(result);
        }
    }

    synchronized void start(GuestDefinition definition) {
        String name = definition.name();
        if (state(name) == GuestState.RUNNING || state(name) == GuestState.SHUTTING_DOWN) {
            throw new IllegalStateException("guest " + name + " is already running");
        }
        prepareVars(definition);
        BhyveSupervisor supervisor = new BhyveSupervisor(definition, layout, kernel, executor, () -> {});
        supervisors.put(name, supervisor);
        supervisor.start();
    }

    private void prepareVars(GuestDefinition definition) {
        if (BhyveConfig.loader(definition.spec().boot()) != BhyveConfig.Loader.UEFI) {
            return;
        }
        Path vars = layout.varsFile(definition.name());
        if (Files.exists(vars)) {
            return;
        }
        if (!Files.isRegularFile(layout.uefiVarsTemplate())) {
            throw new VmmException("UEFI variable template " + layout.uefiVarsTemplate()
                    + " is missing; install the bhyve-firmware package");
        }
        try {
            Files.createDirectories(vars.getParent());
            Files.copy(layout.uefiVarsTemplate(), vars, StandardCopyOption.COPY_ATTRIBUTES);
        } catch (IOException e) {
            throw new VmmException("cannot create the UEFI variable store " + vars + ": " + e.getMessage(), e);
        }
    }

    /**
     * ACPI power button first (SIGTERM to bhyve); after {@code timeout}, {@code VM_SUSPEND} power-off; if
     * bhyve still runs a moment later, destroy the VM and kill bhyve.
     */
    boolean shutdown(String name, Duration timeout) {
        BhyveSupervisor s;
        synchronized (this) {
            s = supervisors.get(name);
        }
        if (s == null || !s.isAlive()) {
            return shutdownUnsupervised(name, timeout);
        }
        s.requestPowerButton();
        if (s.awaitExit(timeout)) {
            return true;
        }
        s.suspendPowerOff();
        if (s.awaitExit(Duration.ofSeconds(2))) {
            return false;
        }
        s.forceStop();
        s.awaitExit(Duration.ofSeconds(5));
        return false;
    }

    /**
     * A guest whose bhyve an earlier run of the application started: SIGTERM to the process in its pid
     * file (ACPI power button), then the same fallbacks as for a supervised guest.
     */
    private boolean shutdownUnsupervised(String name, Duration timeout) {
        if (!kernel.list().contains(name)) {
            return true;
        }
        Optional<ProcessHandle> bhyve = bhyveProcess(name);
        if (bhyve.isPresent()) {
            bhyve.get().destroy();
            if (awaitGone(bhyve.get(), timeout)) {
                cleanupAfter(name);
                return true;
            }
            suspendVm(name, Vmm.VM_SUSPEND_POWEROFF);
            if (awaitGone(bhyve.get(), Duration.ofSeconds(2))) {
                cleanupAfter(name);
                return false;
            }
            bhyve.get().destroyForcibly();
        }
        forceStop(name);
        cleanupAfter(name);
        return false;
    }

    private boolean awaitGone(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(Math.max(1, timeout.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void cleanupAfter(String name) {
        if (kernel.list().contains(name)) {
            kernel.open(name).destroy();
        }
        deleteQuietly(layout.pidFile(name));
    }

    private void suspendVm(String name, int how) {
        try (VmmDevice device = kernel.open(name)) {
            device.suspend(how);
        } catch (RuntimeException e) {
            // the VM went away meanwhile: nothing to suspend
            LOG.debug("cannot suspend VM {}", name, e);
        }
    }

    void forceStop(String name) {
        BhyveSupervisor s;
        synchronized (this) {
            s = supervisors.get(name);
        }
        if (s != null && s.isAlive()) {
            s.forceStop();
            s.awaitExit(Duration.ofSeconds(5));
        } else if (kernel.list().contains(name)) {
            kernel.open(name).destroy();
        }
    }

    void reboot(String name) {
        BhyveSupervisor s;
        synchronized (this) {
            s = supervisors.get(name);
        }
        if (s == null || !s.isAlive()) {
            throw new IllegalStateException("guest " + name + " is not running under this manager");
        }
        s.reset();
    }

    synchronized void undefine(String name, UndefineOption... options) {
        GuestDefinition d = store.load(name).orElseThrow(() -> new IllegalArgumentException("no guest " + name));
        if (isActive(state(name))) {
            throw new IllegalStateException("guest " + name + " is running; stop it first");
        }
        List<UndefineOption> opts = Arrays.asList(options);
        if (opts.contains(UndefineOption.STORAGE)) {
            for (DiskSpec disk : d.spec().disks()) {
                if (disk.cdrom()) {
                    continue;
                }
                if (disk.type() == DiskSpec.SourceType.VOLUME) {
                    executor.run(List.of("zfs", "destroy", ZfsNames.requireDataset(disk.source())))
                            .orThrow();
                } else if (disk.type() == DiskSpec.SourceType.FILE) {
                    deleteQuietly(Path.of(BhyveConfig.diskPath(disk)));
                }
            }
        }
        deleteQuietly(layout.varsFile(name));
        deleteQuietly(layout.configFile(name));
        store.delete(name);
        supervisors.remove(name);
    }

    synchronized Guest rename(String name, String newName) {
        SafeNames.require("guest name", newName, MAX_NAME_LENGTH);
        GuestDefinition d = store.load(name).orElseThrow(() -> new IllegalArgumentException("no guest " + name));
        if (isActive(state(name))) {
            throw new IllegalStateException("guest " + name + " is running; stop it first");
        }
        if (store.load(newName).isPresent() || kernel.list().contains(newName)) {
            throw new IllegalArgumentException("a guest named " + newName + " exists");
        }
        store.save(new GuestDefinition(d.spec().toBuilder().name(newName).build(), d.uuid(), d.options()));
        try {
            if (Files.exists(layout.varsFile(name))) {
                Files.move(layout.varsFile(name), layout.varsFile(newName));
            }
        } catch (IOException e) {
            throw new VmmException("cannot move the UEFI variables of " + name + ": " + e.getMessage(), e);
        }
        deleteQuietly(layout.configFile(name));
        store.delete(name);
        supervisors.remove(name);
        return new BhyveGuest(this, newName);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new VmmException("cannot delete " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * The running guest's IPv4 addresses from the host's tables, matched by the MACs of its NICs (see
     * {@link BhyveGuest#addresses}).
     */
    List<GuestAddress> addresses(String name, GuestAddress.Source source) {
        if (source == GuestAddress.Source.GUEST_AGENT) {
            throw unsupported(
                    "address.no-agent", GuestAddress.Source.DHCP_LEASE.name(), GuestAddress.Source.ARP.name());
        }
        GuestSpec spec = store.load(name)
                .orElseThrow(() -> unsupported("address.not-ours", name))
                .spec();
        if (!isActive(state(name)) || spec.nics().isEmpty()) {
            return List.of();
        }
        Map<String, String> macs = new LinkedHashMap<>();
        List<String> nicMacs = BhyveConfig.nicMacs(spec);
        for (int i = 0; i < nicMacs.size(); i++) {
            macs.put(nicMacs.get(i), spec.nics().get(i).source());
        }
        if (source == GuestAddress.Source.ARP) {
            CommandResult arp = executor.run(List.of(HostAddressTables.ARP.toString(), "-an"));
            if (!arp.succeeded()) {
                throw new VmmException("arp -an exited with " + arp.exitCode()
                        + (arp.stderr().isBlank() ? "" : ": " + arp.stderr().strip()));
            }
            return HostAddressTables.fromArp(arp.stdout(), macs);
        }
        String leases = executor.readFile(HostAddressTables.DNSMASQ_LEASES)
                .orElseThrow(() -> unsupported(
                        "address.no-leases",
                        HostAddressTables.DNSMASQ_LEASES.toString(),
                        GuestAddress.Source.ARP.name()));
        return HostAddressTables.fromDnsmasqLeases(leases, macs, Instant.now());
    }

    /** Taps the running guest {@code name} uses, in NIC order (for tests and diagnostics). */
    synchronized List<String> taps(String name) {
        BhyveSupervisor s = supervisors.get(name);
        return s == null ? List.of() : s.taps();
    }

    synchronized int reboots(String name) {
        BhyveSupervisor s = supervisors.get(name);
        return s == null ? 0 : s.reboots();
    }

    /** Waits until the guest's supervisor has finished (bhyve exited and cleanup done). */
    boolean awaitStopped(String name, Duration timeout) {
        BhyveSupervisor s;
        synchronized (this) {
            s = supervisors.get(name);
        }
        return s == null || s.awaitExit(timeout);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the bhyve guest manager " + uri + " is closed");
        }
    }

    /**
     * Closes this manager: {@link #list}, {@link #find} and {@link #define} refuse work afterwards.
     * Guests keep running and their supervisors keep watching them: bhyve processes are independent of
     * this object. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
    }
}
