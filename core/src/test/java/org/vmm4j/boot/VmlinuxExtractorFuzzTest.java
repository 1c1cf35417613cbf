package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the vmlinux extractor: {@link VmlinuxExtractor#extract} (setup header,
 * payload location, format detection, the gzip, xz, zstd, lz4, bzip2 and lzma decoders and the size
 * trailer) and {@link LinuxKernel#of} choosing an entry for a bzImage. Every input either extracts to
 * an ELF image exactly as long as the payload's size trailer declares, or is refused with a {@link
 * BootException} naming what is wrong; {@code LinuxKernel.of} with no entry asked for then boots the
 * vmlinux through PVH if it has the note, else falls back to the bzImage's 64-bit entry. Each input gets 2 s and 160 MiB:
 * decompression here is capped at {@link #MAX_VMLINUX} (16 MiB) of output, which with the growing
 * output buffer's copies costs under 48 MiB, and the xz and lzma decoders' dictionaries are limited to
 * the declared size (at most 16 MiB here) plus their fixed state; so the bound catches a buffer sized by
 * a declared length instead of by the data. Seeds ({@code VmlinuxExtractorFuzzTestInputs/bzImage},
 * remade by {@code core/src/test/fuzz/make-kernel-seeds}): synthetic bzImages of a small gcc-built
 * vmlinux with each compression, and our tiny kernel.
 */
class VmlinuxExtractorFuzzTest {
    static final int MAX_VMLINUX = 16 << 20;

    private static final FuzzCheck CHECK = FuzzCheck.of(Duration.ofSeconds(2), 160L << 20, BootException.class);

    @FuzzTest
    void bzImage(byte[] input) {
        CHECK.run(SetupHeaderFuzzTest.name(input), () -> {
            byte[] vmlinux = VmlinuxExtractor.extract(input, MAX_VMLINUX);
            assertTrue(ElfKernel.looksLikeElf(vmlinux), "an extracted vmlinux is an ELF image");
            SetupHeader header = SetupHeader.parse(input);
            int end = (int) (header.protectedModeOffset() + header.payloadOffset() + header.payloadLength());
            long declared = ByteBuffer.wrap(input, end - 4, 4)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getInt()
                    & 0xffff_ffffL;
            assertEquals(declared, vmlinux.length, "the vmlinux is as long as the size trailer says");

            // With no entry asked for, the vmlinux is booted through PVH if it can be, else the bzImage
            // through its own 64-bit entry: a vmlinux that is not a kernel never fails the boot.
            EntryKind expected;
            try {
                expected = ElfKernel.parse(vmlinux).pvhEntry().isPresent() ? EntryKind.PVH : EntryKind.BZIMAGE_64;
            } catch (BootException e) {
                expected = EntryKind.BZIMAGE_64;
            }
            assertEquals(expected, LinuxKernel.of(input, null, null).entry());
        });
    }
}
