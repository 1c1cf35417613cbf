package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmm4j.Hypervisor;
import org.vmm4j.boot.BusyboxInitramfs;
import org.vmm4j.boot.E820Entry;
import org.vmm4j.boot.Initramfs;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.VmlinuxCache;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.GuestKernel;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.virtio.VirtioDevice;
import org.vmm4j.virtio.VirtioRng;
import org.vmm4j.virtio.VirtioTransport;
import org.vmm4j.virtio.Virtqueue;
import org.vmm4j.x86.CpuFeature;
import org.vmm4j.x86.CpuModel;

/**
 * vmm4j's own guest kernel ({@code guest/linux/build-kernel}, see {@link GuestKernel}) booted by a {@link
 * Machine} with the default CPU model and an uncompressed busybox initramfs, through every initcall to
 * {@code Run /init as init process}: on this project's nested-PVM hosts, where KVM emulates guest code, too.
 * There user space cannot run (init's first system call faults), so the tests stop at the kernel; on hardware
 * KVM {@link #bootsIntoBusyboxUserSpace} goes on into busybox.
 *
 * <p>Each boot takes about a minute of emulated guest time on a nested-PVM host, hence one boot that checks
 * several things and generous (bounded) timeouts that fail with the end of the console in the message.
 */
@RequiresHost(kvm = true, files = RequiresHost.BUSYBOX_STATIC)
class GuestKernelBootTest {
    /**
     * The kernel these tests boot: the recipe's unmodified kernel, whose INT3 self-test passes because vmm4j
     * delivers the #BP where KVM cannot (issue #17, item 2). ({@link GuestKernel.Variant#NO_INT3_SELFTEST} is
     * only for comparing with qemu, which cannot pass that self-test here.)
     */
    static final GuestKernel.Variant KERNEL = GuestKernel.Variant.STANDARD;

