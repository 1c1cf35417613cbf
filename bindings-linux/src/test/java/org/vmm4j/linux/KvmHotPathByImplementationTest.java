package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.Registers;
import org.vmm4j.Stats;
import org.vmm4j.VmExit;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The KVM hot paths on whichever implementation of the native seam this JVM uses (FFM on JDK 22+, JNA
 * on 17-21 or with {@code -Dvmm4j.native=jna}): measured bytes allocated per {@code KVM_RUN} exit and
 * per stats poll, printed so that each CI run records both numbers for its implementation.
 */
@RequiresHost(kvm = true)
class KvmHotPathByImplementationTest {
    private static final int EXITS = 100_000;
    private static final int POLLS = 100_000;

    private static String expectedImplementation() {
        boolean forcedJna = "jna"
                .equalsIgnoreCase(System.getProperty(NativeAccess.PROPERTY, "").trim());
        return Runtime.version().feature() < 22 || forcedJna ? "jna" : "ffm";
    }

    @Test
    void probeNamesTheImplementationThatDrivesKvm() {
        assertEquals(expectedImplementation(), NativeAccess.get().implementation());
        assertEquals(expectedImplementation(), Hypervisor.probe().nativeAccess());
    }

    @Test
    void exitsAndStatsPollsAllocateNothingOnThisImplementation() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
            mem.write(0, bytes(0xba, 0xe9, 0x00, 0xee, 0xeb, 0xfd)); // mov dx,0xe9; l: out dx,al; jmp l
            KvmVcpu cpu = vm.createVcpu(0);
            GuestSetup.realMode(cpu, CODE, Registers.builder().rax(3));
            Stats stats = cpu.stats();
            int exitsKey = stats.key("exits");

            long sum = run(cpu, 20_000) + poll(stats, exitsKey, 20_000); // warm up: JIT both loops
            long perRuns = Long.MAX_VALUE;
            long perPolls = Long.MAX_VALUE;
            // Best of three rounds: a JIT transition allocates once, a per-call allocation every round.
            for (int round = 0; round < 3; round++) {
                long before = threads.getThreadAllocatedBytes(tid);
                sum += run(cpu, EXITS);
                long middle = threads.getThreadAllocatedBytes(tid);
                sum += poll(stats, exitsKey, POLLS);
                long after = threads.getThreadAllocatedBytes(tid);
                perRuns = Math.min(perRuns, middle - before);
                perPolls = Math.min(perPolls, after - middle);
            }
            double perExit = (double) perRuns / EXITS;
            double perPoll = (double) perPolls / POLLS;
            System.out.printf(
                    "native seam %s on JDK %d: %d bytes over %d KVM_RUN exits (%.4f per exit), "
                            + "%d bytes over %d stats polls (%.4f per poll)%n",
                    NativeAccess.get().implementation(),
                    Runtime.version().feature(),
                    perRuns,
                    EXITS,
                    perExit,
                    perPolls,
                    POLLS,
                    perPoll);
            assertTrue(sum > 0);
            assertTrue(perExit < 1.0, perRuns + " bytes over " + EXITS + " exits");
            assertTrue(perPoll < 1.0, perPolls + " bytes over " + POLLS + " polls");
        }
    }

    private static long run(KvmVcpu cpu, int exits) {
        long sum = 0;
        for (int i = 0; i < exits; i++) {
            VmExit exit = cpu.run();
            if (exit.kind() != ExitKind.IO_OUT || exit.ioPort() != 0xe9) {
                throw new AssertionError("unexpected exit " + exit);
            }
            sum += exit.ioData(0);
        }
        return sum;
    }

    private static long poll(Stats stats, int key, int polls) {
        long sum = 0;
        for (int i = 0; i < polls; i++) {
            sum += stats.poll().get(key);
        }
        return sum;
    }
}
