package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.HexFormat;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the bzImage setup header ({@link SetupHeader#parse}) and of what {@link
 * LinuxKernel} does with a bzImage booted through its 64-bit entry: placing it in guest memory. Every
 * input either parses, with every field the loader uses inside the image (header end, setup sectors,
 * payload) and a power-of-two alignment, and then loads into {@link Layout#MMIO_HOLE_ADDRESS} bytes
 * of memory below the MMIO hole exactly as large as its protected-mode part, or is refused with a
 * {@link BootException} naming what is wrong, within 2 s and 16 MiB: parsing reads the image in place
 * and copies at most the header (under 1 KiB), so the bound catches a copy or buffer sized by a field
 * of the header. Seeds ({@code SetupHeaderFuzzTestInputs/bzImage}, remade by {@code
 * core/src/test/fuzz/make-kernel-seeds}): the first 16 KiB of Debian's kernel, our tiny kernel, and
 * synthetic bzImages of every payload compression.
 */
class SetupHeaderFuzzTest {
    private static final FuzzCheck CHECK = FuzzCheck.of(Duration.ofSeconds(2), 16L << 20, BootException.class);

    @FuzzTest
    void bzImage(byte[] input) {
        CHECK.run(name(input), () -> {
            SetupHeader header = SetupHeader.parse(input);
            assertTrue(header.headerEnd() <= input.length, "the header ends inside the image");
            assertTrue(header.protectedModeOffset() < input.length, "the protected-mode part starts inside the image");
            long pmSize = (long) input.length - header.protectedModeOffset();
            assertTrue(
                    header.payloadLength() == 0 || header.payloadOffset() + header.payloadLength() <= pmSize,
                    "the payload lies inside the protected-mode part");
            assertTrue(
                    header.kernelAlignment() == 0 || Long.bitCount(header.kernelAlignment()) == 1,
                    "the alignment is a power of two");
            assertEquals(
                    header.headerEnd() - SetupHeader.OFFSET_SETUP_SECTS,
                    SetupHeader.rawHeader(input, header).length,
                    "boot_params gets the header's bytes");

            LinuxKernel kernel = LinuxKernel.of(input, EntryKind.BZIMAGE_64, null);
            assertEquals(header, kernel.setupHeader().orElseThrow(), "the kernel keeps the header it parsed");
            assertEquals(header.cmdlineSize(), kernel.maxCommandLineLength());
            SizeOnlyGuestMemory memory = new SizeOnlyGuestMemory(Layout.MMIO_HOLE_ADDRESS);
            long end = kernel.requireFits(memory);
            assertTrue(
                    end >= Layout.KERNEL_LOAD_ADDRESS + pmSize && end <= memory.size(),
                    "the kernel's end 0x" + Long.toHexString(end) + " covers its image and fits the memory");
            long runAddress = Math.max(Layout.KERNEL_LOAD_ADDRESS, header.prefAddress());
            assertTrue(
                    header.prefAddress() >= 0 && runAddress + header.initSize() <= end,
                    "the kernel's end 0x" + Long.toHexString(end) + " covers init_size at pref_address");
            kernel.loadInto(memory);
            assertEquals(pmSize, memory.bytesWritten(), "the protected-mode part is what is loaded");
        });
    }

    static String name(byte[] input) {
        return input.length + " bytes " + HexFormat.of().formatHex(input, 0, Math.min(input.length, 16));
    }
}
