package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;
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

    /** Bytes the calling thread allocated while running {@code action}. */
    private static long allocatedBy(Runnable action) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void aLyingSizeTrailerCostsMemoryOnlyForTheDataThere() {
        // 512 MiB declared, a few KiB of gzip: the output buffer used to be allocated at the declared size
        byte[] elf = TestImages.elf(new byte[4096], 0, -1, 4);
        byte[] compressed = TestImages.gzip(elf);
        byte[] image = bzImageWith(TestImages.withSizeSuffix(compressed, 512 << 20));
        long allocated = allocatedBy(() -> {
            BootException e = assertThrows(BootException.class, () -> VmlinuxExtractor.extract(image));
            assertTrue(e.getMessage().contains("decompressed to " + elf.length + " bytes"), e.getMessage());
        });
        assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
    }

    @Test
    void refusesAnXzDictionaryLargerThanTheKernelCouldNeed() throws IOException {
        byte[] elf = TestImages.elf(new byte[4096], 0, -1, 4);
        ByteArrayOutputStream xz = new ByteArrayOutputStream();
        try (XZOutputStream out = new XZOutputStream(xz, new LZMA2Options(), XZ.CHECK_CRC32)) {
            out.write(elf);
        }
        byte[] stream = xz.toByteArray();
        // Block header after the 12-byte stream header: size, flags, filter id 0x21, props size 1, the
        // dictionary-size byte; then padding and its CRC32. 36 asks for a 1 GiB dictionary.
        int block = 12;
        int headerSize = ((stream[block] & 0xff) + 1) * 4;
        assertEquals(0x21, stream[block + 2]);
        stream[block + 4] = 36;
        CRC32 crc = new CRC32();
        crc.update(stream, block, headerSize - 4);
        ByteBuffer.wrap(stream, block + headerSize - 4, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) crc.getValue());
        byte[] image = bzImageWith(TestImages.withSizeSuffix(stream, elf.length));
        long allocated = allocatedBy(() -> {
            BootException e = assertThrows(BootException.class, () -> VmlinuxExtractor.extract(image));
            assertTrue(e.getMessage().contains("corrupt XZ kernel payload"), e.getMessage());
            assertTrue(e.getMessage().contains("MemoryLimitException"), e.getMessage());
        });
        assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
    }

    @Test
    void refusesAnLzmaDictionaryLargerThanTheKernelCouldNeed() throws IOException {
        byte[] elf = TestImages.elf(new byte[4096], 0, -1, 4);
        ByteArrayOutputStream lzma = new ByteArrayOutputStream();
        try (LZMAOutputStream out = new LZMAOutputStream(lzma, new LZMA2Options(), -1)) {
            out.write(elf);
        }
        byte[] stream = lzma.toByteArray();
        // .lzma header: properties byte, dictionary size (4 bytes LE), uncompressed size (-1: unknown)
        ByteBuffer.wrap(stream, 1, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x6000_0000);
        byte[] image = bzImageWith(TestImages.withSizeSuffix(stream, elf.length));
        long allocated = allocatedBy(() -> {
            BootException e = assertThrows(BootException.class, () -> VmlinuxExtractor.extract(image));
            assertTrue(e.getMessage().contains("corrupt LZMA kernel payload"), e.getMessage());
            assertTrue(e.getMessage().contains("MemoryLimitException"), e.getMessage());
        });
        assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
    }
}
