package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
