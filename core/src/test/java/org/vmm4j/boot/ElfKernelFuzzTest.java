package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the ELF/PVH loader: {@link ElfKernel#parse} (ELF header, program headers,
 * PT_LOAD segments, the Xen PHYS32_ENTRY note) and what {@link LinuxKernel} does with an ELF vmlinux:
 * choose the PVH or ELF 64-bit entry and place the segments in guest memory. Every input either
 * parses, with each segment's file part inside the image, its memory size at least its file size and
 * its physical range below 2^63, and then either loads into {@link Layout#MMIO_HOLE_ADDRESS} bytes of
 * memory (each write inside it) or is refused, or is refused with a {@link BootException} naming what
 * is wrong, within 2 s and 16 MiB: the loader reads the image in place and keeps one small record per
 * segment (at most 65535 program headers), so the bound catches a buffer sized by a header field.
 * Seeds ({@code ElfKernelFuzzTestInputs/elf}, remade by {@code core/src/test/fuzz/make-kernel-seeds}):
 * our tiny PVH kernel, small gcc-built static ELFs with and without a PVH note, and the first 64 KiB of
 * the vmlinux inside Debian's kernel.
 */
class ElfKernelFuzzTest {
    private static final FuzzCheck CHECK = FuzzCheck.of(Duration.ofSeconds(2), 16L << 20, BootException.class);

    @FuzzTest
    void elf(byte[] input) {
        CHECK.run(SetupHeaderFuzzTest.name(input), () -> {
            ElfKernel elf = ElfKernel.parse(input);
            assertFalse(elf.segments().isEmpty(), "a parsed kernel has a segment to load");
            long lowest = elf.lowestAddress();
            long end = elf.end();
            for (ElfKernel.Segment s : elf.segments()) {
                assertTrue(s.fileOffset() >= 0 && s.fileSize() >= 0, () -> s + " has a file part");
                assertTrue(s.fileOffset() + s.fileSize() <= input.length, () -> s + " lies inside the image");
                assertTrue(
                        s.memorySize() >= s.fileSize() && s.memorySize() > 0, () -> s + " has room for its file part");
                assertTrue(s.physicalAddress() >= 0 && s.end() >= s.physicalAddress(), () -> s + " does not wrap");
                assertTrue(lowest <= s.physicalAddress() && s.end() <= end, () -> "the bounds cover " + s);
            }
            assertSame(input, elf.image(), "the image is read in place");

            // The PVH entry when the note is there, else the ELF 64-bit entry; both load the same segments.
            EntryKind entry = elf.pvhEntry().isPresent() ? EntryKind.PVH : EntryKind.ELF_64;
            LinuxKernel kernel = LinuxKernel.of(input, entry, null);
            assertEquals(entry, kernel.entry());
            assertEquals(elf.segments(), kernel.elf().orElseThrow().segments(), "the kernel loads what was parsed");
            assertEquals(entry == EntryKind.PVH ? elf.pvhEntry().getAsLong() : elf.entryPoint(), kernel.entryAddress());
            SizeOnlyGuestMemory memory = new SizeOnlyGuestMemory(Layout.MMIO_HOLE_ADDRESS);
            assertEquals(end, kernel.requireFits(memory));
            assertTrue(lowest >= Layout.HIGH_MEMORY_ADDRESS, "the kernel stays above the boot data");
            kernel.loadInto(memory); // SizeOnlyGuestMemory fails on any write outside it or the image
            long loaded = 0;
            for (ElfKernel.Segment s : elf.segments()) {
                loaded += s.memorySize();
            }
            assertEquals(loaded, memory.bytesWritten(), "each segment's memory is written once");
        });
    }
}
