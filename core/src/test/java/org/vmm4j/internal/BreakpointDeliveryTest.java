package org.vmm4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.DescriptorTable;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;

/** The delivery checks of an INT3's #BP against a guest whose IDT, GDT and TSS the test writes. */
class BreakpointDeliveryTest {
    private static final int IDT = 0x5000;
    private static final int GDT = 0x6000;
    private static final int TSS = 0x7000;
    private static final long RSP = 0x8000;
    private static final long IST1_TOP = 0xb000;
    private static final long HANDLER = 0x1800;

    /** 64 KiB of guest RAM at linear = physical 0; one page can be made unmapped or read-only. */
    private final ByteBuffer ram = ByteBuffer.allocate(0x10000).order(ByteOrder.LITTLE_ENDIAN);

    private long unmappedPage = -1;
    private long readOnlyPage = -1;

    private final GuestLinearMemory memory = new GuestLinearMemory() {
        @Override
        public int read(long linear, byte[] dst, int offset, int length) {
            for (int i = 0; i < length; i++) {
                long at = linear + i;
                if (at < 0 || at >= ram.capacity() || (at & ~0xfffL) == unmappedPage) {
                    return i;
                }
                dst[offset + i] = ram.get((int) at);
            }
            return length;
        }

        @Override
        public boolean writable(long linear, int length) {
            for (long at = linear; at < linear + length; at++) {
                if (at < 0
                        || at >= ram.capacity()
                        || (at & ~0xfffL) == unmappedPage
                        || (at & ~0xfffL) == readOnlyPage) {
                    return false;
                }
            }
            return true;
        }
    };

    private SpecialRegisters sregs;
    private Registers regs;

    @BeforeEach
    void longModeGuest() {
        ram.putLong(GDT + 0x08, 0x00af9a000000ffffL); // 64-bit code, DPL 0
        ram.putLong(GDT + 0x10, 0x00cf92000000ffffL); // data
        ram.putLong(GDT + 0x18, 0x00cf9a000000ffffL); // 32-bit code (not 64-bit)
        ram.putLong(GDT + 0x20, 0x00cf92000000ffffL); // data, not code
        ram.putLong(TSS + 4, 0x9000); // RSP0
        ram.putLong(TSS + 0x24, IST1_TOP); // IST1
        gate64(HANDLER, 0x08, 0, 0xe, 0);
        sregs = new SpecialRegisters(
                Segment.long64(0x8, true),
                Segment.long64(0x10, false),
                Segment.long64(0x10, false),
                Segment.long64(0x10, false),
                Segment.long64(0x10, false),
                Segment.long64(0x10, false),
                new Segment(TSS, 0x67, 0x28, 0xb, true, 0, false, false, false, false, false, false),
                new Segment(0, 0, 0, 0x2, true, 0, false, false, false, false, false, true),
                new DescriptorTable(GDT, 0x2f),
                new DescriptorTable(IDT, 16 * 32 - 1),
                SpecialRegisters.CR0_PE | SpecialRegisters.CR0_PG | SpecialRegisters.CR0_WP,
                0,
                0x2000,
                SpecialRegisters.CR4_PAE,
                0,
                SpecialRegisters.EFER_LME | SpecialRegisters.EFER_LMA,
                0xfee00900L);
        regs = Registers.builder().rip(0x1001).rsp(RSP).rflags(0x202).build();
    }

    private void gate64(long offset, int selector, int ist, int type, int dpl) {
        int at = IDT + 3 * 16;
        ram.putShort(at, (short) offset);
        ram.putShort(at + 2, (short) selector);
        ram.put(at + 4, (byte) ist);
        ram.put(at + 5, (byte) (0x80 | dpl << 5 | type));
        ram.putShort(at + 6, (short) (offset >>> 16));
        ram.putInt(at + 8, (int) (offset >>> 32));
    }

    private Optional<String> problem() {
        return BreakpointDelivery.problem(sregs, regs, memory);
    }

    @Test
    void aPresentInterruptGateWithAWritableStackIsDeliverable() {
        assertEquals(Optional.empty(), problem());
        gate64(HANDLER, 0x08, 0, 0xf, 0); // trap gate
        assertEquals(Optional.empty(), problem());
    }

    @Test
    void anIdtTooShortForGate3IsNamed() {
        sregs = sregs.toBuilder().idt(new DescriptorTable(IDT, 3 * 16 + 14)).build();
        assertEquals(Optional.of("the IDT (limit 0x3e) does not reach gate 3"), problem());
    }

    @Test
    void anIdtOutsideGuestRamIsNamedWithoutReadingIt() {
        sregs = sregs.toBuilder().idt(new DescriptorTable(0x4000_0000L, 0xfff)).build();
        assertEquals(Optional.of("IDT gate 3 at linear address 0x40000030 is not mapped to guest RAM"), problem());
        sregs = sregs.toBuilder()
                .idt(new DescriptorTable(0x8000_0000_0000_0000L, 0xfff))
                .build();
        assertTrue(
                problem().orElseThrow().endsWith("is not mapped to guest RAM"),
                problem().toString());
    }

