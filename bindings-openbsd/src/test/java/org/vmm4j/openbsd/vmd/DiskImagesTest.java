package org.vmm4j.openbsd.vmd;

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
        assertThrows(IllegalArgumentException.class, () -> DiskImages.createRaw(disk, 1 << 20));
        assertEquals("data", Files.readString(disk));
    }

    @Test
    void qcow2WaitsForCoresWriter(@TempDir Path dir) {
        assertThrows(UnsupportedOperationException.class,
                () -> DiskImages.createQcow2(dir.resolve("d.qcow2"), 1 << 30, null));
    }
}
