package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.GuestMemory;
import org.vmm4j.StateSection;
import org.vmm4j.testing.HeapGuestMemory;

/**
 * The memory of incremental snapshots without a hypervisor: the page runs of a layer (against a plain model), the
 * layer section read from bytes written by hand, the pages an increment writes, and an increment laid over its
 * parent's memory across two regions. The restore of a chain on KVM is IncrementalSnapshotTest's.
 */
class MemoryLayerTest {
    private static final int PAGE = 4096;
    private static final byte[] DIGEST = new byte[32];

    @TempDir
    Path tmp;

    @Test
    void runsListTheMarkedPagesAsAPlainModelDoes() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            int total = 1 + random.nextInt(700);
            long[] bits = new long[(total + 63) / 64];
            boolean[] model = new boolean[total];
            int density = 1 + random.nextInt(10);
            for (int p = 0; p < total; p++) {
                if (random.nextInt(density) == 0) {
                    bits[p >>> 6] |= 1L << (p & 63);
                    model[p] = true;
                }
            }
            MemoryLayer layer = MemoryLayer.of("../full", DIGEST, bits, total);
            List<Long> expected = new ArrayList<>();
            for (int p = 0; p < total; p++) {
                if (model[p] && (p == 0 || !model[p - 1])) {
                    int end = p;
                    while (end < total && model[end]) {
                        end++;
                    }
                    expected.add((long) p);
                    expected.add((long) (end - p));
                }
            }
            assertArrayEquals(expected.stream().mapToLong(Long::longValue).toArray(), layer.runs(), "round " + round);
            assertEquals(layer, MemoryLayer.read(layer.toSection(), (long) total * PAGE), "round trip");
        }
    }

    /** A layer section as the format describes it, written by hand: version 1, parent, digest, runs. */
    private static StateSection section(String parent, int digestLength, long... runs) {
        byte[] p = parent.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + p.length + 4 + digestLength + 4 + 8 * runs.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 1).putInt(p.length).put(p).putInt(digestLength).put(new byte[digestLength]);
        b.putInt(runs.length / 2);
        for (long r : runs) {
            b.putLong(r);
        }
        return new StateSection(MemoryLayer.SECTION, b.array());
    }

    @Test
    void readsAHandWrittenSectionAndRefusesBadOnes() {
        long ram = 100L * PAGE;
        MemoryLayer ok = MemoryLayer.read(section("../a", 32, 0, 2, 5, 95), ram);
        assertEquals("../a", ok.parent());
        assertEquals(97, ok.pageCount());
        String[][] bad = {
            {"overlaps", "overlaps the one before"},
            {"past", "ends past the guest's 100 pages"},
            {"empty", "is empty"},
            {"digest", "checksum is 31 bytes"},
            {"parent", "parent directory is empty"},
        };
        List<StateSection> sections = List.of(
                section("../a", 32, 0, 5, 4, 2),
                section("../a", 32, 90, 11),
                section("../a", 32, 3, 0),
                section("../a", 31, 0, 1),
                section("", 32, 0, 1));
        for (int i = 0; i < bad.length; i++) {
            StateSection s = sections.get(i);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> MemoryLayer.read(s, ram), bad[i][0]);
            assertTrue(e.getMessage().contains(bad[i][1]), bad[i][0] + ": " + e.getMessage());
        }
    }

    @Test
    void anIncrementWritesItsMarkedPagesAndLaysThemOverItsParent() throws IOException {
        GuestMemory low = new HeapGuestMemory(0, 16 * PAGE);
        GuestMemory high = new HeapGuestMemory(0x100000, 16 * PAGE);
        List<GuestMemory> ram = List.of(low, high);
        for (int p = 0; p < 16; p++) {
            low.putInt((long) p * PAGE, 1000 + p);
            high.putInt((long) p * PAGE, 2000 + p);
        }
        Path parent = tmp.resolve("parent.raw");
        SnapshotMemory.write(ram, parent);

        // the guest then writes page 15 of low, pages 0 and 1 of high (a run across the regions' seam in the
        // file), and clears page 3 of low (marked, now zero: a hole in the increment that must still count)
        low.putInt(15L * PAGE, 15_000);
        high.putInt(0, 20_000);
        high.putInt(PAGE, 20_001);
        low.putInt(3L * PAGE, 0);
        long[] marked = new long[1];
        for (int p : new int[] {3, 15, 16, 17}) {
            marked[0] |= 1L << p;
        }
        Path increment = tmp.resolve("inc.raw");
        SnapshotMemory.Written w = SnapshotMemory.writePages(ram, marked, increment);
        assertEquals(3, w.pages(), "the zero page is not written");
        assertEquals(32L * PAGE, Files.size(increment));
        MemoryLayer layer = MemoryLayer.of("../p", DIGEST, marked, 32);
        assertArrayEquals(new long[] {3, 1, 15, 3}, layer.runs());

        // a restore: the parent's memory (read here into fresh RAM), then the increment over it
        GuestMemory low2 = new HeapGuestMemory(0, 16 * PAGE);
        GuestMemory high2 = new HeapGuestMemory(0x100000, 16 * PAGE);
        byte[] base = Files.readAllBytes(parent);
        low2.write(0, base, 0, 16 * PAGE);
        high2.write(0, base, 16 * PAGE, 16 * PAGE);
        SnapshotMemory.overlay(List.of(low2, high2), layer.runs(), increment);
        for (int p = 0; p < 16; p++) {
            assertEquals(low.getInt((long) p * PAGE), low2.getInt((long) p * PAGE), "low page " + p);
            assertEquals(high.getInt((long) p * PAGE), high2.getInt((long) p * PAGE), "high page " + p);
        }
        assertEquals(0, low2.getInt(3L * PAGE), "the page the guest cleared is clear");
        assertEquals(1004, low2.getInt(4L * PAGE), "an unmarked page is the parent's");
    }
}