    @Test
    void aNotPresentGateIsNamed() {
        ram.put(IDT + 3 * 16 + 5, (byte) 0x0e);
        assertEquals(Optional.of("IDT gate 3 is not present"), problem());
    }

    @Test
    void aGateOfAnotherTypeIsNamed() {
        gate64(HANDLER, 0x08, 0, 0xc, 0); // call gate
        assertEquals(Optional.of("IDT gate 3 has type 0xc, not an interrupt or trap gate"), problem());
    }

    @Test
    void int3AboveTheGateDplIsNamed() {
        sregs = sregs.toBuilder().cs(userCode()).build();
        assertEquals(
                Optional.of("INT3 at CPL 3 through IDT gate 3 of DPL 0 raises #GP, which vmm4j does not deliver"),
                problem());
    }

    @Test
    void badCodeSelectorsAreNamed() {
        gate64(HANDLER, 0x00, 0, 0xe, 0);
        assertEquals(Optional.of("IDT gate 3's code selector 0x0 is null"), problem());
        gate64(HANDLER, 0x40, 0, 0xe, 0);
        assertEquals(Optional.of("IDT gate 3's code selector 0x40 is beyond the GDT limit 0x2f"), problem());
        gate64(HANDLER, 0x0c, 0, 0xe, 0);
        assertEquals(Optional.of("IDT gate 3's code selector 0xc is in the LDT, which vmm4j does not read"), problem());
        gate64(HANDLER, 0x20, 0, 0xe, 0);
        assertEquals(Optional.of("IDT gate 3's code selector 0x20 is not a present code segment"), problem());
        gate64(HANDLER, 0x18, 0, 0xe, 0);
        assertEquals(Optional.of("IDT gate 3's code selector 0x18 is not a 64-bit code segment"), problem());
    }

    @Test
    void aNonCanonicalHandlerIsNamed() {
        gate64(0x0000_8000_0000_0000L, 0x08, 0, 0xe, 0);
        assertEquals(Optional.of("the #BP handler address 0x800000000000 in IDT gate 3 is not canonical"), problem());
    }

    @Test
    void theFrameGoesOnTheCurrentStackWhichMustBeWritable() {
        unmappedPage = 0x7000; // RSP 0x8000: the frame is at 0x7fd8..0x7fff
        assertEquals(Optional.of("the stack for the #BP frame (RSP 0x8000) is not writable guest RAM"), problem());
        unmappedPage = -1;
        readOnlyPage = 0x7000;
        assertTrue(problem().isPresent(), "a read-only stack page");
        regs = regs.toBuilder().rsp(0x8018).build(); // aligned down to 0x8010: frame 0x7fe8..0x800f
        assertTrue(problem().isPresent(), "the frame still reaches the read-only page after alignment");
        regs = regs.toBuilder().rsp(0x8038).build(); // 0x8030 - 40 = 0x8008: all above the page
        assertEquals(Optional.empty(), problem());
    }

    @Test
    void anIstGateUsesTheTssStackAndChecksIt() {
        gate64(HANDLER, 0x08, 1, 0xe, 0);
        unmappedPage = 0xa000; // IST1's frame: 0xafd8..0xafff
        assertEquals(Optional.of("the stack for the #BP frame (IST1 0xb000) is not writable guest RAM"), problem());
        unmappedPage = 0x7000;
        assertEquals(Optional.of("the TSS's IST1 at linear address 0x7024 is not mapped to guest RAM"), problem());
        unmappedPage = -1;
        assertEquals(Optional.empty(), problem());
        gate64(HANDLER, 0x08, 7, 0xe, 0);
        sregs = sregs.toBuilder()
                .tr(new Segment(TSS, 0x3b, 0x28, 0xb, true, 0, false, false, false, false, false, false))
                .build();
        assertEquals(Optional.of("the TSS (limit 0x3b) has no IST7"), problem());
    }

    @Test
    void realModeIsLeftToTheHypervisor() {
        sregs = sregs.toBuilder().cr0(0).efer(0).build();
        assertTrue(problem().orElseThrow().contains("real mode"));
    }

    @Test
    void protectedModeUsesEightByteGatesAndRefusesTaskGates() {
        sregs = sregs.toBuilder()
                .cs(Segment.flat32(0x18, true))
                .ss(Segment.flat32(0x10, false))
                .efer(0)
                .idt(new DescriptorTable(IDT, 8 * 32 - 1))
                .build();
        int at = IDT + 3 * 8;
        ram.putShort(at, (short) HANDLER);
        ram.putShort(at + 2, (short) 0x18);
        ram.put(at + 4, (byte) 0);
        ram.put(at + 5, (byte) 0x8e);
        ram.putShort(at + 6, (short) 0);
        assertEquals(Optional.empty(), problem());
        ram.put(at + 5, (byte) 0x85);
        assertEquals(Optional.of("IDT gate 3 has type 0x5 (a task gate, which vmm4j does not deliver)"), problem());
    }

    private static Segment userCode() {
        return new Segment(0, 0xffff_ffff, 0x1b, 0xb, true, 3, false, true, true, true, false, false);
    }
}
