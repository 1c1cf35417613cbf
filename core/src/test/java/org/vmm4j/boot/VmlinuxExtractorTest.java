package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmm4j.testsupport.HostRequirements;

class VmlinuxExtractorTest {

    /** An ELF with a few hundred KiB of mixed data, so every compressor has real work. */
    private static byte[] sampleElf() {
        byte[] code = new byte[300_000];
        Random r = new Random(42);
        for (int i = 0; i < code.length; i++) {
            code[i] = (byte) (i % 7 == 0 ? r.nextInt(256) : i % 251);
        }
        return TestImages.elf(code, 0x2000, TestImages.ELF_LOAD_ADDRESS, 8);
    }

    private static byte[] bzImageWith(byte[] payload) {
        TestImages.BzImage img = new TestImages.BzImage();
        img.payload = payload;
        return img.build();
    }

    private static void assertExtracts(String program, String... command) {
        HostRequirements.requireTools(program);
        byte[] elf = sampleElf();
        byte[] compressed = HostTools.run(elf, command);
        byte[] image = bzImageWith(TestImages.withSizeSuffix(compressed, elf.length));
        assertArrayEquals(elf, VmlinuxExtractor.extract(image));
    }

    @Test
    void extractsGzipPayload() {
        byte[] elf = sampleElf();
        assertArrayEquals(elf, VmlinuxExtractor.extract(bzImageWith(TestImages.gzip(elf))));
    }

    @Test
    void extractsXzPayloadWithX86Filter() {
        assertExtracts("xz", "xz", "--check=crc32", "--x86", "--lzma2=preset=6", "-c");
    }

    @Test
    void extractsZstdPayload() {
        assertExtracts("zstd", "zstd", "-19", "-q", "-c");
    }

    @Test
    void extractsLz4LegacyPayload() {
        assertExtracts("lz4", "lz4", "-l", "-9", "-q", "-c");
    }

    @Test
    void extractsBzip2Payload() {
        assertExtracts("bzip2", "bzip2", "-9", "-c");
    }

    @Test
    void extractsLzmaPayload() {
        assertExtracts("xz", "xz", "--format=lzma", "-9", "-c");
    }

    @Test
    void detectsFormatsByMagic() {
        byte[] xz = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0};
        assertEquals(VmlinuxExtractor.Compression.XZ, VmlinuxExtractor.detect(xz, 0, xz.length));
        byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
        assertEquals(VmlinuxExtractor.Compression.ZSTD, VmlinuxExtractor.detect(zstd, 0, zstd.length));
    }

    @Test
    void rejectsUnknownCompression() {
        byte[] payload = TestImages.withSizeSuffix(new byte[] {'L', 'Z', 'O', '?', 1, 2, 3, 4}, 100);
        BootException e = assertThrows(BootException.class, () -> VmlinuxExtractor.extract(bzImageWith(payload)));
        assertTrue(e.getMessage().contains("unsupported compression"), e.getMessage());
    }

    @Test
    void rejectsCorruptPayload() {
        byte[] gz = TestImages.gzip(sampleElf());
        for (int i = 20; i < gz.length - 20; i += 97) {
            gz[i] ^= 0x5a;
        }
        BootException e = assertThrows(BootException.class, () -> VmlinuxExtractor.extract(bzImageWith(gz)));
        assertTrue(e.getMessage().contains("GZIP"), e.getMessage());
    }

    @Test
    void rejectsPayloadThatIsNotAnElf() {
        byte[] text = new byte[5000];
        assertThrows(BootException.class, () -> VmlinuxExtractor.extract(bzImageWith(TestImages.gzip(text))));
    }

    @Test
    void rejectsBzImageWithoutPayload() {
        BootException e =
                assertThrows(BootException.class, () -> VmlinuxExtractor.extract(new TestImages.BzImage().build()));
        assertTrue(e.getMessage().contains("no compressed payload"), e.getMessage());
    }

    @Test
    void extractsDebianKernelToElfWithPvhNote() throws Exception {
        Path kernel = HostRequirements.debianKernel();
        byte[] elf = VmlinuxExtractor.extract(Files.readAllBytes(kernel));
        ElfKernel k = ElfKernel.parse(elf);
        assertTrue(k.pvhEntry().isPresent(), "Debian kernels are built with CONFIG_PVH");
        long entry = k.pvhEntry().getAsLong();
        assertTrue(
                entry >= k.lowestAddress() && entry < k.end(),
                "PVH entry 0x" + Long.toHexString(entry) + " lies inside the kernel's segments");
        assertTrue(k.lowestAddress() >= Layout.HIGH_MEMORY_ADDRESS);
    }
}
