package org.vmm4j.machine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.CpuidEntry;
import org.vmm4j.DirtyLog;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.MemoryOption;
import org.vmm4j.StateSection;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.VmExit;
import org.vmm4j.boot.BootConfig;
import org.vmm4j.boot.BootException;
import org.vmm4j.boot.BootSetup;
import org.vmm4j.boot.BootState;
import org.vmm4j.boot.EntryKind;
import org.vmm4j.boot.Layout;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.VmlinuxCache;
import org.vmm4j.event.EventFdRouting;
import org.vmm4j.internal.FileReads;
import org.vmm4j.virtio.GuestRam;
import org.vmm4j.virtio.TapDevice;
import org.vmm4j.virtio.VirtioBlk;
import org.vmm4j.virtio.VirtioConsole;
import org.vmm4j.virtio.VirtioDevice;
import org.vmm4j.virtio.VirtioInterrupt;
import org.vmm4j.virtio.VirtioMmio;
import org.vmm4j.virtio.VirtioNet;
import org.vmm4j.virtio.VirtioRng;
import org.vmm4j.virtio.VirtioVsock;
import org.vmm4j.virtio.WriteLog;
import org.vmm4j.x86.CpuModel;
import org.vmm4j.x86.EmulationFailure;
import org.vmm4j.x86.InterruptLine;
import org.vmm4j.x86.Irqchip;
import org.vmm4j.x86.X86Platform;

/**
 * A PC that boots Linux: guest RAM, vCPUs on platform threads of their own, the legacy devices and
 * the run loop that dispatches exits to them. Build it, {@link #start()} it, {@link #awaitExit} the
 * reason it stopped (the guest rebooted or powered off, {@link #stop()}, or an error), then close it.
 *
 * <pre>{@code
 * try (Machine m = Machine.builder().kernel(Path.of("/boot/vmlinuz")).memoryMiB(256).vcpus(2)
 *         .commandLine("console=ttyS0").console(System.out).build()) {
 *     m.start();
 *     MachineExit exit = m.awaitExit(Duration.ofMinutes(1)).orElseThrow();
 * }
 * }</pre>
 *
 * Everything about the input (kernel format, sizes, command line, vCPU count) is checked when the
 * machine is built, before any vCPU runs.
 *
 * <p>A running machine can be {@linkplain #pause() paused} and {@linkplain #resume() resumed}, and saved with
 * {@link #snapshot(Path)}; {@link #restore(Path)}, in this process or another, builds the machine again from
 * the snapshot, and {@link #start()} continues the guest where it was (format: {@code docs/snapshot-format.md}).
 */
