package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskImagesTest {

    @Test
    void rawImageIsRoundedUpToWholeMegabytes(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("d.img");
        DiskImages.createRaw(disk, (10L << 20) + 1);
        assertEquals(11L << 20, Files.size(disk));
    }

    @Test
    void refusesToOverwriteAnImage(@TempDir Path dir) throws Exception {
        Path disk = Files.writeString(dir.resolve("d.img"), "data");
        assertThrows(RuntimeException.class, () -> DiskImages.createRaw(disk, 1 << 20));
        assertEquals("data", Files.readString(disk));
    }

    @Test
    void createsQcow2ImagesAndOverlaysRoundedToMegabytes(@TempDir Path dir) throws Exception {
        Path base = dir.resolve("base.qcow2");
        DiskImages.createQcow2(base, (1L << 30) + 1, null);
        try (org.vmm4j.image.Qcow2Image image = org.vmm4j.image.Qcow2Image.open(base)) {
            assertEquals((1L << 30) + (1 << 20), image.header().virtualSize());
        }
        Path overlay = dir.resolve("overlay.qcow2");
        DiskImages.createQcow2(overlay, 0, base);
        try (org.vmm4j.image.Qcow2Image image = org.vmm4j.image.Qcow2Image.open(overlay)) {
            assertEquals((1L << 30) + (1 << 20), image.header().virtualSize(), "an overlay takes the base's size");
            assertEquals(java.util.Optional.of(base.toString()), image.header().backingFile());
        }
        assertThrows(RuntimeException.class, () -> DiskImages.createQcow2(overlay, 1 << 20, null), "no overwrite");
    }
}
