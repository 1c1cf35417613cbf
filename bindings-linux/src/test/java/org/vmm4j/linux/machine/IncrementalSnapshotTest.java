package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.machine.MachineSnapshotTest.allocatedBytes;
import static org.vmm4j.linux.machine.MachineSnapshotTest.awaitCount;
import static org.vmm4j.linux.machine.MachineSnapshotTest.counter;
import static org.vmm4j.linux.machine.MachineSnapshotTest.countingMachine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.linux.machine.MachineSnapshotTest.Exits;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.SnapshotException;
import org.vmm4j.machine.SnapshotResult;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.Irqchip;

/**
 * Incremental snapshots on KVM with the counting guest of {@link MachineSnapshotTest}: after a full snapshot, an
 * increment holds only the pages written since (the counter's, the stack's), a restore from the increment sees the
 * increment's count, not the full snapshot's, and a restored machine takes increments over the snapshot it came
 * from. The refusals name what is wrong and open nothing.
 */
@RequiresHost(kvm = true)
class IncrementalSnapshotTest {
    @TempDir
    Path tmp;

    /** The snapshot format version in a state file's header (bytes 8 to 11, little-endian), read by hand. */
    private static int formatVersion(Path dir) throws Exception {
        byte[] header = new byte[12];
        System.arraycopy(Files.readAllBytes(dir.resolve("machine.state")), 0, header, 0, 12);
        return ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    }

    @Test
    void anIncrementHoldsTheWrittenPagesAndRestoresItsOwnCount() throws Exception {
        Path full = tmp.resolve("full");
        Path first = tmp.resolve("inc1");
        long atFull;
        long atFirst;
        SnapshotResult fullResult;
        SnapshotResult increment;
        Exits exits = new Exits();
        try (Machine m = countingMachine(Irqchip.KERNEL, 256, exits, true)) {
            m.start();
            awaitCount(exits, 1000);
            m.pause();
            atFull = counter(m);
            fullResult = m.snapshot(full);
            m.resume();
            awaitCount(exits, exits.count.get() + 1000);
            m.pause();
            atFirst = counter(m);
            increment = m.snapshotIncremental(first);
        }
        assertTrue(atFirst >= atFull + 1000, atFull + " then " + atFirst);
        assertEquals(1, formatVersion(full), "a full snapshot stays readable by a reader of version 1");
        assertEquals(2, formatVersion(first), "an increment is version 2, which a reader of version 1 refuses");
        assertEquals(256L << 20, Files.size(first.resolve("memory.raw")), "as long as RAM, sparse");
        assertTrue(
                increment.memoryWritten() <= 16 * 4096,
                "the counting guest writes a page or two between the snapshots; the increment wrote "
                        + increment.memoryWritten() + " bytes (the full snapshot " + fullResult.memoryWritten() + ")");
        assertTrue(increment.memoryWritten() >= 4096, "the counter's page at least: " + increment);
        assertTrue(allocatedBytes(first.resolve("memory.raw")) <= 64 * 4096, "sparse on disk");
        System.out.printf(
                "incremental snapshot of the counting guest (256 MiB): %d KiB written in %d ms (%d ms paused);"
                        + " the full snapshot before it %d KiB in %d ms%n",
                increment.memoryWritten() >> 10,
                increment.total().toMillis(),
                increment.captured().toMillis(),
                fullResult.memoryWritten() >> 10,
                fullResult.total().toMillis());

        long restoredCount;
        Path second = tmp.resolve("inc2");
        Exits more = new Exits();
        try (Machine r = Machine.restoring(first).trackDirtyPages().build()) {
            restoredCount = counter(r);
            r.devices().ports().register(MachineSnapshotTest.PORT, 1, more);
            r.start();
            awaitCount(more, 500);
            r.pause();
            r.snapshotIncremental(second); // over the snapshot it was restored from
        }
        assertEquals(atFirst, restoredCount, "the increment's count, laid over the full snapshot's memory");
        try (Machine again = Machine.restore(second)) {
            long count = counter(again);
            assertTrue(count >= atFirst + 500, "the second increment's count: " + count + " after " + atFirst);
            Exits last = new Exits();
            again.devices().ports().register(MachineSnapshotTest.PORT, 1, last);
            again.start();
            awaitCount(last, 100);
            again.pause();
            assertTrue(counter(again) > count, "counting on over a chain of three");
        }
    }

    @Test
    void incrementsAreRefusedWithTheReason() throws Exception {
        Path full = tmp.resolve("full");
        try (Machine untracked = countingMachine(Irqchip.KERNEL, 32, new Exits())) {
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> untracked.snapshotIncremental(tmp.resolve("x")));
            assertTrue(e.getMessage().contains("trackDirtyPages"), e.getMessage());
        }
        try (Machine m = countingMachine(Irqchip.KERNEL, 32, new Exits(), true)) {
            SnapshotException none =
                    assertThrows(SnapshotException.class, () -> m.snapshotIncremental(tmp.resolve("y")));
            assertTrue(none.getMessage().contains("no previous snapshot"), none.getMessage());
            m.start();
            m.snapshot(full);
            SnapshotException over = assertThrows(SnapshotException.class, () -> m.snapshotIncremental(full));
            assertTrue(over.getMessage().contains("would lie on"), over.getMessage());
            assertTrue(Files.exists(full.resolve("machine.state")), "the full snapshot is still there");
            m.snapshotIncremental(tmp.resolve("inc"));
        }
        assertTrue(Files.exists(tmp.resolve("inc").resolve("machine.state")));
        assertTrue(Files.notExists(tmp.resolve("x")) && Files.notExists(tmp.resolve("y")), "nothing written");
    }

    @Test
    void anIncrementWhoseParentWasReplacedOrRemovedIsRefused() throws Exception {
        Path full = tmp.resolve("full");
        Path inc = tmp.resolve("inc");
        try (Machine m = countingMachine(Irqchip.SPLIT, 32, new Exits(), true)) {
            m.start();
            m.snapshot(full);
            m.snapshotIncremental(inc);
            m.snapshot(full); // the same directory, another snapshot: the increment's parent is gone
        }
        Leaks before = Leaks.now();
        SnapshotException replaced = assertThrows(SnapshotException.class, () -> Machine.restore(inc));
        assertTrue(replaced.getMessage().contains("replaced or changed"), replaced.getMessage());
        assertTrue(replaced.getMessage().contains(full.toString()), replaced.getMessage());

        Files.move(full, tmp.resolve("elsewhere"), StandardCopyOption.ATOMIC_MOVE);
        SnapshotException missing = assertThrows(SnapshotException.class, () -> Machine.restore(inc));
        assertTrue(missing.getMessage().contains("cannot be used"), missing.getMessage());
        assertEquals(before, Leaks.now(), "no /dev/kvm, VM or memory file opened");
    }

    @Test
    void snapshotsThatMoveTogetherStillRestore() throws Exception {
        Path set = Files.createDirectories(tmp.resolve("set"));
        long saved;
        Exits exits = new Exits();
        try (Machine m = countingMachine(Irqchip.KERNEL, 32, exits, true)) {
            m.start();
            awaitCount(exits, 100);
            m.snapshot(set.resolve("full"));
            awaitCount(exits, exits.count.get() + 100);
            m.pause();
            saved = counter(m);
            m.snapshotIncremental(set.resolve("inc"));
        }
        Path moved = tmp.resolve("moved");
        Files.move(set, moved, StandardCopyOption.ATOMIC_MOVE);
        try (Machine r = Machine.restore(moved.resolve("inc"))) {
            assertEquals(saved, counter(r), "the parent is found by its relative path");
        }
    }
}
