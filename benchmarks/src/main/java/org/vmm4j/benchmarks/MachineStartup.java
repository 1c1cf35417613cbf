package org.vmm4j.benchmarks;

import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;
import org.vmm4j.boot.BootConfig;
import org.vmm4j.boot.BootSetup;
import org.vmm4j.boot.BootState;
import org.vmm4j.boot.EntryKind;
import org.vmm4j.boot.Layout;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.x86.Irqchip;

/**
 * From nothing to a guest that printed on its console and reset, in a running JVM: a 256 MiB, 1-vCPU
 * machine booting a few-hundred-byte kernel ({@link MinimalKernel}'s bzImage through the 64-bit entry,
 * or {@link TinyPvhKernel} through PVH).
 *
 * <p>The phases are cumulative benchmarks, each ending with the teardown of what it built, so a
 * phase's cost is the difference to the one before: {@code vmCreate} (KVM_CREATE_VM, TSS, identity map,
 * irqchip, PIT), {@code memoryMap} (+ guest RAM mapped and registered), {@code vcpuSetup} (+ vCPU with
 * CPUID, MSRs, FPU, LAPIC), {@code load} (+ kernel, boot_params, page tables, registers), then
 * {@code firstOutput} ({@link Machine} built and started until the first console byte) and
 * {@code endToEnd} (until the guest's reset is reported and the machine is closed). Those share one open
 * {@code /dev/kvm}, as a long-lived application would; {@code endToEndOwnKvm} is the
 * {@code Machine.builder()} default that opens and closes {@code /dev/kvm} itself. Every benchmark runs
 * with KVM's in-kernel irqchip and PIT ({@code irqchip=KERNEL}) and with a split irqchip
 * ({@code irqchip=SPLIT}: IOAPIC in Java, no PIT), whose set-up and teardown skip KVM's grace periods.
 *
 * <pre>
 * benchmarks/run.sh full 'MachineStartup'                                # warm: AverageTime
 * java -jar benchmarks/target/benchmarks.jar MachineStartup -bm ss -f 10 -wi 0 -i 1   # cold: first boot per JVM
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SingleShotTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MachineStartup {
    private static final long MEMORY = 256L << 20;
    private static final String CMDLINE = "console=ttyS0";

    @Param({"bzImage", "pvh"})
    public String entry;

    /** Where the interrupt controllers live: KVM's in-kernel irqchip and PIT, or split (see {@link Irqchip}). */
    @Param({"KERNEL", "SPLIT"})
    public Irqchip irqchip;

    private Hypervisor hypervisor;
    private LinuxKernel kernel;

    @Setup(Level.Trial)
    public void setUp() {
        hypervisor = Hypervisor.open();
        kernel = entry.equals("pvh")
                ? LinuxKernel.of(TinyPvhKernel.image(), EntryKind.PVH, null)
                : LinuxKernel.of(MinimalKernel.bzImage(), EntryKind.BZIMAGE_64, null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        hypervisor.close();
    }

    @Benchmark
    public int vmCreate() {
        try (VirtualMachine vm = createVm()) {
            return vm.maxVcpus();
        }
    }

    @Benchmark
    public int memoryMap() {
        try (VirtualMachine vm = createVm()) {
            mapMemory(vm);
            return vm.memoryRegions().size();
        }
    }

    @Benchmark
    public int vcpuSetup() {
        try (VirtualMachine vm = createVm()) {
            mapMemory(vm);
            return createVcpu(vm).id();
        }
    }

    @Benchmark
    public long load() {
        try (VirtualMachine vm = createVm()) {
            GuestMemory low = mapMemory(vm);
            VirtualCpu cpu = createVcpu(vm);
            BootState boot = BootSetup.prepare(low, new BootConfig(kernel, MEMORY, 1, CMDLINE, null));
            cpu.setSpecialRegisters(boot.specialRegisters(cpu.specialRegisters()));
            cpu.setRegisters(boot.registers());
            return boot.registers().rip();
        }
    }

    @Benchmark
    public int firstOutput() throws InterruptedException {
        FirstByte console = new FirstByte();
        try (Machine machine = machine(console).hypervisor(hypervisor).build()) {
            machine.start();
            console.await();
            return console.first;
        }
    }

    @Benchmark
    public MachineExit.Reason endToEnd() throws InterruptedException {
        return boot(machine(new FirstByte()).hypervisor(hypervisor));
    }

    @Benchmark
    public MachineExit.Reason endToEndOwnKvm() throws InterruptedException {
        return boot(machine(new FirstByte()));
    }

    private MachineExit.Reason boot(Machine.Builder builder) throws InterruptedException {
        MachineExit exit;
        try (Machine machine = builder.build()) {
            machine.start();
            exit = machine.awaitExit(Duration.ofSeconds(10))
                    .orElseThrow(() -> new IllegalStateException("no exit in 10 s"));
        }
        if (exit.reason() != MachineExit.Reason.REBOOT) {
            throw new IllegalStateException("guest ended with " + exit);
        }
        return exit.reason();
    }

    private Machine.Builder machine(FirstByte console) {
        return Machine.builder()
                .kernel(kernel)
                .memoryBytes(MEMORY)
                .vcpus(1)
                .irqchip(irqchip)
                .commandLine(CMDLINE)
                .console(console);
    }

    private VirtualMachine createVm() {
        VirtualMachine vm = hypervisor.createVm();
        vm.x86().prepare(irqchip);
        return vm;
    }

    private static GuestMemory mapMemory(VirtualMachine vm) {
        GuestMemory low = null;
        for (Layout.RamRange range : Layout.ramRanges(MEMORY)) {
            GuestMemory region = vm.allocateMemory(range.address(), range.size());
            if (range.address() == 0) {
                low = region;
            }
        }
        return low;
    }

    private VirtualCpu createVcpu(VirtualMachine vm) {
        return vm.x86().createBootVcpu(0, 1);
    }

    /** A console that remembers its first byte and lets a thread wait for it. */
    private static final class FirstByte extends OutputStream {
        private final CountDownLatch written = new CountDownLatch(1);
        private volatile int first = -1;

        @Override
        public void write(int b) {
            if (first < 0) {
                first = b & 0xff;
                written.countDown();
            }
        }

        void await() throws InterruptedException {
            if (!written.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no console output in 10 s");
            }
        }
    }
}
