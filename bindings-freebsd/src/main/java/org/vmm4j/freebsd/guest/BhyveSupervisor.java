package org.vmm4j.freebsd.guest;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.VmmException;
import org.vmm4j.freebsd.abi.Vmm;
import org.vmm4j.freebsd.internal.VmmDevice;
import org.vmm4j.freebsd.internal.VmmKernel;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.NicSpec;
import org.vmm4j.host.CommandExecutor;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.SafeNames;
import org.vmm4j.internal.nat.Errno;

/**
 * Runs one guest's bhyve(8) process as a child of this JVM (no shell, output appended to the guest's
 * log) and watches it from a daemon thread: maps its exit status ({@link BhyveExitStatus}) to the
 * guest state, starts it again after a reboot, and cleans up after every exit, normal or not: a VM
 * left in {@code /dev/vmm} is destroyed and the taps it created are removed.
 */
final class BhyveSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(BhyveSupervisor.class);
    /** Reboots in a row after which a guest that keeps resetting is considered crashed. */
    static final int MAX_REBOOTS = 100;

    private final GuestDefinition definition;
    private final BhyveHostLayout layout;
    private final VmmKernel kernel;
    private final CommandExecutor executor;
    private final List<String> createdTaps = new ArrayList<>();
    private final List<String> taps = new ArrayList<>();
    private final Thread thread;
    private volatile GuestState state = GuestState.RUNNING;
    private volatile BhyveExitStatus lastExit;
    private volatile Process process;
    private volatile Instant startedAt;
    private volatile boolean stopRequested;
    private volatile int reboots;
    private final Runnable onExit;

    BhyveSupervisor(
            GuestDefinition definition,
            BhyveHostLayout layout,
            VmmKernel kernel,
            CommandExecutor executor,
            Runnable onExit) {
        this.definition = definition;
        this.layout = layout;
        this.kernel = kernel;
        this.executor = executor;
        this.onExit = onExit;
        this.thread = new Thread(this::supervise, "bhyve-" + definition.name());
        thread.setDaemon(true);
    }

    /** Prepares taps and configuration and starts the first bhyve process; fails here if it cannot start. */
    void start() {
        destroyStaleVm();
        destroyOrphanTaps();
        try {
            createTaps();
            GuestSpec spec = definition.spec();
            GuestDefinitionStore.writeAtomically(
                    layout.configFile(spec.name()),
                    BhyveConfig.render(spec, definition.uuid(), definition.options(), layout, taps));
            launch();
        } catch (RuntimeException e) {
            destroyTaps();
            state = GuestState.CRASHED;
            throw e;
        }
        thread.start();
    }

    private void launch() {
        GuestSpec spec = definition.spec();
        if (BhyveConfig.loader(spec.boot()) == BhyveConfig.Loader.BHYVELOAD) {
            CommandResult loaded = executor.run(BhyveConfig.bhyveloadCommand(layout, spec));
            if (!loaded.succeeded()) {
                destroyStaleVm();
                throw new VmmException("bhyveload of " + spec.name() + " exited with " + loaded.exitCode()
                        + (loaded.stderr().isBlank()
                                ? ""
                                : ": " + loaded.stderr().strip()));
            }
        }
        ProcessBuilder pb = new ProcessBuilder(BhyveConfig.bhyveCommand(layout, spec.name()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        layout.logFile(spec.name()).toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new VmmException("cannot start " + layout.bhyve() + " for " + spec.name() + ": " + e.getMessage(), e);
        }
        startedAt = Instant.now();
        state = GuestState.RUNNING;
        GuestDefinitionStore.writeAtomically(layout.pidFile(spec.name()), process.pid() + "\n");
    }

    @SuppressWarnings("NonAtomicVolatileUpdate") // only this thread writes reboots; reboots() just reads it
    private void supervise() {
        try {
            while (true) {
                int code = waitUninterruptibly(process);
                BhyveExitStatus status = BhyveExitStatus.of(code);
                lastExit = status;
                LOG.info("bhyve of {} exited with {} ({})", definition.name(), code, status);
                destroyStaleVm();
                if (status == BhyveExitStatus.REBOOT && !stopRequested && reboots < MAX_REBOOTS) {
                    reboots++;
                    try {
                        launch();
                        continue;
                    } catch (RuntimeException e) {
                        LOG.warn("restarting {} after reboot failed: {}", definition.name(), e.getMessage());
                        state = GuestState.CRASHED;
                        break;
                    }
                }
                state = stopRequested && status != BhyveExitStatus.TRIPLE_FAULT
                        ? GuestState.STOPPED
                        : status == BhyveExitStatus.REBOOT ? GuestState.CRASHED : status.guestState();
                break;
            }
        } finally {
            destroyTaps();
            try {
                java.nio.file.Files.deleteIfExists(layout.pidFile(definition.name()));
            } catch (IOException e) {
                LOG.warn("cannot remove {}: {}", layout.pidFile(definition.name()), e.getMessage());
            }
            onExit.run();
        }
    }

    private static int waitUninterruptibly(Process p) {
        while (true) {
            try {
                return p.waitFor();
            } catch (InterruptedException e) {
                // the supervisor outlives interrupts; it ends with the process
            }
        }
    }

    /** Presses the ACPI power button: bhyve turns SIGTERM into a power-button event. */
    void requestPowerButton() {
        stopRequested = true;
        Process p = process;
        if (p != null) {
            p.destroy();
        }
    }

    /** Suspends the VM as powered off ({@code VM_SUSPEND}); bhyve then exits with status 1. */
    void suspendPowerOff() {
        stopRequested = true;
        suspend(Vmm.VM_SUSPEND_POWEROFF);
    }

    /** Resets the VM ({@code VM_SUSPEND} reset); bhyve exits with status 0 and is started again. */
    void reset() {
        suspend(Vmm.VM_SUSPEND_RESET);
    }

    private void suspend(int how) {
        if (!kernel.list().contains(definition.name())) {
            return;
        }
        try (VmmDevice device = kernel.open(definition.name())) {
            int r = device.suspend(how);
            if (r < 0) {
                throw Errno.exception("ioctl(VM_SUSPEND) of " + definition.name(), -r);
            }
        }
    }

    /** Pulls the plug: destroys the VM (what {@code bhyvectl --destroy} does) and kills bhyve. */
    void forceStop() {
        stopRequested = true;
        destroyStaleVm();
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    boolean awaitExit(Duration timeout) {
        try {
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    GuestState state() {
        return state;
    }

    BhyveExitStatus lastExit() {
        return lastExit;
    }

    int reboots() {
        return reboots;
    }

    Instant startedAt() {
        return startedAt;
    }

    Process process() {
        return process;
    }

    List<String> taps() {
        return List.copyOf(taps);
    }

    private void destroyStaleVm() {
        String name = definition.name();
        try {
            if (kernel.list().contains(name)) {
                kernel.open(name).destroy();
                LOG.info("destroyed VM {} left in /dev/vmm", name);
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot destroy VM {}: {}", name, e.getMessage());
        }
    }

    /**
     * Taps a previous run created for this guest and could not remove (the JVM died) carry the
     * description {@code vmm4j:NAME}; they are destroyed before new ones are made.
     */
    private void destroyOrphanTaps() {
        String ifconfig = layout.ifconfig().toString();
        CommandResult group = executor.run(List.of(ifconfig, "-g", "tap"));
        if (!group.succeeded()) {
            return;
        }
        String mark = "description: vmm4j:" + definition.name();
        for (String tap : group.stdout().split("\\s+")) {
            if (tap.isEmpty() || !tap.matches("tap[0-9]+")) {
                continue;
            }
            CommandResult info = executor.run(List.of(ifconfig, tap));
            if (info.succeeded()
                    && info.stdout().lines().anyMatch(l -> l.strip().equals(mark))) {
                CommandResult r = executor.run(List.of(ifconfig, tap, "destroy"));
                LOG.info("destroyed orphaned {} of {}: exit {}", tap, definition.name(), r.exitCode());
            }
        }
    }

    private void createTaps() {
        for (NicSpec nic : definition.spec().nics()) {
            if (nic.type() == NicSpec.Type.TAP) {
                taps.add(SafeNames.require("tap", nic.source(), 15));
                continue;
            }
            BhyveConfig.requireAttachable(definition.name(), nic);
            String bridge = SafeNames.require("bridge", nic.source(), 15);
            CommandResult created = executor.run(List.of(layout.ifconfig().toString(), "tap", "create"))
                    .orThrow();
            String tap = SafeNames.require(
                    "tap created by ifconfig", created.stdout().strip(), 15);
            createdTaps.add(tap);
            taps.add(tap);
            executor.run(List.of(layout.ifconfig().toString(), tap, "description", "vmm4j:" + definition.name()))
                    .orThrow();
            executor.run(List.of(layout.ifconfig().toString(), bridge, "addm", tap))
                    .orThrow();
            executor.run(List.of(layout.ifconfig().toString(), tap, "up")).orThrow();
        }
    }

    private void destroyTaps() {
        for (String tap : createdTaps) {
            CommandResult r = executor.run(List.of(layout.ifconfig().toString(), tap, "destroy"));
            if (!r.succeeded()) {
                LOG.warn(
                        "cannot destroy {} of {}: {}",
                        tap,
                        definition.name(),
                        r.stderr().strip());
            }
        }
        createdTaps.clear();
    }

    /** How long the current bhyve process has run. */
    Duration uptime() {
        Instant s = startedAt;
        return s == null ? Duration.ZERO : Duration.between(s, Instant.now());
    }

    static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