    /** What a machine exit says when KVM could not emulate an instruction baseline would have hidden. */
    private static final Pattern EMULATION_FAILURE = Pattern.compile(
            "the hypervisor could not emulate the instruction at RIP 0x(?:ffffffff)?[0-9a-f]+ \\(([0-9a-f]{2}(?: [0-9a-f]{2})*)\\):"
                    + " ([A-Z0-9/]+): use --cpu baseline or -([a-z0-9_]+)");

    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4);
    private static final String RUN_INIT = "Run /init as init process";
    private static final String CMDLINE = "console=ttyS0 earlyprintk=serial reboot=k panic=-1 rdinit=/init";
    /** The kernel's line when its CMOS RTC driver sets the clock: the time, then seconds since the epoch. */
    private static final Pattern RTC_SET =
            Pattern.compile("rtc_cmos rtc_cmos: setting system clock to \\S+ UTC \\((\\d+)\\)");

    private static boolean emulated;

    @BeforeAll
    static void whatKvmDoesHere() {
        try (Hypervisor h = Hypervisor.open("kvm")) {
            emulated = h.emulatesGuestCode();
        }
    }

    private static Path vmlinux() {
        return GuestKernel.vmlinux(KERNEL);
    }

    /**
     * One vCPU, one boot: the kernel echoes our command line, prints the e820 map vmm4j laid out, sets its
     * clock from the RTC to the host's time, runs every initcall up to {@code Run /init}; then init dies
     * (here its first system call faults; on hardware KVM it runs and exits on purpose), the kernel panics and
     * {@code panic=-1} (with {@code reboot=k}) resets the machine through the i8042. A virtio entropy device
     * rides along: the kernel registers it from the command line, its virtio_rng driver sets DRIVER_OK, and the
     * hwrng core reads it once when it registers (to seed the entropy pool) before init: each request reaches
     * the device thread through an ioeventfd, and its answer the guest through an irqfd.
     */
    @Test
    @Timeout(300)
    void oneVcpuEchoesTheCommandLineAndMemoryMapSetsTheClockRunsInitAndRebootsOnPanic() throws Exception {
        byte[] initrd = BusyboxInitramfs.builder()
                .compression(Initramfs.Compression.NONE)
                .command("exit 1") // on hardware KVM, where init runs: PID 1 ends, the kernel panics
                .build();
        ConsoleCapture console = new ConsoleCapture(false);
        LinuxKernel kernel = LinuxKernel.load(vmlinux(), null, VmlinuxCache.defaultCache());
        Leaks before = Leaks.now();
        List<String> filesBefore = openFiles();
        Instant started = Instant.now();
        Instant rtcSeen;
        MachineExit exit;
        VirtioRng rng = new VirtioRng();
        NotifiedOn notified = new NotifiedOn(rng);
        long servedAtInit;
        try (Machine machine = Machine.builder()
                .kernel(kernel)
                .memoryMiB(256)
                .vcpus(1)
                .virtio(notified)
                .initrd(initrd)
                .commandLine(CMDLINE)
                .console(console)
                .build()) {
            assertTrue(machine.commandLine().startsWith(CMDLINE), "ours, plus clearcpuid= where code is emulated");
            machine.start();
            console.awaitWhileRunning(machine, "Command line: " + machine.commandLine() + "\n", BOOT_TIMEOUT);
            for (E820Entry e : machine.bootState().memoryMap()) {
                console.awaitWhileRunning(
                        machine,
                        String.format(
                                Locale.ROOT,
                                "BIOS-e820: [mem 0x%016x-0x%016x] %s\n",
                                e.address(),
                                e.end() - 1,
                                e.type() == E820Entry.TYPE_RAM ? "usable" : "reserved"),
                        BOOT_TIMEOUT);
            }
            console.awaitWhileRunning(machine, "rtc_cmos rtc_cmos: setting system clock to ", BOOT_TIMEOUT);
            console.awaitWhileRunning(machine, " UTC (", BOOT_TIMEOUT);
            rtcSeen = Instant.now();
            console.awaitWhileRunning(machine, RUN_INIT, BOOT_TIMEOUT);
            servedAtInit = rng.requestsServed();
            exit = machine.awaitExit(BOOT_TIMEOUT)
                    .orElseThrow(() -> new AssertionError("no machine exit within " + BOOT_TIMEOUT.toSeconds()
                            + " s after " + RUN_INIT + "\n" + console.tail(40)));
        }
        String text = console.text();
        Matcher rtc = RTC_SET.matcher(text);
        assertTrue(rtc.find(), console.tail(40));
        long guestSeconds = Long.parseLong(rtc.group(1));
        assertTrue(
                guestSeconds >= started.getEpochSecond() - 2 && guestSeconds <= rtcSeen.getEpochSecond() + 2,
                "the RTC gave " + Instant.ofEpochSecond(guestSeconds) + "; the host's clock was " + started
                        + " at the start and " + rtcSeen + " when the kernel printed it");
        assertTrue(text.indexOf("Command line: ") < text.indexOf(RUN_INIT), "in boot order");
        assertTrue(
                text.contains("virtio-mmio: Registering device virtio-mmio.0 at 0xd0000000-0xd0000fff, IRQ 5."),
                console.tail(40));
        assertTrue(rng.activated(), "the guest's virtio_rng set DRIVER_OK\n" + console.tail(40));
        assertTrue(
                servedAtInit >= 1 && rng.bytesServed() > 0,
                "the guest read the entropy device before init: " + servedAtInit + " requests, " + rng.bytesServed()
                        + " bytes\n" + console.tail(40));
        assertEquals(
                Set.of("vmm4j-virtio-0"),
                notified.threads(),
                "every notification reaches the device thread through its ioeventfd, none a vCPU");
        assertTrue(text.contains("Kernel panic - not syncing: Attempted to kill init!"), console.tail(40));
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "\n" + console.tail(40));
        assertEquals(
                before,
                Leaks.now(),
                "fds, KVM mappings and vCPU threads after close; open files before " + filesBefore + ", after "
                        + openFiles());
    }

    /** Two vCPUs: the boot CPU brings the second one up through INIT/SIPI, and the kernel goes on to init. */
    @Test
    @Timeout(300)
    void twoVcpusAreBothBroughtUpAndTheKernelReachesInit() throws Exception {
        ConsoleCapture console = new ConsoleCapture(false);
        try (Machine machine = Machine.builder()
                .kernel(vmlinux())
                .memoryMiB(256)
                .vcpus(2)
                .initrd(BusyboxInitramfs.builder()
                        .compression(Initramfs.Compression.NONE)
                        .build())
                .commandLine(CMDLINE)
                .console(console)
                .build()) {
            machine.start();
            console.awaitWhileRunning(machine, "smp: Brought up 1 node, 2 CPUs", BOOT_TIMEOUT);
            console.awaitWhileRunning(machine, RUN_INIT, BOOT_TIMEOUT);
            String text = console.text();
            assertTrue(text.contains("x86: Booting SMP configuration:"), console.tail(40));
            assertTrue(text.indexOf("smp: Brought up 1 node, 2 CPUs") < text.indexOf(RUN_INIT), console.tail(40));
            machine.stop();
            MachineExit exit = machine.awaitExit(Duration.ofSeconds(60)).orElseThrow();
            // On hardware KVM init may have rebooted the machine between Run /init and the stop.
            assertTrue(
                    exit.reason() == MachineExit.Reason.STOP_REQUESTED
                            || (!emulated && exit.reason() == MachineExit.Reason.REBOOT),
                    exit + "\n" + console.tail(40));
        }
    }

    /**
     * {@code --cpu host} where KVM emulates guest code: the kernel soon executes an instruction the CPUID
     * offers but KVM's emulator cannot complete (POPCNT, XSAVE, ...), and the machine ends with an error that
     * says so, instead of hanging.
     */
    @Test
    @Timeout(300)
    void theHostCpuModelStopsAtAnInstructionKvmCannotEmulate() throws Exception {
        assumeTrue(emulated, "KVM runs guest code in hardware here: every instruction of the host model works");
        ConsoleCapture console = new ConsoleCapture(false);
        try (Machine machine = Machine.builder()
                .kernel(vmlinux())
                .memoryMiB(256)
                .vcpus(1)
                .cpu("host")
                .initrd(BusyboxInitramfs.builder()
                        .compression(Initramfs.Compression.NONE)
                        .build())
                .commandLine(CMDLINE)
                .console(console)
                .build()) {
            assertEquals(CMDLINE, machine.commandLine(), "no clearcpuid= for the host model");
            machine.start();
            MachineExit exit = machine.awaitExit(BOOT_TIMEOUT)
                    .orElseThrow(() -> new AssertionError(
                            "no machine exit within " + BOOT_TIMEOUT.toSeconds() + " s\n" + console.tail(40)));
            assertEquals(MachineExit.Reason.ERROR, exit.reason(), exit + "\n" + console.tail(40));
            Matcher m = EMULATION_FAILURE.matcher(exit.detail());
            assertTrue(m.find(), exit.detail());
            CpuFeature feature = CpuFeature.byName(m.group(3)).orElseThrow(() -> new AssertionError(m.group(3)));
            assertTrue(
                    CpuModel.BASELINE_HIDES.contains(feature)
                            || feature.requires().stream().anyMatch(CpuModel.BASELINE_HIDES::contains),
                    "the kernel stops at an instruction of a feature baseline hides: " + exit.detail());
            assertTrue(
                    console.text().contains("Linux version "), "the kernel ran before it stopped\n" + console.tail(40));
            assertFalse(console.text().contains(RUN_INIT), console.tail(40));
        }
    }

    /**
     * On hardware KVM: the same kernel into busybox user space, with 1 and 2 vCPUs: init prints its marker and
     * the processors of /proc/cpuinfo, writes the boot timer and runs {@code reboot -f}.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    @Timeout(300)
    void bootsIntoBusyboxUserSpace(int vcpus) throws Exception {
        assumeFalse(
                emulated,
                "KVM emulates guest code here (nested PVM): user space cannot run (init's first system call faults"
                        + " at entry_SYSCALL_64); this test needs hardware KVM");
        byte[] initrd = BusyboxInitramfs.builder()
                .compression(Initramfs.Compression.NONE)
                .marker("VMM4J-GUEST-KERNEL-INIT")
                .command("echo processors=$(grep -c ^processor /proc/cpuinfo)")
                .build();
        ConsoleCapture console = new ConsoleCapture(false);
        AtomicLong bootNanos = new AtomicLong(-1);
        MachineExit exit;
        try (Machine machine = Machine.builder()
                .kernel(vmlinux())
                .memoryMiB(256)
                .vcpus(vcpus)
                .initrd(initrd)
                .commandLine(CMDLINE)
                .console(console)
                .bootListener(bootNanos::set)
                .build()) {
            machine.start();
            exit = machine.awaitExit(BOOT_TIMEOUT)
                    .orElseThrow(() -> new AssertionError(
                            "no machine exit within " + BOOT_TIMEOUT.toSeconds() + " s\n" + console.tail(40)));
        }
        String text = console.text();
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "\n" + console.tail(40));
        assertTrue(text.contains(RUN_INIT), console.tail(40));
        assertTrue(text.contains("VMM4J-GUEST-KERNEL-INIT"), console.tail(40));
        assertTrue(text.contains("processors=" + vcpus + "\n"), console.tail(40));
        assertTrue(bootNanos.get() > 0, "the init wrote the boot timer");
    }

    private static List<String> openFiles() throws IOException {
        List<String> files = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    files.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    files.add(fd.getFileName() + ": " + e.getMessage()); // the directory stream's own fd
                }
            }
        }
        files.sort(null);
        return files;
    }

    /** A device that records the threads its notifications arrive on, in front of another. */
    private static final class NotifiedOn implements VirtioDevice {
        private final VirtioDevice device;
        private final Set<String> threads = ConcurrentHashMap.newKeySet();

        NotifiedOn(VirtioDevice device) {
            this.device = device;
        }

        Set<String> threads() {
            return Set.copyOf(threads);
        }

        @Override
        public int deviceId() {
            return device.deviceId();
        }

        @Override
        public long features() {
            return device.features();
        }

        @Override
        public int queueCount() {
            return device.queueCount();
        }

        @Override
        public int queueMaxSize(int index) {
            return device.queueMaxSize(index);
        }

        @Override
        public long readConfig(long offset, int size) {
            return device.readConfig(offset, size);
        }

        @Override
        public void writeConfig(long offset, int size, long value) {
            device.writeConfig(offset, size, value);
        }

        @Override
        public void activate(Virtqueue[] queues, long features, VirtioTransport transport) {
            device.activate(queues, features, transport);
        }

        @Override
        public void queueNotified(int index) {
            threads.add(Thread.currentThread().getName());
            device.queueNotified(index);
        }

        @Override
        public void reset() {
            device.reset();
        }
    }
}
