package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.GuestMemory;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.linux.machine.MachineSnapshotTest.Exits;
import org.vmm4j.machine.Machine;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;

/**
 * A restored guest's time stands still while it is on disk: the minimal kernel's entry replaced by a loop that
 * stores the TSC ({@code rdtsc}) in RAM on every round; the TSC a restored guest reads goes on from the one it read
 * before the snapshot, however long the snapshot waited, as it would after a pause (KVM_SET_MSRS of IA32_TSC sets
 * the vCPU's TSC offset). Where KVM does not offset the guest's TSC at all (KVM nested through PVM, as on this
 * project's machines: a fresh VM reads the host's TSC) no VMM can, and the test says so and skips.
 */
@RequiresHost(kvm = true)
class RestoredClockTest {
    private static final long TSC = 0x50_0008;

    @TempDir
    Path tmp;

    private static byte[] tscKernel() {
        int[] loop = {
            0x0f, 0x31, // rdtsc
            0x89, 0x04, 0x25, 0x08, 0x00, 0x50, 0x00, // mov [0x500008], eax
            0x89, 0x14, 0x25, 0x0c, 0x00, 0x50, 0x00, // mov [0x50000c], edx
            0x48, 0xff, 0x04, 0x25, 0x00, 0x00, 0x50, 0x00, // inc qword [0x500000]
            0xe6, 0x80, // out 0x80, al
            0xeb, 0xe4, // jmp back to the rdtsc
        };
        return MachineSnapshotTest.withEntryCode(loop);
    }

    private static Machine machine(Irqchip irqchip, Exits exits) {
        Machine m = Machine.builder()
                .kernel(LinuxKernel.of(tscKernel(), null, null))
                .memoryMiB(64)
                .irqchip(irqchip)
                .build();
        m.devices().ports().register(MachineSnapshotTest.PORT, 1, exits);
        return m;
    }

    private static long tsc(Machine m) {
        GuestMemory ram = m.vm().memoryAt(TSC);
        return ram.getLong(TSC - ram.guestAddress());
    }

    @Test
    void theGuestsTscGoesOnFromTheSnapshotNotFromTheWallClock() throws Exception {
        Path dir = tmp.resolve("snap");
        Exits exits = new Exits();
        long rate;
        long saved;
        long built = System.nanoTime();
        try (Machine m = machine(Irqchip.KERNEL, exits)) {
            m.start();
            MachineSnapshotTest.awaitCount(exits, 100);
            long t0 = tsc(m);
            long h0 = System.nanoTime();
            Thread.sleep(1000);
            long t1 = tsc(m);
            long h1 = System.nanoTime();
            rate = (long) ((t1 - t0) / ((h1 - h0) / 1e9)); // guest TSC ticks per second
            m.pause();
            saved = tsc(m);
            m.snapshot(dir);
            // KVM starts a new VM's TSC at 0 and offsets what the guest reads; a KVM that does not (nested through
            // PVM: the guest reads the host's TSC) cannot put a saved TSC back either
            double sinceBoot = saved / (double) rate;
            double alive = (System.nanoTime() - built) / 1e9;
            assumeTrue(
                    sinceBoot < alive + 5,
                    String.format(
                            "this KVM does not offset the guest's TSC: a VM %.1f s old reads a TSC of %.0f s (the"
                                    + " host's); a restored guest here sees the time its snapshot spent on disk. The"
                                    + " check needs KVM that offsets the TSC (hardware VMX/SVM)",
                            alive, sinceBoot));
        }
        Duration onDisk = Duration.ofSeconds(12);
        Thread.sleep(onDisk.toMillis());
        Exits after = new Exits();
        long first;
        long h0;
        try (Machine r = Machine.restore(dir)) {
            r.devices().ports().register(MachineSnapshotTest.PORT, 1, after);
            h0 = System.nanoTime();
            r.start();
            MachineSnapshotTest.awaitCount(after, 100);
            r.pause();
            first = tsc(r);
        }
        double runSeconds = (System.nanoTime() - h0) / 1e9;
        double guestSeconds = (first - saved) / (double) rate;
        System.out.printf(
                "restored clock: the guest's TSC moved %.2f s (at %d ticks/s) across a snapshot %d s on disk and %.2f"
                        + " s of running after the restore%n",
                guestSeconds, rate, onDisk.toSeconds(), runSeconds);
        assertTrue(
                guestSeconds >= 0 && guestSeconds < runSeconds + 1.0,
                "the restored guest's TSC moved " + guestSeconds + " s while it ran " + runSeconds + " s; the snapshot"
                        + " waited " + onDisk.toSeconds() + " s, which a guest must not see");
    }
}
