package org.vmm4j.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.vmm4j.Stats;
import org.vmm4j.linux.KvmSystem;
import org.vmm4j.linux.KvmVcpu;
import org.vmm4j.linux.KvmVm;

/**
 * One poll of a VM's and all its vCPUs' statistics. {@link #binaryFd}: vmm4j's handles (one pread
 * each). Baselines in the same run: {@link #reopenPerPoll} (QEMU's first approach: KVM_GET_STATS_FD,
 * header, descriptors and data for every query) and {@link #debugfs} (read and parse the text files of
 * the same VM; on kernels that refuse part of debugfs, only the readable files).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class StatsPoll {
    @Param({"1", "2", "8"})
    public int vcpus;

    private KvmSystem kvm;
    private KvmVm vm;
    private final List<KvmVcpu> cpus = new ArrayList<>();
    private Stats vmStats;
    private Stats[] cpuStats;
    private int vmKey;
    private int cpuKey;
    private Stats debugfsStats;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        kvm = KvmSystem.open();
        vm = kvm.createVm();
        for (int i = 0; i < vcpus; i++) {
            cpus.add(vm.createVcpu(i));
        }
        vmStats = vm.stats();
        vmKey = vmStats.key("remote_tlb_flush");
        cpuStats = new Stats[vcpus];
        for (int i = 0; i < vcpus; i++) {
            cpuStats[i] = cpus.get(i).stats();
        }
        cpuKey = cpuStats[0].key("exits");
        if (!Files.isDirectory(Path.of("/sys/kernel/debug/kvm"))) {
            // Root may mount debugfs; otherwise the debugfs baseline reports itself unavailable.
            new ProcessBuilder("mount", "-t", "debugfs", "none", "/sys/kernel/debug")
                    .inheritIO()
                    .start()
                    .waitFor();
        }
        if (Files.isDirectory(Path.of("/sys/kernel/debug/kvm"))) {
            debugfsStats = vm.openStats(Stats.Source.DEBUGFS);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (debugfsStats != null) {
            debugfsStats.close();
        }
        vm.close();
        kvm.close();
    }

    @Benchmark
    public long binaryFd() {
        long sum = vmStats.poll().get(vmKey);
        for (Stats s : cpuStats) {
            sum += s.poll().get(cpuKey);
        }
        return sum;
    }

    @Benchmark
    public long reopenPerPoll() {
        long sum;
        try (Stats s = vm.openStats(Stats.Source.BINARY_FD)) {
            sum = s.poll().get(s.key("remote_tlb_flush"));
        }
        for (KvmVcpu cpu : cpus) {
            try (Stats s = cpu.openStats()) {
                sum += s.poll().get(s.key("exits"));
            }
        }
        return sum;
    }

    @Benchmark
    public long debugfs() {
        if (debugfsStats == null) {
            throw new IllegalStateException(
                    "debugfs unavailable: not mounted on /sys/kernel/debug and cannot mount it");
        }
        debugfsStats.poll();
        return debugfsStats.get(0);
    }
}
