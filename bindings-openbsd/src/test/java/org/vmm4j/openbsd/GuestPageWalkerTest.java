package org.vmm4j.openbsd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.GuestMemory;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

/** Page-table walks over tables built in guest memory by hand. */
class GuestPageWalkerTest {
    private final NativeMemory backing = NativeAccess.get().allocate(0x20000);
    private final GuestMemory ram = new NativeGuestMemory(0, backing, false, false, 0);
    private final List<GuestMemory> regions = List.of(ram);

    @AfterEach
    void free() {
        backing.close();
    }

    @Test
    void noPagingIsIdentity() {
        assertEquals(0xF000_0010L, GuestPageWalker.translate(0xF000_0010L, 1, 0, 0, 0, regions));
    }

    @Test
    void longModeFourKiBTwoMiBAndOneGiBPages() {
        long cr0 = GuestPageWalker.CR0_PG | 1;
        long efer = GuestPageWalker.EFER_LMA;
        // PML4 at 0x1000 -> PDPT at 0x2000
        ram.putLong(0x1000, 0x2000 | 3);
        // PDPT[0] -> PD at 0x3000; PDPT[3] is a 1 GiB page at 0xC0000000
        ram.putLong(0x2000, 0x3000 | 3);
        ram.putLong(0x2000 + 3 * 8, 0xC000_0000L | 0x83);
        // PD[0] -> PT at 0x4000; PD[1] is a 2 MiB page at 0xFEE00000
        ram.putLong(0x3000, 0x4000 | 3);
        ram.putLong(0x3008, 0xFEE0_0000L | 0x83);
        // PT[5] -> 0xF0001000, with NX set
        ram.putLong(0x4000 + 5 * 8, 0x8000_0000_F000_1000L | 3);
        assertEquals(0xF000_1234L, GuestPageWalker.translate(0x5234, cr0, 0x1000, 0, efer, regions));
        assertEquals(0xFEE0_0030L, GuestPageWalker.translate(0x20_0030, cr0, 0x1000, 0, efer, regions));
        assertEquals(0xC123_4567L, GuestPageWalker.translate(0xC123_4567L, cr0, 0x1000, 0, efer, regions));
        assertEquals(-1, GuestPageWalker.translate(0x6000, cr0, 0x1000, 0, efer, regions), "PT[6] not present");
    }

    @Test
    void paeAndLegacyThirtyTwoBitPaging() {
        long cr0 = GuestPageWalker.CR0_PG | 1;
        // PAE: PDPT at 0x5000 (32-byte aligned), PDPT[3] -> PD at 0x6000, PD[0x1f7] 2 MiB page 0xFEE00000
        ram.putLong(0x5000 + 3 * 8, 0x6000 | 1);
        ram.putLong(0x6000 + 0x1f7 * 8, 0xFEE0_0000L | 0x83);
        assertEquals(
                0xFEE0_0010L,
                GuestPageWalker.translate(0xFEE0_0010L, cr0, 0x5000, GuestPageWalker.CR4_PAE, 0, regions));
        // 32-bit: PD at 0x7000, PD[0x3c0] 4 MiB page at 0xF0000000 (PSE), PD[1] -> PT at 0x8000, PT[2] -> 0xF0400000
        ram.putInt(0x7000 + 0x3c0 * 4, (int) (0xF000_0000L | 0x83));
        ram.putInt(0x7000 + 4, 0x8000 | 3);
        ram.putInt(0x8000 + 2 * 4, (int) (0xF040_0000L | 3));
        assertEquals(
                0xF012_3456L,
                GuestPageWalker.translate(0xF012_3456L, cr0, 0x7000, GuestPageWalker.CR4_PSE, 0, regions));
        assertEquals(0xF040_0ABCL, GuestPageWalker.translate(0x0040_2ABCL, cr0, 0x7000, 0, 0, regions));
    }
}
