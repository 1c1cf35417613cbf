package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

/** Images whose features the reader does not implement are refused by name, never read as wrong data. */
class Qcow2FeatureTest {
    @TempDir
    Path dir;

    private Path qemuImage(String name, String... options) {
        Path image = dir.resolve(name);
        List<String> argv = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "qcow2"));
        argv.addAll(List.of(options));
        argv.addAll(List.of(image.toString(), "1M"));
        // A LUKS key slot makes qemu-img time PBKDF2 with the thread's CPU clock, which on these hosts can
        // read the same value before and after ("Unable to get accurate CPU usage"): that alone is retried.
        for (int attempt = 1; attempt < 5; attempt++) {
            ExternalTool.Result r = ExternalTool.run(argv);
            if (r.exitCode() == 0) {
                return image;
            }
            if (!r.stderr().contains("Unable to get accurate CPU usage")) {
                break;
            }
        }
        ExternalTool.ok(argv);
        return image;
    }

    private static void assertRefused(Path image, String expected) {
        ImageException e =
                assertThrows(ImageException.class, () -> Qcow2Image.open(image).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains(image.toString()), "names the file: " + e.getMessage());
    }

    @Test
    @RequiresHost(tools = "qemu-img")
    void refusesExtendedL2ImagesQemuImgMade() {
        assertRefused(qemuImage("ext.qcow2", "-o", "extended_l2=on"), "qcow2 feature extended_l2 is not supported");
    }

    @Test
    @RequiresHost(tools = "qemu-img")
    void refusesZstdCompressedImagesQemuImgMade() {
        assertRefused(
                qemuImage("zstd.qcow2", "-o", "compression_type=zstd"),
                "qcow2 feature compression_type=zstd is not supported");
    }

    @Test
    @RequiresHost(tools = "qemu-img")
    void refusesLuksEncryptedImagesQemuImgMadeButStillReportsTheirSize() {
        Path image = qemuImage(
                "luks.qcow2",
                "--object",
                "secret,id=sec0,data=secret",
                "-o",
                "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10");
        assertRefused(image, "qcow2 feature encryption (crypt_method 2, LUKS) is not supported");
        assertEquals(1 << 20, Qcow2Image.virtualSizeOf(image), "the size alone is still readable, for overlays");
    }

    @Test
    @RequiresHost(tools = "qemu-img")
    void refusesImagesWithAnExternalDataFileQemuImgMade() {
        assertRefused(
                qemuImage("ext-data.qcow2", "-o", "data_file=" + dir.resolve("data.raw")),
                "qcow2 feature external_data_file is not supported");
    }

    @Test
    void refusesAesEncryptionZstdCorruptAndUnknownBitsSetByHand() throws IOException {
        assertRefused(
                patched("aes.qcow2", 32, 4, 1), "qcow2 feature encryption (crypt_method 1, AES) is not supported");
        assertRefused(patched("crypt9.qcow2", 32, 4, 9), "qcow2 feature encryption (unknown crypt_method 9)");
        assertRefused(patched("corrupt.qcow2", 72, 8, 1L << 1), "qcow2 image is marked corrupt");
        assertRefused(patched("datafile.qcow2", 72, 8, 1L << 2), "qcow2 feature external_data_file");
        assertRefused(patched("ext.qcow2", 72, 8, 1L << 4), "qcow2 feature extended_l2 is not supported");
        assertRefused(
                patched("unknown.qcow2", 72, 8, 1L << 20),
                "qcow2 feature unknown incompatible feature bits 0x100000 is not supported");
        Path zstd = patched("zstd.qcow2", 72, 8, 1L << 3);
        patch(zstd, 100, 4, 112); // header_length: room for the compression_type byte
        patch(zstd, 104, 1, 1); // compression_type 1: zstd
        assertRefused(zstd, "qcow2 feature compression_type=zstd is not supported");
    }

    @Test
    void readsADirtyImageButRefusesItsPossiblyStaleRefcounts() throws IOException {
        Path image = patched("dirty.qcow2", 72, 8, 1L);
        try (Qcow2Image qcow = Qcow2Image.open(image)) {
            byte[] back = new byte[4096];
            qcow.read(0, back);
            assertArrayEquals(new byte[4096], back);
            ImageException e = assertThrows(ImageException.class, () -> qcow.refcount(0));
            assertTrue(e.getMessage().contains("dirty"), e.getMessage());
        }
    }

    @Test
    void zlibCompressionTypeWithItsBitSetIsRead() throws IOException {
        Path image = patched("zlib.qcow2", 72, 8, 1L << 3);
        patch(image, 100, 4, 112);
        try (Qcow2Image qcow = Qcow2Image.open(image)) {
            assertEquals(0, qcow.header().compressionType());
            assertEquals(1, qcow.refcount(0));
        }
    }

    /** A fresh 1 MiB image of ours with {@code length} big-endian bytes at {@code offset} set to {@code value}. */
    private Path patched(String name, int offset, int length, long value) throws IOException {
        Path image = Qcow2Writer.create(
                dir.resolve(name), Qcow2Options.builder(1 << 20).build());
        patch(image, offset, length, value);
        return image;
    }

    private static void patch(Path image, int offset, int length, long value) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        for (int i = length - 1; i >= 0; i--) {
            b.put(length - 1 - i, (byte) (value >>> (8 * i)));
        }
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.write(b, offset);
        }
    }
}
