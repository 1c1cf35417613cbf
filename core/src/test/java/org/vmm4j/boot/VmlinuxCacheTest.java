package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmlinuxCacheTest {

    @TempDir
    Path dir;

    private static byte[] bzImage(byte[] elf) {
        TestImages.BzImage img = new TestImages.BzImage();
        img.payload = TestImages.gzip(elf);
        return img.build();
    }

    @Test
    void storesExtractedImageUnderTheSha256OfTheBzImage() {
        byte[] elf = TestImages.elf(new byte[1000], 0, TestImages.ELF_LOAD_ADDRESS, 4);
        byte[] image = bzImage(elf);
        new VmlinuxCache(dir).vmlinux(image);
        String sha = new String(HostTools.run(image, "sha256sum"), StandardCharsets.US_ASCII).substring(0, 64);
        Path stored = dir.resolve(sha + ".vmlinux");
        assertTrue(Files.isRegularFile(stored), "expected " + stored);
        assertArrayEquals(elf, readAll(stored));
    }

    @Test
    void secondLookupReadsTheCacheInsteadOfExtracting() throws Exception {
        byte[] image = bzImage(TestImages.elf(new byte[1000], 0, TestImages.ELF_LOAD_ADDRESS, 4));
        VmlinuxCache cache = new VmlinuxCache(dir);
        cache.vmlinux(image);
        byte[] marked = TestImages.elf(new byte[] {1, 2, 3}, 0, 0x1234_5678L, 4);
        Files.write(cache.pathFor(image), marked);
        assertArrayEquals(marked, cache.vmlinux(image));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary files are left behind");
        }
    }

    @Test
    void unusableCacheDirectoryStillYieldsTheImage() throws Exception {
        Path notADirectory = dir.resolve("file");
        Files.writeString(notADirectory, "x");
        byte[] elf = TestImages.elf(new byte[100], 0, TestImages.ELF_LOAD_ADDRESS, 4);
        assertArrayEquals(elf, new VmlinuxCache(notADirectory.resolve("cache")).vmlinux(bzImage(elf)));
    }

    private static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
