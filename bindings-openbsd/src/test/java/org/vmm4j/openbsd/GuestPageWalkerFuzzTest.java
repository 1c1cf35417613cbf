package org.vmm4j.openbsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.vmm4j.GuestMemory;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the guest page-table walk behind OpenBSD MMIO exits: a hostile guest
 * writes every page-table entry and sets CR0, CR3, CR4 and EFER. Guest RAM is two regions with a hole
 * between them ({@code [0, 0x8000)} and {@code [0x9000, 0xc000)}, bounds-checked native memory) filled
 * from the start of the input; the end gives (FuzzedDataProvider) CR0.PG, CR4.PAE, CR4.PSE, EFER.LMA,
 * CR3 (0 to 0xffff: in RAM, in the hole and past it), the linear address and a fetch length (0-40).
 *
 * <p>{@link GuestPageWalker#translate} and {@link GuestPageWalker#fetch} document no exception and
 * none is accepted; they run within 2 s and no allocation at all (they are on
 * the MMIO exit path). A translation is -1 or keeps the page offset and fits the paging mode's
 * physical-address width; without paging it is the linear address. A fetch copies at most the length
 * asked, each byte the one guest RAM holds at that byte's own translation, stops only at a byte that
 * does not translate into RAM, and writes nothing past the length. Seeds: page tables built for each
 * paging mode ({@code GuestPageWalkerFuzzTestInputs/walk}, remade by {@code
 * bindings-openbsd/src/test/fuzz/make-seeds}).
 */
class GuestPageWalkerFuzzTest {
    /**
     * Decoding allocates nothing ({@link FuzzCheck#allocatingNothing}) and documents no exception; FuzzCheck
     * needs a type, and the target fails if even that one is thrown.
     */
    private static final FuzzCheck CHECK =
            FuzzCheck.allocatingNothing(Duration.ofSeconds(2), IllegalStateException.class);

    private static final GuestMemory LOW =
            new NativeGuestMemory(0, NativeAccess.get().allocate(0x8000), false, false, 0);
    private static final GuestMemory HIGH =
            new NativeGuestMemory(0x9000, NativeAccess.get().allocate(0x3000), false, false, 1);
    private static final List<GuestMemory> RAM = List.of(LOW, HIGH);
    private static final byte SENTINEL = (byte) 0xA5;

    @FuzzTest
    void walk(FuzzedDataProvider data) {
        long cr0 = 1 | (data.consumeBoolean() ? GuestPageWalker.CR0_PG : 0);
        long cr4 = (data.consumeBoolean() ? GuestPageWalker.CR4_PAE : 0)
                | (data.consumeBoolean() ? GuestPageWalker.CR4_PSE : 0);
        long efer = data.consumeBoolean() ? GuestPageWalker.EFER_LMA : 0;
        long cr3 = data.consumeLong(0, 0xffff);
        long linear = data.consumeLong();
        int length = data.consumeInt(0, 40);
        byte[] image = data.consumeRemainingAsBytes();
        LOW.fill(0, LOW.size(), (byte) 0);
        HIGH.fill(0, HIGH.size(), (byte) 0);
        int low = (int) Math.min(image.length, LOW.size());
        LOW.write(0, image, 0, low);
        HIGH.write(0, image, low, (int) Math.min(image.length - low, HIGH.size()));
        byte[] dst = new byte[length + 8];
        Arrays.fill(dst, SENTINEL);
        String name = String.format(
                "cr0 0x%x cr3 0x%x cr4 0x%x efer 0x%x linear 0x%x length %d, %d bytes of RAM",
                cr0, cr3, cr4, efer, linear, length, image.length);
        FuzzCheck.Target target = () -> {
            long gpa = GuestPageWalker.translate(linear, cr0, cr3, cr4, efer, RAM);
            checkTranslation(linear, gpa, cr0, cr4, efer);
            int n = GuestPageWalker.fetch(linear, dst, length, cr0, cr3, cr4, efer, RAM);
            assertTrue(n >= 0 && n <= length, "fetched within the length");
            for (int k = 0; k < n; k++) {
                long at = GuestPageWalker.translate(linear + k, cr0, cr3, cr4, efer, RAM);
                GuestMemory m = regionOf(at);
                assertTrue(m != null, "a fetched byte translates into RAM");
                assertEquals(m.getByte(at - m.guestAddress()), dst[k], "the fetched byte is guest RAM's");
            }
            if (n < length) {
                assertNull(
                        regionOf(GuestPageWalker.translate(linear + n, cr0, cr3, cr4, efer, RAM)), "stops at a hole");
            }
            for (int k = length; k < dst.length; k++) {
                assertEquals(SENTINEL, dst[k], "nothing written past the length");
            }
        };
        Exception thrown = CHECK.run(name, target);
        assertNull(thrown, "the walker throws nothing");
    }

    private static void checkTranslation(long linear, long gpa, long cr0, long cr4, long efer) {
        boolean longMode = (efer & GuestPageWalker.EFER_LMA) != 0;
        if ((cr0 & GuestPageWalker.CR0_PG) == 0) {
            assertEquals(longMode ? linear : linear & 0xffff_ffffL, gpa, "no paging: linear is physical");
            return;
        }
        if (gpa == -1) {
            return;
        }
        assertEquals(linear & 0xfff, gpa & 0xfff, "the page offset survives");
        assertTrue(gpa >= 0 && gpa < 1L << 52, "within the 52-bit physical address space");
        if (!longMode && (cr4 & GuestPageWalker.CR4_PAE) == 0) {
            assertEquals(0, gpa >>> 32, "32-bit paging reaches 4 GiB");
        }
    }

    private static GuestMemory regionOf(long gpa) {
        for (int i = 0; i < RAM.size(); i++) {
            GuestMemory m = RAM.get(i);
            if (gpa >= 0 && m.contains(gpa)) {
                return m;
            }
        }
        return null;
    }
}
