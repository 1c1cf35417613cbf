package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testing.HeapGuestMemory;
import org.vmm4j.testsupport.HostRequirements;

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
        assertTrue(
                e.getMessage().contains("neither a bzImage") && e.getMessage().contains(file.toString()),
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
        assertEquals(
                TestImages.ELF_LOAD_ADDRESS, k.elf().orElseThrow().pvhEntry().getAsLong());
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
        assertEquals(
                EntryKind.BZIMAGE_64,
                LinuxKernel.of(image, EntryKind.BZIMAGE_64, null).entry());
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

    @Test
    void fallsBackTo64BitEntryWhenThePayloadCannotBeExtracted() {
        TestImages.BzImage img = new TestImages.BzImage();
        img.payload = TestImages.withSizeSuffix(new byte[] {(byte) 0x89, 'L', 'Z', 'O', 0, 0}, 1000);
        assertEquals(
                EntryKind.BZIMAGE_64, LinuxKernel.of(img.build(), null, null).entry());
        BootException e = assertThrows(BootException.class, () -> LinuxKernel.of(img.build(), EntryKind.PVH, null));
        assertTrue(
                e.getMessage().contains("PVH") && e.getMessage().contains("unsupported compression"), e.getMessage());
    }

    @Test
    void parsesEntryNamesOfTheCommandLine() {
        assertEquals(EntryKind.PVH, EntryKind.fromName("PVH"));
        assertEquals(EntryKind.BZIMAGE_64, EntryKind.fromName("bzimage64"));
        assertThrows(IllegalArgumentException.class, () -> EntryKind.fromName("uefi"));
    }

    @Test
    void loadsDebianKernelThroughPvhAndPlacesItInMemory() throws Exception {
        Path kernel = HostRequirements.debianKernel();
        LinuxKernel k = LinuxKernel.load(kernel, null, new VmlinuxCache(dir));
        assertEquals(EntryKind.PVH, k.entry());
        ElfKernel elf = k.elf().orElseThrow();
        int mem = 256 << 20;
        HeapGuestMemory m = new HeapGuestMemory(mem);
        BootState s = BootSetup.prepare(m, new BootConfig(k, mem, 2, "console=ttyS0", new byte[4096]));
        long entry = elf.pvhEntry().getAsLong();
        assertEquals(entry, s.registers().rip());
        ElfKernel.Segment seg = elf.segments().stream()
                .filter(x -> entry >= x.physicalAddress() && entry < x.physicalAddress() + x.fileSize())
                .findFirst()
                .orElseThrow();
        byte[] vmlinux = Files.readAllBytes(new VmlinuxCache(dir).pathFor(Files.readAllBytes(kernel)));
        int fileOffset = (int) (seg.fileOffset() + entry - seg.physicalAddress());
        assertEquals(
                java.util.Arrays.toString(java.util.Arrays.copyOfRange(vmlinux, fileOffset, fileOffset + 32)),
                java.util.Arrays.toString(m.bytes(entry, 32)),
                "the PVH entry code is in guest memory");
        assertTrue(s.initrdAddress() >= s.kernelEnd(), "initrd above the kernel");
    }

    @Test
    void saysAMissingKernelFileDoesNotExist() {
        Path missing = dir.resolve("no-such-vmlinuz");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> LinuxKernel.load(missing, null, null));
        assertEquals("cannot read kernel " + missing + ": no such file", e.getMessage());
    }

    @Test
    void saysAKernelPathIsADirectory() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> LinuxKernel.load(dir, null, null));
        assertEquals("cannot read kernel " + dir + ": it is a directory", e.getMessage());
    }

    @Test
    void refusesAPrefAddressBeyondGuestMemory() {
        // pref_address + init_size used to wrap below zero, so requireFits said such a kernel fits
        TestImages.BzImage img = new TestImages.BzImage();
        img.prefAddress = 0x7fff_ffff_ffff_f000L;
        LinuxKernel k = LinuxKernel.of(img.build(), EntryKind.BZIMAGE_64, null);
        BootException e = assertThrows(
                BootException.class, () -> k.requireFits(new SizeOnlyGuestMemory(Layout.MMIO_HOLE_ADDRESS)));
        assertEquals("bzImage pref_address 0x7ffffffffffff000 lies beyond any guest memory", e.getMessage());
    }
}
