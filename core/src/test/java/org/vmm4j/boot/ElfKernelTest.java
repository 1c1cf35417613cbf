package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ElfKernelTest {

    private static final byte[] CODE = {(byte) 0xf4, (byte) 0xeb, (byte) 0xfd};

    @Test
    void findsPvhEntryWithFourByteDescriptor() {
        ElfKernel k = ElfKernel.parse(TestImages.elf(CODE, 0, 0x100_0040L, 4));
        assertEquals(0x100_0040L, k.pvhEntry().getAsLong());
    }

    @Test
    void findsPvhEntryWithEightByteDescriptor() {
        ElfKernel k = ElfKernel.parse(TestImages.elf(CODE, 0, 0x100_0080L, 8));
        assertEquals(0x100_0080L, k.pvhEntry().getAsLong());
    }

    @Test
    void reportsNoPvhEntryWithoutTheNote() {
        assertTrue(ElfKernel.parse(TestImages.elf(CODE, 0, -1, 0)).pvhEntry().isEmpty());
    }

    @Test
    void describesLoadSegmentIncludingBss() {
        ElfKernel k = ElfKernel.parse(TestImages.elf(CODE, 0x1000, -1, 0));
        assertEquals(1, k.segments().size());
        ElfKernel.Segment s = k.segments().get(0);
        assertEquals(TestImages.ELF_LOAD_ADDRESS, s.physicalAddress());
        assertEquals(CODE.length, s.fileSize());
        assertEquals(CODE.length + 0x1000, s.memorySize());
        assertEquals(TestImages.ELF_LOAD_ADDRESS + CODE.length + 0x1000, k.end());
    }

    @Test
    void rejectsTruncatedElf() {
        byte[] elf = TestImages.elf(new byte[256], 0, 0x100_0000L, 4);
        byte[] cut = Arrays.copyOf(elf, elf.length - 100);
        BootException e = assertThrows(BootException.class, () -> ElfKernel.parse(cut));
        assertTrue(e.getMessage().contains("outside the image"), e.getMessage());
    }

    @Test
    void rejectsElfForAnotherMachine() {
        byte[] elf = TestImages.elf(CODE, 0, -1, 0);
        elf[18] = (byte) 183; // EM_AARCH64
        BootException e = assertThrows(BootException.class, () -> ElfKernel.parse(elf));
        assertTrue(e.getMessage().contains("not x86-64"), e.getMessage());
    }

    @Test
    void rejects32BitElf() {
        byte[] elf = TestImages.elf(CODE, 0, -1, 0);
        elf[4] = 1; // ELFCLASS32
        assertThrows(BootException.class, () -> ElfKernel.parse(elf));
    }

    /** Offset of the first program header in {@link TestImages#elf}. */
    private static final int PH = 64;

    private static byte[] elfWith(int offset, long value) {
        byte[] elf = TestImages.elf(CODE, 0x1000, -1, 0);
        ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN).putLong(offset, value);
        return elf;
    }

    private static BootException rejected(byte[] elf) {
        return assertThrows(BootException.class, () -> ElfKernel.parse(elf));
    }

    @Test
    void rejectsProgramHeaderOffsetNearLongMax() {
        BootException e = rejected(elfWith(32, Long.MAX_VALUE - 10));
        assertTrue(e.getMessage().contains("program headers"), e.getMessage());
        assertTrue(e.getMessage().contains("outside the"), e.getMessage());
    }

    @Test
    void rejectsSegmentOffsetNearLongMax() {
        BootException e = rejected(elfWith(PH + 8, Long.MAX_VALUE - 1));
        assertTrue(e.getMessage().contains("ELF segment 0"), e.getMessage());
        assertTrue(e.getMessage().contains("offset 0x7ffffffffffffffe"), e.getMessage());
        assertTrue(e.getMessage().contains("outside the"), e.getMessage());
    }

    @Test
    void rejectsSegmentFileSizeNearLongMax() {
        BootException e = rejected(elfWith(PH + 32, Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("outside the"), e.getMessage());
    }

    @Test
    void callsFileSizeAboveMemorySizeMalformedNotTruncated() {
        byte[] elf = elfWith(PH + 40, 1); // p_memsz 1 < p_filesz 3
        BootException e = rejected(elf);
        assertTrue(e.getMessage().contains("p_filesz 0x3"), e.getMessage());
        assertTrue(e.getMessage().contains("exceeds its memory size (p_memsz 0x1)"), e.getMessage());
        assertFalse(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void rejectsLoadAddressBeyondPhysicalAddressSpace() {
        BootException e = rejected(elfWith(PH + 24, 0xffff_ffff_0000_0000L));
        assertTrue(e.getMessage().contains("0xffffffff00000000"), e.getMessage());
        assertTrue(e.getMessage().contains("beyond any guest-physical address"), e.getMessage());
        assertFalse(e.getMessage().contains("below 1 MiB"), e.getMessage());
    }

    @Test
    void rejectsSegmentWhoseEndOverflows() {
        byte[] elf = elfWith(PH + 40, Long.MAX_VALUE - 0x10);
        BootException e = rejected(elf);
        assertTrue(e.getMessage().contains("beyond any guest-physical address"), e.getMessage());
    }
}
