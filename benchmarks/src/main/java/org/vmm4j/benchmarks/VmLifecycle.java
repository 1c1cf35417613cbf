package org.vmm4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.linux.KvmSystem;
import org.vmm4j.linux.KvmVm;

/** Create a VM with 2 MiB of memory and one vCPU, then close it: vmm4j vs the same steps in C. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class VmLifecycle {
    private KvmSystem kvm;
    private NativeFunction cLifecycle;
    private int kvmFd;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        kvm = KvmSystem.open();
        cLifecycle = CBaseline.function("vmm4j_c_vm_lifecycle", CType.LONG, CType.INT, CType.LONG);
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            kvmFd = Integer.parseInt(fds.filter(p -> {
                        try {
                            return Files.readSymbolicLink(p).toString().equals("/dev/kvm");
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .findFirst()
                    .orElseThrow()
                    .getFileName()
                    .toString());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kvm.close();
    }

    @Benchmark
    public int java() {
        try (KvmVm vm = kvm.createVm()) {
            vm.allocateMemory(0, 2 << 20);
            return vm.createVcpu(0).id();
        }
    }

    @Benchmark
    public long c() {
        long r = cLifecycle.call(kvmFd, kvm.vcpuMmapSize());
        if (r < 0) {
            throw new IllegalStateException("C lifecycle failed: " + r);
        }
        return r;
    }
}
