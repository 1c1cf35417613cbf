package org.vmm4j.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.VmExit;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.linux.kvm.KvmSystem;
import org.vmm4j.linux.kvm.KvmVcpu;
import org.vmm4j.linux.kvm.KvmVm;

/**
 * One guest exit per operation: {@code run()} plus decoding the exit, in Java ({@link #java}) and in
 * C ({@link #c}, the same loop compiled by gcc, on the same vCPU). The guest loops forever on one
 * exiting instruction: {@code out dx, al} (pio), a store to unbacked memory (mmio) or {@code hlt}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class VcpuRunLoop {
    private static final int BATCH = 1000;

    @Param({"pio", "mmio", "hlt"})
    public String exit;

    private KvmSystem kvm;
    private KvmVm vm;
    private KvmVcpu cpu;
    private NativeFunction cLoop;
    private NativeFunction cRelease;

    @Setup(Level.Trial)
    public void setUp() {
        kvm = KvmSystem.open();
        vm = kvm.createVm();
        GuestMemory mem = vm.allocateMemory(0x1000, 0x1000);
        mem.write(0, switch (exit) {
            case "pio" -> new byte[] {(byte) 0xba, (byte) 0xe9, 0x00, (byte) 0xee, (byte) 0xeb, (byte) 0xfd};
            case "mmio" -> new byte[] {(byte) 0xa2, 0x00, (byte) 0x80, (byte) 0xeb, (byte) 0xfb}; // l: mov [0x8000], al; jmp l
            case "hlt" -> new byte[] {(byte) 0xf4, (byte) 0xeb, (byte) 0xfd};                    // l: hlt; jmp l
            default -> throw new IllegalArgumentException("exit kind " + exit);
        });
        cpu = vm.createVcpu(0);
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder().cs(Segment.realMode(0, true))
                .dataSegments(Segment.realMode(0, false)).build());
        cpu.setRegisters(Registers.builder().rip(0x1000).rax(7).build());
        cLoop = CBaseline.function("vmm4j_c_run_exits", CType.LONG, CType.INT, CType.LONG, CType.LONG);
        cRelease = CBaseline.function("vmm4j_c_release", CType.VOID, CType.INT, CType.LONG);
        VmExit first = cpu.run();
        ExitKind expected = switch (exit) {
            case "pio" -> ExitKind.IO_OUT;
            case "mmio" -> ExitKind.MMIO_WRITE;
            default -> ExitKind.HLT;
        };
        if (first.kind() != expected) {
            throw new IllegalStateException("guest exited with " + first + ", expected " + expected);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cRelease.call(cpu.fd(), kvm.vcpuMmapSize());
        vm.close();
        kvm.close();
    }

    /** One exit through vmm4j: run() and decode (batches of 1000 per call, as the C side, reported per exit). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long java() {
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            VmExit e = cpu.run();
            sum += switch (e.kind()) {
                case IO_OUT -> e.ioData(0);
                case MMIO_WRITE -> e.mmioData();
                default -> e.rawReason();
            };
        }
        return sum;
    }

    /** One exit through the C loop (batches of 1000 per call, reported per exit). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long c() {
        long r = cLoop.call(cpu.fd(), BATCH, kvm.vcpuMmapSize());
        if (r < 0) {
            throw new IllegalStateException("C loop failed: " + r);
        }
        return r;
    }
}
