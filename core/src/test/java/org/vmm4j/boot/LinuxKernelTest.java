package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxKernelTest {

    @TempDir
    Path dir;

    private static final byte[] CODE = {(byte) 0xf4};

    private static byte[] bzImageCarrying(byte[] elf) {
        TestImages.BzImage img = new TestImages.BzImage();
        img.payload = TestImages.gzip(elf);
        return img.build();
    }

    @Test
    void rejectsFileThatIsNeitherBzImageNorElf() throws Exception {
        byte[] junk = new byte[100_000];
        new Random(3).nextBytes(junk);
        Path file = dir.resolve("junk");
        Files.write(file, junk);
        BootException e = assertThrows(BootException.class, () -> LinuxKernel.load(file, null, null));
        assertTrue(e.getMessage().contains("neither a bzImage") && e.getMessage().contains(file.toString()),
                e.getMessage());
    }

    @Test
    void rejectsBzImageWithoutPvhNoteWhenPvhIsAskedFor() {
        byte[] image = bzImageCarrying(TestImages.elf(CODE, 0, -1, 0));
        BootException e = assertThrows(BootException.class, () -> LinuxKernel.of(image, EntryKind.PVH, null));
        assertTrue(e.getMessage().contains("XEN_ELFNOTE_PHYS32_ENTRY"), e.getMessage());
    }

    @Test
    void choosesPvhForBzImageWithPvhNote() {
        byte[] image = bzImageCarrying(TestImages.elf(CODE, 0, TestImages.ELF_LOAD_ADDRESS, 4));
        LinuxKernel k = LinuxKernel.of(image, null, null);
        assertEquals(EntryKind.PVH, k.entry());
        assertEquals(TestImages.ELF_LOAD_ADDRESS, k.elf().orElseThrow().pvhEntry().getAsLong());
    }

    @Test
    void fallsBackTo64BitEntryForBzImageWithoutPvhNote() {
        byte[] image = bzImageCarrying(TestImages.elf(CODE, 0, -1, 0));
        LinuxKernel k = LinuxKernel.of(image, null, null);
        assertEquals(EntryKind.BZIMAGE_64, k.entry());
        assertEquals(255, k.maxCommandLineLength());
    }

    @Test
    void keeps64BitEntryWhenAskedEvenWithPvhNote() {
        byte[] image = bzImageCarrying(TestImages.elf(CODE, 0, TestImages.ELF_LOAD_ADDRESS, 4));
        assertEquals(EntryKind.BZIMAGE_64, LinuxKernel.of(image, EntryKind.BZIMAGE_64, null).entry());
    }

    @Test
    void bootsElfThroughPvh() {
        LinuxKernel k = LinuxKernel.of(TestImages.elf(CODE, 0, TestImages.ELF_LOAD_ADDRESS, 8), null, null);
        assertEquals(EntryKind.PVH, k.entry());
        assertEquals(LinuxKernel.PVH_CMDLINE_MAX, k.maxCommandLineLength());
    }

    @Test
    void rejectsElfWhen64BitBzImageEntryIsAskedFor() {
        byte[] elf = TestImages.elf(CODE, 0, TestImages.ELF_LOAD_ADDRESS, 8);
        assertThrows(BootException.class, () -> LinuxKernel.of(elf, EntryKind.BZIMAGE_64, null));
    }

    @Test
    void rejectsElfWithoutPvhNote() {
        byte[] elf = TestImages.elf(CODE, 0, -1, 0);
        BootException e = assertThrows(BootException.class, () -> LinuxKernel.of(elf, null, null));
        assertTrue(e.getMessage().contains("CONFIG_PVH"), e.getMessage());
    }

    @Test
    void usesTheCacheForExtraction() throws Exception {
        byte[] image = bzImageCarrying(TestImages.elf(CODE, 0, TestImages.ELF_LOAD_ADDRESS, 4));
        VmlinuxCache cache = new VmlinuxCache(dir.resolve("cache"));
        LinuxKernel.of(image, EntryKind.PVH, cache);
        assertTrue(Files.isRegularFile(cache.pathFor(image)));
    }
}