public final class Machine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Machine.class);

    private final Hypervisor hypervisor;
    private final boolean ownsHypervisor;
    private final X86Platform platform;
    private final VirtualMachine vm;
    private final List<VirtualCpu> cpus = new ArrayList<>();
    private final PcDevices devices;
    private final Irqchip irqchip;
    private final CpuModel cpuModel;
    private final String commandLine;
    /** The user-space IOAPIC of an {@link Irqchip#SPLIT} machine, else {@code null}. */
    private final IoApic ioApic;
    /** The virtio-mmio transports, slot by slot. */
    private final List<VirtioMmio> virtio = new ArrayList<>();
    /** The device threads fed by ioeventfds, where the hypervisor has them. */
    private final List<VirtioEventLoop> virtioLoops = new ArrayList<>();
    /** The irqfds of the virtio devices, where the interrupt controller is in the kernel. */
    private final List<IrqFdInterrupt> virtioIrqFds = new ArrayList<>();

    private final BootState boot;
    private final InputStream consoleInput;
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Object exitLock = new Object();
    private volatile MachineExit exit;
    private volatile boolean started;
    private volatile long startedAt;
    private boolean closed;

    /** Guest RAM, region by region, in guest-physical order. */
    private final List<GuestMemory> ram;
    /** The CPUID leaves the vCPUs were created with. */
    private final List<CpuidEntry> cpuid;
    /** How a restore opens each virtio device again; {@code null} for a device given as an object. */
    private final List<VirtioSpec> virtioSpecs;
    /** Whether the machine was restored from a snapshot rather than booted. */
    private final boolean restored;
    /** When {@link #restore} was called, for {@link #restoreToRunning()}; 0 for a booted machine. */
    private final long restoreCalledAt;

    private volatile long firstRunAt;

    /** The hypervisor's logs of the pages the guest writes, region by region; empty unless tracking. */
    private final List<DirtyLog> dirtyLogs;
    /** The pages the devices write, or {@code null} unless tracking (or with no virtio device). */
    private final WriteLog deviceWrites;
    /**
     * The snapshot the next {@link #snapshotIncremental} lies on: the last one taken, or the one this machine was
     * restored from; {@code null} before either, or after a snapshot that failed half-way. Guarded by control.
     */
    private Previous previous;

    /** A snapshot's directory and its state file's checksum. */
    private static final class Previous {
        private final Path dir;
        private final byte[] digest;

        Previous(Path dir, byte[] digest) {
            this.dir = dir;
            this.digest = digest.clone();
        }

        Path dir() {
            return dir;
        }

        byte[] digest() {
            return digest.clone();
        }
    }

    /** Serializes {@link #pause}, {@link #resume} and {@link #snapshot}. */
    private final Object control = new Object();
    /** Guards {@link #parked}; the vCPU threads wait on it while paused. */
    private final Object pauseLock = new Object();
    /** Set by {@link #pause}: the vCPUs park at their next stop; read on every stop only. */
    private volatile boolean pauseRequested;

    private int parked;
    private volatile boolean paused;

    /**
     * Boots ({@code image} null) or restores {@code image}, read from {@code snapshotDir}: the same recipe, with
     * the kernel loading and boot registers of a boot replaced by the saved memory and state of a restore.
     */
    private Machine(Builder b, SnapshotChain chain, Path snapshotDir, long restoreCalledAt) {
        SnapshotFile.Contents image =
                chain == null ? null : chain.newest().loaded().contents();
        this.restored = image != null;
        this.restoreCalledAt = restoreCalledAt;
        LinuxKernel kernel = restored
                ? null
                : b.kernelImage != null
                        ? b.kernelImage
                        : LinuxKernel.load(b.kernelPath, b.entry, VmlinuxCache.defaultCache());
        byte[] initrd = b.initrd;
        this.virtioSpecs = new ArrayList<>(b.virtioSpecs);
        this.consoleInput = b.consoleOnVirtio ? null : b.consoleInput;
        List<VirtioDevice> virtioDevices = b.openVirtioDevices();
        this.ownsHypervisor = b.hypervisor == null;
        this.hypervisor = ownsHypervisor ? Hypervisor.open() : b.hypervisor;
        VirtualMachine created = null;
        try {
            created = hypervisor.createVm();
            this.vm = created;
            if (b.vcpus > vm.maxVcpus()) {
                throw new BootException(
                        "this " + vm.kind() + " VM takes at most " + vm.maxVcpus() + " vCPUs, not " + b.vcpus);
            }
            this.platform = vm.x86();
            boolean emulated = hypervisor.emulatesGuestCode();
            this.cpuModel = b.cpuModel.resolve(emulated);
            if (restored) {
                SnapshotRestore.checkHost(image.config(), vm.kind(), cpuModel, platform.supportedCpuid(), snapshotDir);
                this.cpuid = image.config().cpuid();
                this.commandLine = image.config().commandLine();
            } else {
                this.cpuid = cpuid(cpuModel, platform.supportedCpuid(), vm.kind());
                this.commandLine = withVirtio(
                        emulated ? withClearcpuid(b.commandLine, cpuModel) : b.commandLine, virtioDevices.size());
            }
            this.irqchip = b.irqchip;
            // RAM before prepare(): on KVM the first memory slot after the TSS and irqchip costs 4-9 ms on a
            // nested host, before them under 1 ms (a restore's largest step; measured by the kvm-state work).
            GuestMemory low = null;
            List<GuestMemory> regions = new ArrayList<>();
            long fileOffset = 0;
            MemoryOption[] ramOptions =
                    b.trackDirtyPages ? new MemoryOption[] {MemoryOption.LOG_DIRTY_PAGES} : new MemoryOption[0];
            for (Layout.RamRange range : Layout.ramRanges(b.memorySize)) {
                GuestMemory region = restored
                        ? vm.mapMemoryFile(range.address(), range.size(), chain.baseMemory(), fileOffset, ramOptions)
                        : vm.allocateMemory(range.address(), range.size(), ramOptions);
                fileOffset += range.size();
                regions.add(region);
                if (range.address() == 0) {
                    low = region;
                }
            }
            this.ram = List.copyOf(regions);
            if (restored) {
                chain.overlay(ram);
            }
            List<DirtyLog> logs = new ArrayList<>();
            if (b.trackDirtyPages) {
                for (GuestMemory region : ram) {
                    logs.add(vm.dirtyLog(region));
                }
            }
            this.dirtyLogs = List.copyOf(logs);
            platform.prepare(irqchip);
            Objects.requireNonNull(low, "no RAM at guest-physical 0");
            this.boot = restored
                    ? null
                    : BootSetup.prepare(low, new BootConfig(kernel, b.memorySize, b.vcpus, commandLine, initrd));
            if (irqchip == Irqchip.SPLIT) {
                // The MP table gives the IOAPIC the APIC id after the last vCPU's.
                ioApic = new IoApic(platform.msiController(), b.vcpus);
                devices = new PcDevices(b.consoleOutput, ioApic::line, this::guestReset, b.bootListener, null);
                devices.mmio().register(Layout.IOAPIC_ADDRESS, IoApic.MMIO_SIZE, ioApic);
            } else {
                ioApic = null;
                devices =
                        new PcDevices(b.consoleOutput, platform::interruptLine, this::guestReset, b.bootListener, null);
            }
            IntFunction<InterruptLine> lines = ioApic != null ? ioApic::line : platform::interruptLine;
            GuestRam guestRam =
                    virtioDevices.isEmpty() ? null : b.trackDirtyPages ? GuestRam.logged(ram) : GuestRam.of(ram);
            this.deviceWrites = guestRam == null ? null : guestRam.writeLog().orElse(null);
            Optional<EventFdRouting> routing = vm.eventFdRouting();
            for (int slot = 0; slot < virtioDevices.size(); slot++) {
                long base = Layout.virtioMmioAddress(slot);
                int irq = Layout.virtioMmioIrq(slot);
                VirtioInterrupt interrupt;
                if (routing.isPresent() && irqchip == Irqchip.KERNEL) {
                    IrqFdInterrupt irqFd = IrqFdInterrupt.register(routing.get(), irq);
                    virtioIrqFds.add(irqFd);
                    interrupt = irqFd;
                } else {
                    // The MP table routes ISA IRQs edge-triggered (conforming): an interrupt is a pulse, and the
                    // driver learns why from InterruptStatus, which stays set until it writes InterruptAck.
                    InterruptLine line = lines.apply(irq);
                    interrupt = cause -> {
                        line.setLevel(true);
                        line.setLevel(false);
                    };
                }
                VirtioMmio transport = new VirtioMmio(virtioDevices.get(slot), guestRam, interrupt);
                if (restored) {
                    // paused until start(): a restored device's threads (a frame in flight, a vsock reset event,
                    // held console input) touch the guest only after the interrupt controllers are restored
                    transport.device().pause();
                    SnapshotRestore.restoreTransport(transport, slot, image, snapshotDir);
                }
                devices.mmio().register(base, Layout.VIRTIO_MMIO_WINDOW, transport);
                virtio.add(transport);
                if (routing.isPresent()) {
                    virtioLoops.add(VirtioEventLoop.create(transport, routing.get(), base, "vmm4j-virtio-" + slot));
                }
            }
            for (int id = 0; id < b.vcpus; id++) {
                cpus.add(platform.createBootVcpu(id, b.vcpus, cpuid));
            }
            if (restored) {
                SnapshotRestore.restoreMachine(platform, cpus, devices, ioApic, image, snapshotDir);
                if (b.trackDirtyPages) {
                    // the device may write the buffers it held when the snapshot was taken
                    markDeviceWritable();
                    previous = new Previous(
                            chain.newest().dir(), chain.newest().loaded().digest());
                }
            } else {
                VirtualCpu bsp = cpus.get(0);
                bsp.setSpecialRegisters(boot.specialRegisters(bsp.specialRegisters()));
                bsp.setRegisters(boot.registers());
            }
        } catch (RuntimeException | Error e) {
            closeVirtio(List.of()); // the devices: Builder.build() closes them
            if (created != null) {
                created.close();
            }
            if (ownsHypervisor) {
                hypervisor.close();
            }
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code model} applied to the hypervisor's supported CPUID, or a BootException saying what is wrong. */
    private static List<CpuidEntry> cpuid(CpuModel model, List<CpuidEntry> supported, String kind) {
        try {
            return model.apply(supported);
        } catch (IllegalArgumentException e) {
            throw new BootException("CPU model " + model + " on this " + kind + " host: " + e.getMessage(), e);
        }
    }

    /**
     * Where the hypervisor emulates guest code, it cannot hide every CPUID bit (see {@link
     * Hypervisor#emulatesGuestCode()}): Linux is told through {@code clearcpuid=} too.
     */
    private static String withClearcpuid(String cmdline, CpuModel model) {
        String clear;
        try {
            clear = model.linuxClearcpuid();
        } catch (IllegalArgumentException e) {
            throw new BootException("CPU model " + model + ": " + e.getMessage(), e);
        }
        return mergeClearcpuid(cmdline, clear);
    }

    /**
     * {@code cmdline} with the features of {@code clear} (a {@code clearcpuid=…} entry, or empty) cleared:
     * appended as an entry of its own, or, since Linux reads only the last {@code clearcpuid=}, merged into
     * the command line's last one, after the user's own features (numbers or names), each feature once.
     */
    static String mergeClearcpuid(String cmdline, String clear) {
        String prefix = "clearcpuid=";
        if (clear.isEmpty()) {
            return cmdline;
        }
        String[] words = cmdline.split(" ", -1);
        for (int i = words.length - 1; i >= 0; i--) {
            if (words[i].startsWith(prefix)) {
                Set<String> features = new LinkedHashSet<>();
                for (String own : words[i].substring(prefix.length()).split(",")) {
                    if (!own.isEmpty()) {
                        features.add(own);
                    }
                }
                features.addAll(List.of(clear.substring(prefix.length()).split(",")));
                words[i] = prefix + String.join(",", features);
                return String.join(" ", words);
            }
        }
        return cmdline.isBlank() ? clear : cmdline + " " + clear;
    }

    /**
     * One {@code virtio_mmio.device=} entry per virtio device, in slot order, after {@code cmdline}.
     */
    static String withVirtio(String cmdline, int devices) {
        StringBuilder sb = new StringBuilder(cmdline);
        for (int slot = 0; slot < devices; slot++) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(VirtioMmio.commandLineEntry(
                    Layout.virtioMmioAddress(slot), Layout.VIRTIO_MMIO_WINDOW, Layout.virtioMmioIrq(slot)));
        }
        return sb.toString();
    }

    /**
     * The virtio-mmio transports of the devices given to {@link Builder#virtio}, in slot order: slot
     * {@code i} at {@link Layout#virtioMmioAddress}{@code (i)} on ISA IRQ {@link Layout#virtioMmioIrq}{@code (i)}.
     */
    public List<VirtioMmio> virtioDevices() {
        return List.copyOf(virtio);
    }

    /** The devices (serial port, i8042, RTC, PCI, boot timer). */
    public PcDevices devices() {
        return devices;
    }

    /**
     * Where the kernel, command line and initrd were placed, and the memory map given to the guest; {@code
     * null} for a machine {@linkplain #restore restored} from a snapshot, which loaded no kernel.
     */
    public BootState bootState() {
        return boot;
    }

    /**
     * The CPU model the vCPUs were given: never {@code auto}, which {@link Builder#build()} resolved for the
     * hypervisor ({@code baseline,-kvm-pv} where it emulates guest code, else {@code host}).
     */
    public CpuModel cpuModel() {
        return cpuModel;
    }

    /**
     * The kernel command line as given to the guest: the builder's, plus, where the hypervisor emulates
     * guest code and the CPU model hides features, {@code clearcpuid=} with Linux's numbers for them
     * ({@link CpuModel#linuxClearcpuid()}), since such a hypervisor cannot hide all of them through CPUID; a
     * command line with its own {@code clearcpuid=} gets ours merged into its last one (Linux reads only the
     * last), after the user's features. Then one
     * {@code virtio_mmio.device=} entry per virtio device ({@link VirtioMmio#commandLineEntry}).
     */
    public String commandLine() {
        return commandLine;
    }

    /** Where the interrupt controllers live. */
    public Irqchip irqchip() {
        return irqchip;
    }

    /** The IOAPIC vmm4j emulates for an {@link Irqchip#SPLIT} machine. */
    public Optional<IoApic> ioApic() {
        return Optional.ofNullable(ioApic);
    }

    /** The underlying VM, for inspection (memory, statistics). */
    public VirtualMachine vm() {
        return vm;
    }

    /** Starts one platform thread per vCPU (never a virtual thread: KVM_RUN blocks its carrier). */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("the machine is closed");
        }
        if (started) {
            throw new IllegalStateException("the machine was already started");
        }
        started = true;
        startedAt = System.nanoTime();
        if (restored) {
            devices.bootTimer().resumeAfterRestore();
        } else {
            devices.bootTimer().start();
        }
        virtioLoops.forEach(VirtioEventLoop::start);
        if (restored) {
            virtioLoops.forEach(VirtioEventLoop::notifyReadyQueues);
            if (!pauseRequested) {
                virtio.forEach(transport -> transport.device().resume());
            }
        }
        for (VirtualCpu cpu : cpus) {
            Thread t = new Thread(() -> runVcpu(cpu), "vmm4j-vcpu-" + cpu.id());
            t.setDaemon(true);
            threads.add(t);
        }
        if (consoleInput != null) {
            Thread input = new Thread(this::pumpConsoleInput, "vmm4j-console-input");
            input.setDaemon(true);
            input.start();
        }
        threads.forEach(Thread::start);
    }

    private void runVcpu(VirtualCpu cpu) {
        ExitDispatcher dispatcher = devices.dispatcher();
        try {
            if (pauseRequested) {
                park(); // paused before it ever ran: nothing is pending in the vCPU
            }
            if (cpu.id() == 0) {
                firstRunAt = System.nanoTime();
            }
            while (exit == null) {
                VmExit e = cpu.run();
                switch (e.kind()) {
                    case IO_IN, IO_OUT, MMIO_READ, MMIO_WRITE -> dispatcher.dispatch(e);
                    case IOAPIC_EOI -> {
                        if (ioApic != null) {
                            ioApic.endOfInterrupt(e.eoiVector());
                        }
                    }
                    case HLT, INTERRUPTED, BOGUS -> {
                        // HLT reaches us only without an in-kernel irqchip; either way, run again.
                    }
                    case STOP_REQUESTED -> {
                        // Either the machine ends (exit is set first) or a pause: this run, entered with a
                        // stop requested, completed any I/O instruction the last exit left pending, so the
                        // vCPU's state is whole here. A late request after a resume just runs again.
                        if (pauseRequested) {
                            park();
                        }
                    }
                    case SHUTDOWN ->
                        finish(new MachineExit(
                                MachineExit.Reason.SHUTDOWN, "vCPU " + cpu.id() + " shut down (triple fault)", null));
                    case SYSTEM_EVENT -> finish(systemEvent(cpu, e));
                    case SUSPENDED -> finish(suspended(cpu, e));
                    default -> finish(unhandled(cpu, e));
                }
            }
        } catch (RuntimeException | Error t) {
            finish(new MachineExit(MachineExit.Reason.ERROR, "vCPU " + cpu.id() + " failed: " + t.getMessage(), t));
        } catch (InterruptedException t) {
            finish(new MachineExit(MachineExit.Reason.ERROR, "vCPU " + cpu.id() + " was interrupted while paused", t));
        }
    }

    /** An exit vmm4j cannot handle; an instruction the hypervisor could not emulate is named, with a hint. */
    private static MachineExit unhandled(VirtualCpu cpu, VmExit e) {
        Optional<EmulationFailure> failure = e.emulationFailure();
        String detail = failure.isPresent()
                ? "vCPU " + cpu.id() + " stopped: " + failure.get()
                : "vCPU " + cpu.id() + " stopped with an exit vmm4j cannot handle: " + e;
        return new MachineExit(MachineExit.Reason.ERROR, detail, null);
    }

    private static MachineExit systemEvent(VirtualCpu cpu, VmExit e) {
        return switch (e.systemEvent()) {
            case SHUTDOWN -> new MachineExit(MachineExit.Reason.SHUTDOWN, "guest powered off", null);
            case RESET -> new MachineExit(MachineExit.Reason.REBOOT, "guest requested a reset", null);
            case CRASH ->
                new MachineExit(MachineExit.Reason.ERROR, "vCPU " + cpu.id() + " reported a guest crash", null);
            case OTHER ->
                new MachineExit(
                        MachineExit.Reason.ERROR,
                        "vCPU " + cpu.id() + " reported a system event vmm4j does not handle: " + e,
                        null);
        };
    }

    private static MachineExit suspended(VirtualCpu cpu, VmExit e) {
        return switch (e.suspendReason()) {
            case RESET -> new MachineExit(MachineExit.Reason.REBOOT, "guest requested a reset", null);
            case POWER_OFF -> new MachineExit(MachineExit.Reason.SHUTDOWN, "guest powered off", null);
            case HALT -> new MachineExit(MachineExit.Reason.SHUTDOWN, "every vCPU halted for good", null);
            case TRIPLE_FAULT ->
                new MachineExit(MachineExit.Reason.SHUTDOWN, "vCPU " + cpu.id() + " shut down (triple fault)", null);
            case OTHER ->
                new MachineExit(
                        MachineExit.Reason.ERROR, "VM suspended for a reason vmm4j does not handle: " + e, null);
        };
    }

    private void guestReset() {
        finish(new MachineExit(MachineExit.Reason.REBOOT, "guest reset the machine through the i8042", null));
    }

    /**
     * Records the first reason the machine ends for and stops every vCPU. Called from vCPU threads
     * too, so it must never wait for a lock that {@link #close()} holds while it joins them.
     */
    private void finish(MachineExit reason) {
        synchronized (exitLock) {
            if (exit != null) {
                return;
            }
            exit = reason;
        }
        for (VirtualCpu cpu : cpus) {
            if (!cpu.isClosed()) {
                cpu.requestStop();
            }
        }
        synchronized (pauseLock) {
            pauseLock.notifyAll(); // parked vCPUs leave
        }
        finished.countDown();
    }

    /** A vCPU thread waits here while the machine is paused, or until it ends. */
    private void park() throws InterruptedException {
        synchronized (pauseLock) {
            parked++;
            pauseLock.notifyAll();
            try {
                while (pauseRequested && exit == null) {
                    pauseLock.wait();
                }
            } finally {
                parked--;
            }
        }
    }

    private void pumpConsoleInput() {
        byte[] buffer = new byte[256];
        Uart16550 serial = devices.serial();
        try {
            int n;
            while (exit == null && (n = consoleInput.read(buffer)) > 0) {
                int offset = 0;
                while (offset < n && exit == null) {
                    int queued;
                    synchronized (pauseLock) {
                        // Under the lock a pause waits for: nothing reaches the UART of a paused machine.
                        while (pauseRequested && exit == null) {
                            pauseLock.wait();
                        }
                        queued = serial.queueInput(buffer, offset, n - offset);
                    }
                    offset += queued;
                    if (queued == 0) {
                        Thread.sleep(1); // the guest has not drained the receive buffer yet
                    }
                }
            }
        } catch (IOException e) {
            // console input closed: the guest keeps running without input
            LOG.debug("console input ended with an error; the guest keeps running without input", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Pauses the machine: every vCPU leaves the guest and waits in its run loop, at a point where its
     * state is whole (an I/O instruction it exited for is completed), then every virtio device thread
     * finishes the notification it is handling and waits; notifications the guest made before are handled
     * after {@link #resume()}; then each virtio device's own threads ({@link VirtioDevice#pause()}: a tap's
     * receiver finishes its frame, a vsock device its round of socket and queue work, and wait; a virtio console
     * holds what is typed). When this returns, no guest code runs and no device touches guest memory.
     * Console input queued for the serial port waits too. Pausing a machine that is paused does nothing; a
     * machine not started yet is paused at once, and its vCPUs wait when it starts.
     *
     * <p>Thread safety: {@link #pause}, {@link #resume} and {@link #snapshot} may be called from any thread
     * but a vCPU's; they are serialized. {@link #stop()} and {@link #close()} end a paused machine.
     *
     * @throws IllegalStateException if the machine has ended or is closed, if called on one of its vCPU threads,
     *     or if a vCPU did not stop within 60 s
     * @throws InterruptedException if the thread is interrupted while waiting (the machine stays paused)
     */
    public void pause() throws InterruptedException {
        boolean onVcpu;
        synchronized (this) {
            onVcpu = threads.contains(Thread.currentThread());
        }
        if (onVcpu) {
            throw new IllegalStateException(
                    "pause() on a vCPU thread (e.g. from a console stream) would wait for that thread itself;"
                            + " call it from another thread");
        }
        synchronized (control) {
            checkRunnable();
            if (paused) {
                return;
            }
            pauseRequested = true;
            for (VirtualCpu cpu : cpus) {
                cpu.requestStop();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            synchronized (pauseLock) {
                while (parked < runningVcpus() && exit == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IllegalStateException(
                                parked + " of " + runningVcpus() + " vCPUs stopped for the pause within 60 s");
                    }
                    TimeUnit.NANOSECONDS.timedWait(pauseLock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
                }
            }
            for (VirtioEventLoop loop : virtioLoops) {
                loop.pause();
            }
            for (VirtioMmio transport : virtio) {
                transport.device().pause();
            }
            paused = exit == null;
        }
    }

    /** The vCPU threads that still run their loop: all of them once started, until the machine ends. */
    private synchronized int runningVcpus() {
        int n = 0;
        for (Thread t : threads) {
            if (t.isAlive()) {
                n++;
            }
        }
        return n;
    }

    private void checkRunnable() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the machine is closed");
            }
        }
        if (exit != null) {
            throw new IllegalStateException("the machine has ended: " + exit);
        }
    }

    /**
     * Continues a {@linkplain #pause() paused} machine: the device threads handle the notifications that
     * waited, then the vCPUs run again. Resuming a machine that is not paused does nothing.
     */
    public void resume() {
        synchronized (control) {
            if (!pauseRequested) {
                return;
            }
            for (VirtioMmio transport : virtio) {
                transport.device().resume();
            }
            virtioLoops.forEach(VirtioEventLoop::resume);
            paused = false;
            synchronized (pauseLock) {
                pauseRequested = false;
                pauseLock.notifyAll();
            }
        }
    }

    /** Whether the machine is paused: between a {@link #pause()} that returned and {@link #resume()}. */
    public boolean isPaused() {
        return paused;
    }

    /**
     * Saves the machine in directory {@code dir}: guest RAM as a sparse memory file and every vCPU's,
     * the VM's and every device's state in a checksummed state file, in the format {@code
     * docs/snapshot-format.md} describes. A running machine is paused for it and resumed after; a paused
     * one stays paused. The snapshot appears whole or not at all: it is written into a new directory next to
     * {@code dir} and renamed to {@code dir}, replacing a snapshot there.
     *
     * <p>Refused before anything is paused or written, naming the device, if a virtio device cannot be saved
     * ({@link VirtioDevice#snapshotRefusal()}) or is a disk given to {@link Builder#virtio} as an object (a restore
     * could not open it the same way again: use {@link Builder#disk}). Network cards, socket devices and consoles
     * are saved with what a restore needs to open them again; their host connections are not (see {@link
     * Restore}).
     *
     * @throws SnapshotException if the machine or a device cannot be saved, or the files cannot be written
     * @throws IllegalStateException if the machine has ended or is closed
     * @throws UnsupportedOperationException if the hypervisor backend cannot save vCPU or VM state
     * @throws InterruptedException if interrupted while pausing
     */
    public SnapshotResult snapshot(Path dir) throws InterruptedException {
        Objects.requireNonNull(dir, "dir");
        synchronized (control) {
            checkRunnable();
            checkSnapshotable();
            return save(dir, null);
        }
    }

    /**
     * Saves in directory {@code dir} only what changed since the previous snapshot: the pages of guest RAM the
     * guest or a device wrote since then (the hypervisor's dirty log and the devices' {@link WriteLog}), and the
     * whole state of every vCPU, the VM and every device, as {@link #snapshot} does. The previous snapshot is the
     * last one this machine took (full or incremental) or, for a restored machine, the one it was restored from;
     * the new snapshot names it by a path relative to {@code dir} and by its state file's checksum, so the
     * snapshots must stay where they are (or move together) and unchanged. {@link #restore} follows the chain down
     * to the full snapshot, maps that one's memory lazily and copies the increments' pages over it.
     *
     * <p>Needs a machine built (or restored) with {@link Builder#trackDirtyPages()}. A snapshot that fails after
     * the logs were read leaves no previous snapshot: the next one must be full.
     *
     * @throws IllegalStateException if the machine does not track dirty pages, has ended or is closed
     * @throws SnapshotException if there is no previous snapshot, it was changed or removed since, {@code dir} is
     *     one of the snapshots the new one would lie on, or the snapshot cannot be written (see {@link #snapshot})
     * @throws InterruptedException if interrupted while pausing
     */
    public SnapshotResult snapshotIncremental(Path dir) throws InterruptedException {
        Objects.requireNonNull(dir, "dir");
        synchronized (control) {
            checkRunnable();
            if (dirtyLogs.isEmpty()) {
                throw new IllegalStateException("an incremental snapshot needs a machine that tracks dirty pages:"
                        + " build or restore it with trackDirtyPages()");
            }
            checkSnapshotable();
            Previous base = previous;
            if (base == null) {
                throw new SnapshotException("no previous snapshot to lie on: take a full snapshot first (a failed"
                        + " snapshot also needs one after it)");
            }
            SnapshotChain below = SnapshotChain.resolve(base.dir());
            if (!MessageDigest.isEqual(below.newest().loaded().digest(), base.digest())) {
                throw new SnapshotException("the previous snapshot " + base.dir()
                        + " was replaced or changed since this machine took or restored it; take a full snapshot");
            }
            if (below.links().size() >= SnapshotChain.MAX_DEPTH) {
                throw new SnapshotException("the previous snapshot " + base.dir() + " lies on "
                        + (below.links().size() - 1) + " others; a restore follows at most " + SnapshotChain.MAX_DEPTH
                        + ": take a full snapshot");
            }
            Path target = dir.toAbsolutePath().normalize();
            if (below.contains(target)) {
                throw new SnapshotException(
                        "the incremental snapshot cannot replace " + target + ", a snapshot it would lie on");
            }
            return save(dir, base);
        }
    }

    /**
     * Pauses the machine (if it runs), captures every part's state, reads the written-page logs of a tracking
     * machine, publishes the snapshot in {@code dir} (all of RAM, or with {@code base} the pages written since that
     * snapshot) and resumes. Called holding {@link #control}, the checks done.
     */
    private SnapshotResult save(Path dir, Previous base) throws InterruptedException {
        long begin = System.nanoTime();
        boolean wasPaused = paused;
        pause();
        try {
            if (exit != null) {
                throw new IllegalStateException("the machine ended while pausing for a snapshot: " + exit);
            }
            List<SnapshotFile.OwnedSection> sections = captureState();
            previous = null;
            long[] pages = dirtyLogs.isEmpty() ? null : collectWrittenPages(); // a new epoch begins
            if (base != null) {
                MemoryLayer layer = MemoryLayer.of(
                        separators(dir.toAbsolutePath().normalize().relativize(base.dir())),
                        base.digest(),
                        pages,
                        ramBytes() / SnapshotMemory.PAGE);
                sections.add(new SnapshotFile.OwnedSection(MemoryLayer.OWNER, layer.toSection()));
            }
            SnapshotFile.Contents contents = new SnapshotFile.Contents(snapshotConfig(), sections);
            long captured = System.nanoTime();
            SnapshotWriter.Published published =
                    SnapshotWriter.publish(dir, contents, ram, base == null ? null : pages);
            SnapshotResult result = published.result();
            if (pages != null) {
                previous = new Previous(result.directory(), published.digest());
            }
            return result.withTimes(Duration.ofNanos(captured - begin), Duration.ofNanos(System.nanoTime() - begin));
        } finally {
            if (!wasPaused) {
                resume();
            }
        }
    }

    /** {@code p} with {@code /} between its names, whatever the platform's separator. */
    private static String separators(Path p) {
        List<String> names = new ArrayList<>();
        for (Path name : p) {
            names.add(name.toString());
        }
        return names.isEmpty() ? "." : String.join("/", names);
    }

    private long ramBytes() {
        long memory = 0;
        for (GuestMemory region : ram) {
            memory += region.size();
        }
        return memory;
    }

    /**
     * The pages written since the last call (or since the machine was built), one bit per page of the memory file,
     * and a new epoch begun: the hypervisor's dirty logs are read (which clears them), the devices' write log
     * drained, and what the devices may still write without taking another chain (buffers they hold, the used
     * rings) marked both in what is returned and in the new epoch. For a paused machine.
     */
    private long[] collectWrittenPages() {
        long totalPages = ramBytes() / SnapshotMemory.PAGE;
        long[] pages = SnapshotMemory.bitmap(totalPages);
        markDeviceWritable();
        long first = 0;
        for (int r = 0; r < ram.size(); r++) {
            long regionPages = ram.get(r).size() / SnapshotMemory.PAGE;
            DirtyLog log = dirtyLogs.get(r).fetch();
            for (long p = 0; p < regionPages; p++) {
                if (log.isDirty(p)) {
                    SnapshotMemory.mark(pages, first + p);
                }
            }
            if (deviceWrites != null) {
                long[] bits = SnapshotMemory.bitmap(regionPages);
                deviceWrites.drain(r, bits);
                for (long p = SnapshotMemory.nextMarked(bits, 0, regionPages);
                        p >= 0;
                        p = SnapshotMemory.nextMarked(bits, p + 1, regionPages)) {
                    SnapshotMemory.mark(pages, first + p);
                }
            }
            first += regionPages;
        }
        markDeviceWritable();
        return pages;
    }

    /** Marks in the devices' write log what each device may write without taking another chain. */
    private void markDeviceWritable() {
        if (deviceWrites != null) {
            for (VirtioMmio transport : virtio) {
                transport.markWritable(deviceWrites);
            }
        }
    }

    private void checkSnapshotable() {
        for (int slot = 0; slot < virtio.size(); slot++) {
            VirtioDevice device = virtio.get(slot).device();
            Optional<String> refusal = device.snapshotRefusal();
            if (refusal.isPresent()) {
                throw new SnapshotException(
                        "cannot snapshot the machine: virtio slot " + slot + " is " + refusal.get());
            }
            if (virtioSpecs.get(slot) == null) {
                throw new SnapshotException("cannot snapshot the machine: the virtio device in slot " + slot + " ("
                        + device + ") was given to Builder.virtio as an object that a restore cannot open again"
                        + " (a disk's O_DIRECT and serial number are not recorded); add it with Builder.disk");
            }
        }
    }

    private SnapshotConfig snapshotConfig() {
        return new SnapshotConfig(
                vm.kind(), ramBytes(), cpus.size(), irqchip, cpuModel.toString(), cpuid, commandLine, virtioSpecs);
    }

    /** Every part's state, the machine paused: the VM, each vCPU, then the devices. */
    private List<SnapshotFile.OwnedSection> captureState() {
        List<SnapshotFile.OwnedSection> sections = new ArrayList<>();
        for (StateSection s : platform.saveVmState()) {
            sections.add(new SnapshotFile.OwnedSection(SnapshotRestore.VM, s));
        }
        for (VirtualCpu cpu : cpus) {
            for (StateSection s : platform.saveVcpuState(cpu)) {
                sections.add(new SnapshotFile.OwnedSection(SnapshotRestore.vcpu(cpu.id()), s));
            }
        }
        List<StateSection> own = new ArrayList<>(List.of(
                devices.serial().saveState(),
                devices.rtc().saveState(),
                devices.keyboardController().saveState(),
                devices.bootTimer().saveState()));
        if (ioApic != null) {
            own.add(ioApic.saveState());
        }
        for (int slot = 0; slot < virtio.size(); slot++) {
            own.add(virtio.get(slot).saveState(SnapshotRestore.virtioSection(slot)));
        }
        for (StateSection s : own) {
            sections.add(new SnapshotFile.OwnedSection(SnapshotRestore.DEVICES, s));
        }
        return sections;
    }

    /**
     * Restores the snapshot in {@code dir} (written by {@link #snapshot}, in this process or another) with
     * no console and a hypervisor of its own; see {@link #restoring} for the options and what is checked.
     */
    public static Machine restore(Path dir) {
        return restoring(dir).build();
    }

    /**
     * Options for restoring the snapshot in {@code dir}; {@link Restore#build()} restores it. Nothing is read
     * until then.
     */
    public static Restore restoring(Path dir) {
        return new Restore(dir);
    }

    /**
     * The time from the {@link #restore} call that made this machine until its first vCPU entered the
     * guest, once it has; empty for a machine that was booted.
     */
    public Optional<Duration> restoreToRunning() {
        long first = firstRunAt;
        return restored && first != 0 ? Optional.of(Duration.ofNanos(first - restoreCalledAt)) : Optional.empty();
    }

    /** Requests a stop; {@link #awaitExit} then reports {@link MachineExit.Reason#STOP_REQUESTED}. */
    public void stop() {
        finish(new MachineExit(MachineExit.Reason.STOP_REQUESTED, "stop requested", null));
    }

    /** Waits for the machine to end, up to {@code timeout}. */
    public Optional<MachineExit> awaitExit(Duration timeout) throws InterruptedException {
        if (!started) {
            throw new IllegalStateException("the machine was not started");
        }
        if (!finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return Optional.empty();
        }
        joinVcpus();
        return Optional.of(exit);
    }

    /** Time since {@link #start()}. */
    public Duration uptime() {
        return started ? Duration.ofNanos(System.nanoTime() - startedAt) : Duration.ZERO;
    }

    /**
     * Waits for the vCPU threads. A stop normally takes microseconds; nested hypervisors can keep a
     * vCPU inside the kernel for seconds (e.g. while emulating guest page-table writes), hence the
     * generous bound.
     */
    private void joinVcpus() throws InterruptedException {
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop within 60 s");
            }
        }
    }

    /** Stops the vCPUs if they run, waits for their threads, and releases the VM. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (started) {
            if (exit == null) {
                stop();
            }
            try {
                joinVcpus();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeVirtio(virtio.stream().map(VirtioMmio::device).toList());
        vm.close();
        if (ownsHypervisor) {
            hypervisor.close();
        }
    }

    /**
     * Stops the device threads, closes the devices (which may still interrupt from threads of their own
     * until then), then their irqfds.
     */
    private void closeVirtio(List<VirtioDevice> devices) {
        virtioLoops.forEach(VirtioEventLoop::close);
        for (VirtioDevice device : devices) {
            try {
                device.close();
            } catch (RuntimeException e) {
                LOG.warn("closing virtio device {} failed", device, e);
            }
        }
        virtioIrqFds.forEach(IrqFdInterrupt::close);
    }

    /**
     * Restores a snapshot: {@link Machine#restoring} makes one, the options say where the console goes, which
     * hypervisor to use and, where the recorded ones are taken, which tap or socket a device gets; {@link #build()}
     * restores. The guest's configuration (memory, vCPUs, irqchip, CPU model and CPUID, devices) comes from the
     * snapshot.
     */
    public static final class Restore {
        private final Path dir;
        private OutputStream consoleOutput = OutputStream.nullOutputStream();
        private InputStream consoleInput;
        private Hypervisor hypervisor;
        private CpuModel cpuModel;
        private BootTimer.Listener bootListener;
        private boolean trackDirtyPages;
        /** Taps and sockets given for virtio slots, instead of the recorded ones. */
        private final Map<Integer, String> taps = new TreeMap<>();

        private final Map<Integer, Path> sockets = new TreeMap<>();
        private final Map<Integer, Path> disks = new TreeMap<>();

        private Restore(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** Where the guest's serial console output, and a virtio console's, goes from now on. */
        public Restore console(OutputStream out) {
            consoleOutput = Objects.requireNonNull(out, "console");
            return this;
        }

        /**
         * What is typed on the guest's console from now on: the virtio console's input if the snapshot has one
         * (the serial port then gets none, as with {@link Builder#virtioConsole()}), else the serial port's.
         */
        public Restore consoleInput(InputStream in) {
            consoleInput = in;
            return this;
        }

        /** The hypervisor to use (the machine does not close it); by default {@link Hypervisor#open()}. */
        public Restore hypervisor(Hypervisor h) {
            hypervisor = h;
            return this;
        }

        /**
         * The CPU model the caller expects; a snapshot taken with another is refused. By default the
         * snapshot's own model is taken.
         */
        public Restore cpu(CpuModel model) {
            cpuModel = Objects.requireNonNull(model, "cpu");
            return this;
        }

        /** Told when the guest's init writes the boot timer, if it had not before the snapshot. */
        public Restore bootListener(BootTimer.Listener listener) {
            bootListener = listener;
            return this;
        }

        /**
         * Tracks the pages the restored guest and its devices write, as {@link Builder#trackDirtyPages()} does: its
         * first {@link Machine#snapshotIncremental} lies on the snapshot it was restored from.
         */
        public Restore trackDirtyPages() {
            trackDirtyPages = true;
            return this;
        }

        /**
         * Opens the network card of virtio slot {@code slot} on the tap {@code tapName} (created if absent) instead
         * of the tap it was on when the snapshot was taken (the default): for a restore while that tap is still in
         * use, or into another network. The card keeps its MAC address.
         *
         * @throws IllegalArgumentException for a negative slot or a bad tap name; {@link #build()} refuses a slot
         *     that holds no network card in the snapshot
         */
        public Restore netTap(int slot, String tapName) {
            TapDevice.checkName(tapName);
            taps.put(checkSlot(slot), tapName);
            return this;
        }

        /**
         * Makes the socket device of virtio slot {@code slot} listen on {@code socket} (guest-initiated connections
         * then go to {@code <socket>_<port>}) instead of the socket it had when the snapshot was taken (the
         * default); the path must not exist. The guest keeps its CID.
         *
         * @throws IllegalArgumentException for a negative slot; {@link #build()} refuses a slot that holds no
         *     socket device in the snapshot
         */
        public Restore vsockSocket(int slot, Path socket) {
            sockets.put(checkSlot(slot), Objects.requireNonNull(socket, "socket"));
            return this;
        }

        /**
         * Opens the disk of virtio slot {@code slot} on the image {@code image} instead of the recorded one (the
         * default), read-only if the recorded disk was. The guest's state about the disk (its page cache, a file
         * system it mounted) is the snapshot's: give an image the guest may see, e.g. a copy of the recorded one
         * made while the snapshot was taken, or any image for a disk the guest had not probed yet.
         *
         * @throws IllegalArgumentException for a negative slot; {@link #build()} refuses a slot that holds no disk
         *     in the snapshot
         */
        public Restore disk(int slot, Path image) {
            disks.put(checkSlot(slot), Objects.requireNonNull(image, "image"));
            return this;
        }

        private static int checkSlot(int slot) {
            if (slot < 0 || slot >= Layout.VIRTIO_MMIO_SLOTS) {
                throw new IllegalArgumentException(
                        "a virtio slot is from 0 to " + (Layout.VIRTIO_MMIO_SLOTS - 1) + ", not " + slot);
            }
            return slot;
        }

        /**
         * Restores the snapshot into a new machine, not started: {@link Machine#start()} continues the guest
         * where it was. First, before any VM is created, the state file is read and checked (magic, format
         * version, length, SHA-256 checksum) and the memory file's length; then the host: the same hypervisor
         * backend, and every CPU feature the snapshot's CPUID shows must be one this host offers for the CPU
         * model. Guest RAM is mapped from the memory file, private and copy-on-write, read lazily as the guest
         * touches it; the disks are opened again at their recorded paths, network cards on their recorded taps (or
         * {@link #netTap}'s) with their MAC addresses, socket devices on their recorded sockets (or {@link
         * #vsockSocket}'s) with their guest CIDs, and a virtio console on the streams given here. An incremental
         * snapshot ({@link Machine#snapshotIncremental}) is followed to the full snapshot it lies on, each parent's
         * state file read and checked against the checksum its child recorded; RAM is mapped from the full
         * snapshot's memory file and each increment's pages are copied over it, oldest first.
         *
         * <p>What a restored device has and has not: a frame the network card was delivering when the snapshot was
         * taken is delivered again, whole; frames waiting in the old tap are not in the snapshot (a network loses
         * frames; the guest's protocols resend). A socket device has none of the host connections it had: when the
         * machine starts it sends the guest's driver a transport reset (virtio 1.2 section 5.10.6.6), as soon as the
         * driver has an event buffer posted, and the driver resets its sockets. A virtio console delivers the input
         * it held and not yet given to the guest.
         *
         * @throws SnapshotException naming the file or the reason: missing, truncated, damaged, of another
         *     format version or tampered with; a parent missing, replaced or in a loop; another CPU model asked
         *     for; features this host lacks; state a part of the machine refuses
         * @throws UnsupportedOperationException if the hypervisor cannot map files or restore state
         */
        public Machine build() {
            long calledAt = System.nanoTime();
            SnapshotChain chain = SnapshotChain.resolve(dir);
            SnapshotConfig config = chain.newest().loaded().contents().config();
            CpuModel saved;
            try {
                saved = CpuModel.parse(config.cpuModel());
            } catch (IllegalArgumentException e) {
                throw new SnapshotException(
                        "the snapshot in " + dir + " names a CPU model this vmm4j cannot read: " + e.getMessage(), e);
            }
            if (cpuModel != null && !cpuModel.toString().equals(saved.toString())) {
                throw new SnapshotException("the snapshot in " + dir + " was taken with CPU model " + saved
                        + ", not the " + cpuModel + " asked for");
            }
            Builder b = builder()
                    .memoryBytes(config.memorySize())
                    .vcpus(config.vcpus())
                    .irqchip(config.irqchip())
                    .cpu(saved)
                    .console(consoleOutput)
                    .consoleInput(consoleInput)
                    .bootListener(bootListener)
                    .hypervisor(hypervisor);
            checkDeviceOptions(config.virtio());
            for (int slot = 0; slot < config.virtio().size(); slot++) {
                VirtioSpec spec = config.virtio().get(slot);
                if (spec instanceof VirtioSpec.Net net && taps.containsKey(slot)) {
                    spec = net.onTap(taps.get(slot));
                } else if (spec instanceof VirtioSpec.Vsock vsock && sockets.containsKey(slot)) {
                    spec = vsock.onSocket(sockets.get(slot));
                } else if (spec instanceof VirtioSpec.Disk disk && disks.containsKey(slot)) {
                    spec = VirtioSpec.disk(disks.get(slot), disk.readOnly());
                }
                VirtioSpec opened = spec;
                b.addVirtio(() -> opened.open(consoleOutput, consoleInput), opened);
                if (spec instanceof VirtioSpec.Console) {
                    b.consoleOnVirtio = true; // its input is the virtio console's, as Builder.virtioConsole does
                }
            }
            b.trackDirtyPages = trackDirtyPages;
            return b.buildRestored(chain, dir, calledAt);
        }

        /** Refuses a tap, disk or socket option for a slot that holds no such device in the snapshot. */
        private void checkDeviceOptions(List<VirtioSpec> saved) {
            checkSlots(saved, taps, VirtioSpec.Net.class, "network card", "tap");
            checkSlots(saved, disks, VirtioSpec.Disk.class, "disk", "image");
            checkSlots(saved, sockets, VirtioSpec.Vsock.class, "socket device", "socket");
        }

        private void checkSlots(
                List<VirtioSpec> saved,
                Map<Integer, ?> given,
                Class<? extends VirtioSpec> kind,
                String device,
                String option) {
            given.forEach((slot, value) -> {
                if (slot >= saved.size() || !kind.isInstance(saved.get(slot))) {
                    throw new SnapshotException("the snapshot in " + dir + " has no " + device + " in virtio slot "
                            + slot + " for the " + option + " " + value + " (its devices: " + saved + ")");
                }
            });
        }
    }

    /** Assembles a {@link Machine}. */
    public static final class Builder {
        private Path kernelPath;
        private LinuxKernel kernelImage;
        private EntryKind entry;
        private byte[] initrd;
        private String commandLine = "console=ttyS0";
        private long memorySize = 256L << 20;
        private int vcpus = 1;
        private OutputStream consoleOutput = OutputStream.nullOutputStream();
        private InputStream consoleInput;
        /** The virtio console reads {@link #consoleInput}, not the serial port. */
        private boolean consoleOnVirtio;

        private BootTimer.Listener bootListener;
        private Hypervisor hypervisor;
        private Irqchip irqchip = Irqchip.KERNEL;
        private CpuModel cpuModel = CpuModel.auto();
        private boolean allowOvercommit;
        private boolean trackDirtyPages;
        private OptionalLong hostMemory;
        /** The virtio devices, slot by slot: a device given to {@link #virtio}, or one {@link #build()} opens. */
        private final List<Supplier<? extends VirtioDevice>> virtioDevices = new ArrayList<>();
        /** The devices given to {@link #virtio}, and those {@link #build()} opened. */
        private final List<VirtioDevice> givenDevices = new ArrayList<>();

        private final List<VirtioDevice> openedDevices = new ArrayList<>();
        /** How a restore opens each slot's device again; {@code null} where it cannot. */
        private final List<VirtioSpec> virtioSpecs = new ArrayList<>();

        private Builder() {}

        /** A bzImage or an ELF vmlinux. */
        public Builder kernel(Path path) {
            kernelPath = Objects.requireNonNull(path, "kernel");
            kernelImage = null;
            return this;
        }

        /** An already loaded kernel. */
        public Builder kernel(LinuxKernel kernel) {
            kernelImage = Objects.requireNonNull(kernel, "kernel");
            kernelPath = null;
            return this;
        }

        /** How to enter the kernel; {@code null} (the default) picks PVH when the image has the note. */
        public Builder entry(EntryKind kind) {
            entry = kind;
            return this;
        }

        public Builder initrd(byte[] image) {
            initrd = image == null ? null : image.clone();
            return this;
        }

        /**
         * The initrd, read now.
         *
         * @throws UncheckedIOException if the file cannot be read; the message says why ("no such file",
         *         "permission denied", "it is a directory", ...)
         */
        public Builder initrd(Path path) {
            initrd = FileReads.readAll(path, "initrd");
            return this;
        }

        public Builder commandLine(String cmdline) {
            commandLine = Objects.requireNonNull(cmdline, "commandLine");
            return this;
        }

        public Builder memoryBytes(long bytes) {
            memorySize = bytes;
            return this;
        }

        /**
         * Guest RAM in MiB.
         *
         * @throws IllegalArgumentException if {@code mib} MiB is negative or does not fit in a long
         */
        public Builder memoryMiB(long mib) {
            return memoryBytes(mebibytes(mib));
        }

        /**
         * Tracks the pages of guest RAM written between snapshots, so {@link Machine#snapshotIncremental} can save
         * only those: the hypervisor logs the guest's writes (on KVM each page's first write after a snapshot
         * costs a fault into the host), and the virtio queues record the buffers their devices fill.
         */
        public Builder trackDirtyPages() {
            trackDirtyPages = true;
            return this;
        }

        /**
         * Lets {@link #build()} give the guest more RAM than the host has. Without it, a machine whose
         * RAM exceeds the host's physical memory is refused: the guest could not use it, and the page
         * tables and bookkeeping for it alone cost the host memory.
         */
        public Builder allowMemoryOvercommit() {
            allowOvercommit = true;
            return this;
        }

        /** The host's physical memory as {@link #build()} sees it; tests set it, else it is read from the JDK. */
        Builder hostMemory(OptionalLong bytes) {
            hostMemory = Objects.requireNonNull(bytes, "bytes");
            return this;
        }

        public Builder vcpus(int count) {
            vcpus = count;
            return this;
        }

        /** Where the guest's serial console output goes. */
        public Builder console(OutputStream out) {
            consoleOutput = Objects.requireNonNull(out, "console");
            return this;
        }

        /** What is typed on the guest's serial console. */
        public Builder consoleInput(InputStream in) {
            consoleInput = in;
            return this;
        }

        /** Told when the guest's init writes the boot timer. */
        public Builder bootListener(BootTimer.Listener listener) {
            bootListener = listener;
            return this;
        }

        /**
         * Where the interrupt controllers live: {@link Irqchip#KERNEL} (the default) or
         * {@link Irqchip#SPLIT}, which sets up and tears down ~25 ms faster on KVM (see {@link Irqchip}).
         */
        public Builder irqchip(Irqchip where) {
            irqchip = Objects.requireNonNull(where, "irqchip");
            return this;
        }

        /**
         * The CPU the guest is shown (default {@link CpuModel#auto()}: {@code baseline} without KVM's
         * paravirtual leaves where the hypervisor emulates guest code, {@code host} elsewhere). A feature the
         * hypervisor cannot offer makes {@link #build()} throw {@link BootException}.
         */
        public Builder cpu(CpuModel model) {
            cpuModel = Objects.requireNonNull(model, "cpu");
            return this;
        }

        /**
         * The CPU model written as {@code host|baseline|auto[,+feature,-feature…]}; see {@link CpuModel#parse}.
         *
         * @throws IllegalArgumentException for an unknown model or feature name, or contradictory edits
         */
        public Builder cpu(String model) {
            return cpu(CpuModel.parse(model));
        }

        /**
         * Adds a virtio device behind a virtio-mmio transport in the next free slot (see {@link
         * Layout#virtioMmioAddress}); the kernel learns of it from the command line. The machine owns the
         * device from then on and {@linkplain VirtioDevice#close() closes} it with itself, or when
         * {@link #build()} fails.
         *
         * @throws BootException if all {@link Layout#VIRTIO_MMIO_SLOTS} slots are taken
         */
        public Builder virtio(VirtioDevice device) {
            Objects.requireNonNull(device, "device");
            addVirtio(() -> device, VirtioSpec.of(device));
            givenDevices.add(device);
            return this;
        }

        /** Reserves the next slot for a device that {@link #build()} opens with {@code opener}. */
        private Builder addVirtio(Supplier<? extends VirtioDevice> opener, VirtioSpec spec) {
            if (virtioDevices.size() >= Layout.VIRTIO_MMIO_SLOTS) {
                throw new BootException("a machine has at most " + Layout.VIRTIO_MMIO_SLOTS + " virtio devices");
            }
            virtioDevices.add(opener);
            virtioSpecs.add(spec);
            return this;
        }

        /** Adds a virtio entropy device ({@link VirtioRng}), which Linux's {@code virtio_rng} reads. */
        public Builder virtioRng() {
            return virtio(new VirtioRng());
        }

        /**
         * Adds a virtio network card ({@link VirtioNet}) on the host tap device {@code tapName}, created if
         * absent (which needs CAP_NET_ADMIN), with MAC address {@code mac} ({@code 52:54:00:12:34:56}) or,
         * when null, a locally administered one derived from the tap's name. The names are checked here; the
         * tap is opened by {@link #build()} and closed with the machine; Linux's {@code virtio_net} drives it.
         *
         * @throws IllegalArgumentException for a bad tap name or MAC address (named in the message)
         * @throws BootException if all virtio slots are taken
         */
        public Builder net(String tapName, String mac) {
            TapDevice.checkName(tapName);
            if (mac != null) {
                VirtioNet.parseMac(mac);
            }
            String address = mac != null ? mac : VirtioNet.formatMac(VirtioNet.defaultMac(tapName));
            return addVirtio(() -> VirtioNet.open(tapName, mac), new VirtioSpec.Net(tapName, address));
        }

        /**
         * Adds a virtio console ({@link VirtioConsole}, Linux's {@code hvc0}) that writes to the stream given
         * to {@link #console} and reads the one given to {@link #consoleInput} (whenever those are called). The
         * console input is then the virtio console's alone; the serial port keeps printing (for
         * {@code earlyprintk} or {@code console=ttyS0}) but gets no input. Put {@code console=hvc0} on the
         * command line to make it the kernel's console.
         *
         * @throws BootException if all {@link Layout#VIRTIO_MMIO_SLOTS} slots are taken
         */
        public Builder virtioConsole() {
            addVirtio(() -> new VirtioConsole(consoleOutput, consoleInput), new VirtioSpec.Console(0, 0));
            consoleOnVirtio = true; // one reader per stream: two would split what is typed between them
            return this;
        }

        /**
         * Adds a virtio socket device ({@link VirtioVsock}) for the guest CID {@code guestCid}, in
         * Firecracker's hybrid scheme: host programs connect to the Unix socket {@code socket} and write
         * {@code CONNECT <port>\n}; the guest's connections to host port {@code P} go to {@code <socket>_<P>}.
         * The socket is made by {@link #build()} (its path must not exist then; the build fails naming it)
         * and removed when the machine closes.
         *
         * @throws IllegalArgumentException if {@code guestCid} is not from 3 to 0xfffffffe or {@code socket}
         *         is null
         * @throws BootException if all {@link Layout#VIRTIO_MMIO_SLOTS} slots are taken
         */
        public Builder vsock(long guestCid, Path socket) {
            VirtioVsock.checkGuestCid(guestCid);
            Objects.requireNonNull(socket, "socket");
            return addVirtio(
                    () -> new VirtioVsock(guestCid, socket),
                    VirtioSpec.vsock(guestCid, socket, VirtioVsock.DEFAULT_CONNECT_TIMEOUT_MILLIS));
        }

        /**
         * Adds a virtio block device ({@link VirtioBlk}) over {@code path}, a raw image file or a block
         * device whose size is a multiple of 512 bytes, opened by {@link #build()} and closed with the
         * machine: the guest sees {@code /dev/vda}, {@code /dev/vdb}, ... in the order the disks are added. A
         * read-only disk is opened {@code O_RDONLY} and the guest's writes to it fail. For O_DIRECT or a
         * serial number, give {@link #virtio} a disk from {@link VirtioBlk#open(Path, boolean, boolean, String)}.
         *
         * <p>{@link #build()} throws {@link IllegalArgumentException} if the size is not a positive multiple
         * of 512, and {@link org.vmm4j.VmmException} naming the file if it cannot be opened.
         *
         * @throws BootException if all {@link Layout#VIRTIO_MMIO_SLOTS} slots are taken
         */
        public Builder disk(Path path, boolean readOnly) {
            Objects.requireNonNull(path, "path");
            return addVirtio(() -> VirtioBlk.open(path, readOnly), VirtioSpec.disk(path, readOnly));
        }

        /** The hypervisor to use (the machine does not close it); by default {@link Hypervisor#open()}. */
        public Builder hypervisor(Hypervisor h) {
            hypervisor = h;
            return this;
        }

        /**
         * Checks everything and sets the machine up; no vCPU runs until {@link Machine#start()}.
         *
         * @throws BootException for a bad kernel, initrd, command line, memory size or vCPU count, for a CPU
         *         model asking for features the hypervisor cannot offer, and for more memory than the host has
         *         unless {@link #allowMemoryOvercommit()} was called
         * @throws UncheckedIOException if the kernel file cannot be read (the message says why)
         */
        public Machine build() {
            try {
                if (kernelPath == null && kernelImage == null) {
                    throw new BootException("no kernel given");
                }
                if (vcpus < 1) {
                    throw new BootException("a machine needs at least one vCPU, not " + vcpus);
                }
                if (vcpus > Layout.MAX_VCPUS) {
                    throw new BootException("a machine has at most " + Layout.MAX_VCPUS
                            + " vCPUs (the limit of the MP table that describes them), not " + vcpus);
                }
                if (memorySize < 16L << 20 || (memorySize & (Layout.PAGE_SIZE - 1)) != 0) {
                    throw new BootException(
                            "memory must be a whole number of pages and at least 16 MiB, not " + memorySize + " bytes");
                }
                if (memorySize > Layout.MAX_MEMORY_SIZE) {
                    throw new BootException("memory of " + (memorySize >> 20) + " MiB exceeds the "
                            + (Layout.MAX_MEMORY_SIZE >> 20) + " MiB a machine can have");
                }
                if (!allowOvercommit) {
                    OptionalLong host = hostMemory != null ? hostMemory : HostMemory.physicalBytes();
                    if (host.isPresent() && memorySize > host.getAsLong()) {
                        throw new BootException("memory of " + (memorySize >> 20) + " MiB exceeds the host's "
                                + (host.getAsLong() >> 20) + " MiB of physical memory;"
                                + " call allowMemoryOvercommit() to build the machine anyway");
                    }
                }
                return new Machine(this, null, null, 0);
            } catch (RuntimeException | Error e) {
                closeDevices(e);
                throw e;
            }
        }

        /** Builds the machine saved in {@code chain}, read from {@code dir}; see {@link Restore#build()}. */
        private Machine buildRestored(SnapshotChain chain, Path dir, long calledAt) {
            try {
                return new Machine(this, chain, dir, calledAt);
            } catch (RuntimeException | Error e) {
                closeDevices(e);
                throw e;
            }
        }

        /** The virtio devices, slot by slot, opening those the builder describes (a tap, a disk file). */
        private List<VirtioDevice> openVirtioDevices() {
            List<VirtioDevice> devices = new ArrayList<>();
            for (Supplier<? extends VirtioDevice> opener : virtioDevices) {
                VirtioDevice device = Objects.requireNonNull(opener.get(), "a virtio device");
                if (!givenDevices.contains(device)) {
                    openedDevices.add(device);
                }
                devices.add(device);
            }
            return devices;
        }

        /** A build failed: the machine owned its devices, so they are closed. */
        private void closeDevices(Throwable failure) {
            List<VirtioDevice> owned = new ArrayList<>(givenDevices);
            owned.addAll(openedDevices);
            openedDevices.clear();
            for (VirtioDevice d : owned) {
                try {
                    d.close();
                } catch (RuntimeException suppressed) {
                    failure.addSuppressed(suppressed);
                }
            }
        }

        private static long mebibytes(long mib) {
            if (mib < 0 || mib > Long.MAX_VALUE >> 20) {
                throw new IllegalArgumentException(
                        "memory of " + mib + " MiB is out of range: 0 to " + (Long.MAX_VALUE >> 20) + " MiB");
            }
            return mib << 20;
        }
    }
}
