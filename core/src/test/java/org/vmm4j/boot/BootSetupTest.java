package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.DescriptorTable;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.testing.HeapGuestMemory;

class BootSetupTest {

    private static final int MEM = 64 << 20;
    private static final String CMDLINE = "console=ttyS0 earlyprintk=ttyS0 reboot=k panic=-1";
    private static final byte[] CODE = {(byte) 0x90, (byte) 0xf4};

    private static LinuxKernel bzImageKernel() {
        return LinuxKernel.of(new TestImages.BzImage().build(), EntryKind.BZIMAGE_64, null);
    }

    private static LinuxKernel pvhKernel() {
        return LinuxKernel.of(TestImages.elf(CODE, 0x100, TestImages.ELF_LOAD_ADDRESS, 4), null, null);
    }

    private static byte[] initrd(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    /** A reset vCPU's special registers, as KVM_GET_SREGS reports them. */
    private static SpecialRegisters resetState() {
        Segment cs = new Segment(0xffff0000L, 0xffff, 0xf000, 0xb, true, 0, false, true, false, false, false, false);
        Segment ds = Segment.realMode(0, false);
        Segment ldt = new Segment(0, 0xffff, 0, 2, true, 0, false, false, false, false, false, false);
        return new SpecialRegisters(
                cs,
                ds,
                ds,
                ds,
                ds,
                ds,
                ldt,
                ldt,
                new DescriptorTable(0, 0xffff),
                new DescriptorTable(0, 0xffff),
                0x60000010L,
                0,
                0,
                0,
                0,
                0,
                0xfee00900L);
    }

    @Test
    void writesBootParamsAtTheirDocumentedOffsets() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootState s = BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 2, CMDLINE, initrd(0x10_0000)));
        long zp = 0x7000;
        assertEquals(0x53726448, m.getInt(zp + 0x202), "HdrS copied into boot_params");
        assertEquals((short) 0xaa55, m.getShort(zp + 0x1fe));
        assertEquals((byte) 0xff, m.getByte(zp + 0x210), "type_of_loader");
        assertEquals(0x20000, m.getInt(zp + 0x228), "cmd_line_ptr");
        assertEquals(0, m.getInt(zp + 0x0c8), "ext_cmd_line_ptr");
        assertEquals(0x3f0_0000, m.getInt(zp + 0x218), "ramdisk_image: top of 64 MiB minus 1 MiB");
        assertEquals(0x10_0000, m.getInt(zp + 0x21c), "ramdisk_size");
        assertEquals((short) 0xffff, m.getShort(zp + 0x1fa), "vid_mode normal");
        assertEquals(0x3f0_0000, s.initrdAddress());
        assertArrayEquals(initrd(0x10_0000), m.bytes(0x3f0_0000, 0x10_0000));
        assertArrayEquals((CMDLINE + "\0").getBytes(StandardCharsets.US_ASCII), m.bytes(0x20000, CMDLINE.length() + 1));
    }

    @Test
    void writesE820MapIntoBootParams() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 1, CMDLINE, null));
        long zp = 0x7000;
        assertEquals(3, m.getByte(zp + 0x1e8));
        long[][] expected = {{0, 0x9fc00, 1}, {0x9fc00, 0x60400, 2}, {0x100000, MEM - 0x100000, 1}};
        for (int i = 0; i < expected.length; i++) {
            long e = zp + 0x2d0 + i * 20L;
            assertEquals(expected[i][0], m.getLong(e), "e820[" + i + "].addr");
            assertEquals(expected[i][1], m.getLong(e + 8), "e820[" + i + "].size");
            assertEquals(expected[i][2], m.getInt(e + 16), "e820[" + i + "].type");
        }
        assertEquals(0, m.getInt(zp + 0x218), "no initrd");
    }

    @Test
    void loadsProtectedModeKernelAtOneMiB() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        byte[] image = new TestImages.BzImage().build();
        BootSetup.prepare(m, new BootConfig(LinuxKernel.of(image, EntryKind.BZIMAGE_64, null), MEM, 1, "", null));
        assertEquals((byte) 0xf4, m.getByte(0x100200), "the hlt at the 64-bit entry");
        assertArrayEquals(
                java.util.Arrays.copyOfRange(image, 1024, image.length), m.bytes(0x100000, image.length - 1024));
    }

    @Test
    void setsLongModeRegistersFor64BitEntry() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootState s = BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 1, CMDLINE, null));
        Registers r = s.registers();
        assertEquals(0x100200, r.rip());
        assertEquals(0x7000, r.rsi());
        assertEquals(2, r.rflags());
        SpecialRegisters sr = s.specialRegisters(resetState());
        assertTrue((sr.cr0() & 1) != 0 && (sr.cr0() & (1L << 31)) != 0, "CR0.PE and CR0.PG");
        assertEquals(1L << 5, sr.cr4() & (1L << 5), "CR4.PAE");
        assertEquals((1L << 8) | (1L << 10), sr.efer(), "EFER.LME|LMA");
        assertEquals(0x9000, sr.cr3());
        assertTrue(sr.cs().l() && !sr.cs().db(), "64-bit code segment");
        assertEquals(0x10, sr.cs().selector());
        assertEquals(0x18, sr.ss().selector());
        assertEquals(0x18, sr.ds().selector());
        assertEquals(0xfee00900L, sr.apicBase(), "APIC base kept from the vCPU");
        assertEquals(new DescriptorTable(0x500, 47), sr.gdt());
    }

    @Test
    void writesGdtWithLinuxBootDescriptors() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 1, CMDLINE, null));
        // The values of Linux's GDT_ENTRY_INIT(0xa09b, 0, 0xfffff) and (0xc093, 0, 0xfffff)
        assertEquals(0, m.getLong(0x500));
        assertEquals(0x00af9b000000ffffL, m.getLong(0x510), "__BOOT_CS: 64-bit code");
        assertEquals(0x00cf93000000ffffL, m.getLong(0x518), "__BOOT_DS: flat data");
        assertEquals(0x00008b0000000067L, m.getLong(0x520), "busy TSS, limit 0x67");
    }

    @Test
    void identityMapsTheFirstFourGiBWith2MiBPages() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootState s = BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 1, CMDLINE, null));
        for (long v :
                new long[] {0, 0x7000, 0x100200, 0x3f0_1234L, 0x3fff_ffffL, 0x4000_0000L, 0xdead_beefL, 0xffff_f000L}) {
            assertEquals(v, translate(m, s.cr3(), v), "virtual 0x" + Long.toHexString(v));
        }
    }

    /** A 4-level page walk as the CPU does it, for 2 MiB pages. */
    private static long translate(HeapGuestMemory m, long cr3, long v) {
        long pml4e = m.getLong(cr3 + ((v >>> 39) & 511) * 8);
        assertEquals(3, pml4e & 3, "PML4E present and writable");
        long pdpte = m.getLong((pml4e & 0xf_ffff_ffff_f000L) + ((v >>> 30) & 511) * 8);
        assertEquals(3, pdpte & 3, "PDPTE present and writable");
        assertEquals(0, pdpte & 0x80, "PDPTE points to a page directory");
        long pde = m.getLong((pdpte & 0xf_ffff_ffff_f000L) + ((v >>> 21) & 511) * 8);
        assertEquals(0x83, pde & 0x83, "PDE present, writable, 2 MiB page");
        return (pde & 0xf_ffff_ffe0_0000L) | (v & 0x1f_ffff);
    }

    @Test
    void writesPvhStartInfoWithMemmapCmdlineAndInitrd() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootState s = BootSetup.prepare(m, new BootConfig(pvhKernel(), MEM, 1, CMDLINE, initrd(8192)));
        long si = 0x6000;
        assertEquals(0x336ec578, m.getInt(si), "hvm_start_info magic");
        assertEquals(1, m.getInt(si + 4), "version");
        assertEquals(1, m.getInt(si + 12), "nr_modules");
        assertEquals(0x20000, m.getLong(si + 24), "cmdline_paddr");
        long modlist = m.getLong(si + 16);
        assertEquals(MEM - 8192, m.getLong(modlist), "module paddr");
        assertEquals(8192, m.getLong(modlist + 8), "module size");
        long memmap = m.getLong(si + 40);
        assertEquals(3, m.getInt(si + 48), "memmap_entries");
        assertEquals(0x100000, m.getLong(memmap + 2 * 24));
        assertEquals(MEM - 0x100000, m.getLong(memmap + 2 * 24 + 8));
        assertEquals(1, m.getInt(memmap + 2 * 24 + 16));
        assertEquals(2, m.getInt(memmap + 24 + 16), "EBDA/BIOS area reserved");
        assertEquals(si, s.registers().rbx());
        assertEquals(TestImages.ELF_LOAD_ADDRESS, s.registers().rip());
    }

    @Test
    void setsProtectedModeRegistersForPvh() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootState s = BootSetup.prepare(m, new BootConfig(pvhKernel(), MEM, 1, CMDLINE, null));
        SpecialRegisters sr = s.specialRegisters(resetState());
        assertEquals(1, sr.cr0() & 1, "CR0.PE");
        assertEquals(0, sr.cr0() & (1L << 31), "paging off");
        assertEquals(0, sr.efer());
        assertTrue(sr.cs().db()
                && !sr.cs().l()
                && sr.cs().limit() == 0xffffffff
                && sr.cs().base() == 0);
        assertEquals(0xb, sr.tr().type(), "busy TSS");
        assertEquals(0x00cf9b000000ffffL, m.getLong(0x510), "flat 32-bit code descriptor");
        assertEquals(0, m.getInt(0x6000 + 12), "no modules without an initrd");
    }

    @Test
    void loadsElfSegmentsAndZeroesBss() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        m.fill(TestImages.ELF_LOAD_ADDRESS, 0x200, (byte) 0x55);
        BootState s = BootSetup.prepare(m, new BootConfig(pvhKernel(), MEM, 1, "", null));
        assertArrayEquals(CODE, m.bytes(TestImages.ELF_LOAD_ADDRESS, CODE.length));
        assertArrayEquals(new byte[0x100], m.bytes(TestImages.ELF_LOAD_ADDRESS + CODE.length, 0x100));
        assertEquals(TestImages.ELF_LOAD_ADDRESS + CODE.length + 0x100, s.kernelEnd());
    }

    @Test
    void writesMpTableForTheVcpus() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 4, CMDLINE, null));
        assertEquals(0x5f504d5f, m.getInt(0x9fc00), "_MP_");
        assertEquals(4, MpTableTest.countProcessors(m.bytes(0x9fc00, 1024), 0x9fc00));
    }

    @Test
    void rejectsCommandLineLongerThanTheKernelAccepts() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        String longLine = "x".repeat(256);
        BootException e = assertThrows(
                BootException.class,
                () -> BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 1, longLine, null)));
        assertTrue(e.getMessage().contains("256") && e.getMessage().contains("255"), e.getMessage());
        BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 1, "x".repeat(255), null));
    }

    @Test
    void rejectsPvhCommandLineOver2047Bytes() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        assertThrows(
                BootException.class,
                () -> BootSetup.prepare(m, new BootConfig(pvhKernel(), MEM, 1, "y".repeat(2048), null)));
    }

    @Test
    void rejectsKernelThatDoesNotFitTheMemory() {
        TestImages.BzImage img = new TestImages.BzImage();
        img.initSize = 60 << 20; // runs at 16 MiB, needs up to 76 MiB
        LinuxKernel k = LinuxKernel.of(img.build(), EntryKind.BZIMAGE_64, null);
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootException e =
                assertThrows(BootException.class, () -> BootSetup.prepare(m, new BootConfig(k, MEM, 1, CMDLINE, null)));
        assertTrue(e.getMessage().contains("does not fit") && e.getMessage().contains("64 MiB"), e.getMessage());
    }

    @Test
    void rejectsElfKernelAboveTheMemory() {
        HeapGuestMemory m = new HeapGuestMemory(16 << 20);
        assertThrows(
                BootException.class,
                () -> BootSetup.prepare(m, new BootConfig(pvhKernel(), 16 << 20, 1, CMDLINE, null)));
    }

    @Test
    void rejectsInitrdThatDoesNotFitTheMemory() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        // the kernel occupies 16 MiB + 4 MiB init_size: 44 MiB remain
        BootException e = assertThrows(
                BootException.class,
                () -> BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 1, CMDLINE, new byte[45 << 20])));
        assertTrue(e.getMessage().contains("initrd"), e.getMessage());
        assertEquals(0, m.getByte(0x100200), "checked before the kernel was written");
    }

    @Test
    void keepsInitrdBelowInitrdAddrMax() {
        TestImages.BzImage img = new TestImages.BzImage();
        img.initrdAddrMax = 0x2ff_ffff; // the initrd must end below 48 MiB
        LinuxKernel k = LinuxKernel.of(img.build(), EntryKind.BZIMAGE_64, null);
        BootState s = BootSetup.prepare(new HeapGuestMemory(MEM), new BootConfig(k, MEM, 1, "", new byte[0x1000]));
        assertEquals(0x2ff_f000, s.initrdAddress());
    }

    @Test
    void rejectsZeroVcpus() {
        HeapGuestMemory m = new HeapGuestMemory(MEM);
        BootException e = assertThrows(
                BootException.class,
                () -> BootSetup.prepare(m, new BootConfig(bzImageKernel(), MEM, 0, CMDLINE, null)));
        assertTrue(e.getMessage().contains("vCPUs"), e.getMessage());
        assertFalse(m.getByte(0x100200) == (byte) 0xf4, "nothing was loaded");
    }

    @Test
    void splitsMemoryAroundTheMmioHole() {
        long six = 6L << 30;
        List<E820Entry> map = E820Entry.memoryMap(six);
        E820Entry below = map.get(2);
        E820Entry above = map.get(3);
        assertEquals(0xd000_0000L, below.end());
        assertEquals(0x1_0000_0000L, above.address());
        assertEquals(six - 0xd000_0000L, above.size());
    }
}
