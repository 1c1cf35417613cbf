package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.StatDescriptor;
import org.vmm4j.Stats;
import org.vmm4j.StatsRate;
import org.vmm4j.testsupport.RequiresHost;

/** KVM binary statistics on the real /dev/kvm: counters move with guest activity, polls allocate nothing. */
@RequiresHost(kvm = true)
class KvmStatsTest {
    private static final int OUTS = 500;

    /** A guest that does {@code OUTS} port writes (a counted loop), then halts. */
    private static KvmVcpu guestDoingOutsThenHlt(KvmVm vm) {
        GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
        mem.write(
                0,
                bytes(
                        0xb9,
                        OUTS & 0xff,
                        OUTS >> 8, // mov cx, OUTS
                        0xba,
                        0xe9,
                        0x00, // mov dx, 0xe9
                        0xee, // l: out dx, al
                        0xe2,
                        0xfd, // loop l
                        0xf4)); // hlt
        KvmVcpu cpu = vm.createVcpu(0);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        return cpu;
    }

    @Test
    void ioAndHaltCountersGrowWithGuestExits() {
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            KvmVcpu cpu = guestDoingOutsThenHlt(vm);
            Stats stats = cpu.stats();
            assertEquals(Stats.Source.BINARY_FD, stats.source());
            int halts = stats.key("halt_exits");
            int exits = stats.key("exits");
            stats.poll();
            long halt0 = stats.get(halts), exits0 = stats.get(exits);
            int outs = 0;
            ExitKind kind;
            while ((kind = cpu.run().kind()) == ExitKind.IO_OUT) {
                outs++;
            }
            assertEquals(ExitKind.HLT, kind);
            assertEquals(OUTS, outs);
            stats.poll();
            // io_exits is not asserted: under nested PVM, KVM emulates the OUT instruction and counts it
            // in insn_emulation instead; every exit still counts in exits.
            assertTrue(stats.get(exits) - exits0 >= OUTS + 1, "exits grew by " + (stats.get(exits) - exits0));
            assertTrue(stats.get(halts) - halt0 >= 1, "halt_exits grew by " + (stats.get(halts) - halt0));
            assertTrue(stats.snapshot().get("exits") >= OUTS + 1);
        }
    }

    @Test
    void descriptorsMatchWhatTheKernelExposes() throws IOException {
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            KvmVcpu cpu = vm.createVcpu(0);
            Set<String> names = new HashSet<>();
            vm.stats().descriptors().forEach(d -> names.add(d.name()));
            cpu.stats().descriptors().forEach(d -> names.add(d.name()));
            assertTrue(
                    names.containsAll(Set.of("exits", "io_exits", "halt_exits", "remote_tlb_flush")), names.toString());
            StatDescriptor hist = cpu.stats().descriptors().stream()
                    .filter(StatDescriptor::isHistogram)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no histogram among " + names));
            assertTrue(hist.size() > 1);
            StatDescriptor pollNs = cpu.stats().descriptors().get(cpu.stats().key("halt_poll_success_ns"));
            assertEquals(StatDescriptor.Unit.SECONDS, pollNs.unit());
            assertEquals(-9, pollNs.exponent());
            Path debugfs = KvmDebugfsStats.ROOT;
            if (Files.isDirectory(debugfs)) {
                // debugfs lists every VM and vCPU statistic of the kernel once, in its root directory.
                Set<String> kernel;
                try (Stream<Path> s = Files.list(debugfs)) {
                    kernel = s.filter(Files::isRegularFile)
                            .map(p -> p.getFileName().toString())
                            .collect(Collectors.toSet());
                }
                assertEquals(kernel, names);
            }
        }
    }

    @Test
    void hundredThousandPollsAllocateLessThanOneBytePerPoll() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            KvmVcpu cpu = vm.createVcpu(0);
            Stats vmStats = vm.stats();
            Stats cpuStats = cpu.stats();
            int exits = cpuStats.key("exits");
            int tlb = vmStats.key("remote_tlb_flush");
            long sum = poll(vmStats, cpuStats, exits, tlb, 50_000);
            long tid = Thread.currentThread().getId();
            // Rounds until one allocates (almost) nothing, for up to a minute: a JIT transition allocates in
            // some rounds, and on a loaded machine the loop may run interpreted for many; a per-poll
            // allocation shows in every round.
            long allocated = Long.MAX_VALUE;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (allocated >= 100_000 && System.nanoTime() < deadline) {
                long before = threads.getThreadAllocatedBytes(tid);
                sum += poll(vmStats, cpuStats, exits, tlb, 50_000); // 100,000 polls: 50,000 of each handle
                allocated = Math.min(allocated, threads.getThreadAllocatedBytes(tid) - before);
            }
            assertTrue(sum >= 0);
            assertTrue(allocated < 100_000, "allocated " + allocated + " bytes over 100,000 polls");
        }
    }

    private static long poll(Stats a, Stats b, int ka, int kb, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += a.poll().get(kb) + b.poll().get(ka);
        }
        return sum;
    }

    @Test
    void closingTheVmClosesItsStatsFds() throws IOException {
        long before = openFds();
        KvmSystem kvm = KvmSystem.open();
        KvmVm vm = kvm.createVm();
        KvmVcpu cpu = vm.createVcpu(0);
        Stats vmStats = vm.stats();
        Stats cpuStats = cpu.stats();
        assertSame(vmStats, vm.stats(), "one handle per VM");
        assertEquals(before + 5, openFds(), "kvm, vm, vcpu and two stats fds");
        vm.close();
        kvm.close();
        assertEquals(before, openFds());
        assertThrows(IllegalStateException.class, vmStats::poll);
        assertThrows(IllegalStateException.class, cpuStats::poll);
    }

    @Test
    void rateHelperReportsExitsPerSecond() {
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            KvmVcpu cpu = guestDoingOutsThenHlt(vm);
            StatsRate rate = new StatsRate(cpu.stats());
            while (cpu.run().kind() == ExitKind.IO_OUT) {
                // the guest's OUTs
            }
            rate.update();
            int exits = cpu.stats().key("exits");
            assertTrue(rate.delta(exits) >= OUTS);
            assertTrue(rate.perSecond(exits) > 0);
        }
    }

    @Test
    @RequiresHost(files = RequiresHost.KVM_DEBUGFS)
    void debugfsFallbackAgreesWithTheBinaryStats() {
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            KvmVcpu cpu = guestDoingOutsThenHlt(vm);
            while (cpu.run().kind() == ExitKind.IO_OUT) {
                // the guest's OUTs
            }
            try (Stats debugfs = vm.openStats(Stats.Source.DEBUGFS)) {
                assertEquals(Stats.Source.DEBUGFS, debugfs.source());
                Stats binary = vm.stats();
                debugfs.poll();
                binary.poll();
                // Some kernels (lockdown) refuse to read part of debugfs: compare what can be read.
                int compared = 0;
                for (int k = 0; k < debugfs.descriptors().size(); k++) {
                    String name = debugfs.descriptors().get(k).name();
                    if (binary.has(name)) {
                        assertEquals(binary.get(binary.key(name)), debugfs.get(k), name);
                        compared++;
                    }
                }
                assertTrue(compared > 0, "no VM statistic readable from debugfs");
                assertFalse(debugfs.has("no_such_stat"));
            }
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
