package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NewImageFileTest {
    @TempDir
    Path dir;

    @Test
    void aFileWhoseWritingFailsIsRemovedAndTheErrorNamesIt() {
        Path target = dir.resolve("half.img");
        ImageException e = assertThrows(
                ImageException.class,
                () -> NewImageFile.create(target, CreateMode.FAIL_IF_EXISTS, "test image", ch -> {
                    NewImageFile.writeFully(ch, ByteBuffer.wrap(new byte[4096]), 0);
                    throw new IOException("disk full");
                }));
        assertTrue(e.getMessage().contains(target.toString()) && e.getMessage().contains("disk full"), e.getMessage());
        assertFalse(Files.exists(target), "no half-written image is left behind");
    }

    @Test
    void aFailedOverwriteAttemptLeavesTheExistingFileAlone() throws Exception {
        Path target = Files.writeString(dir.resolve("keep.img"), "keep");
        assertThrows(
                ImageException.class,
                () -> NewImageFile.create(
                        target,
                        CreateMode.FAIL_IF_EXISTS,
                        "test image",
                        ch -> NewImageFile.writeFully(ch, ByteBuffer.wrap(new byte[1]), 0)));
        assertEquals("keep", Files.readString(target));
    }

    @Test
    void anOverwriteThatFailsHalfwayKeepsTheOldImageAndLeavesNoOtherFile() throws Exception {
        Path target = Files.writeString(dir.resolve("disk.img"), "old image");
        ImageException e = assertThrows(
                ImageException.class,
                () -> NewImageFile.create(target, CreateMode.OVERWRITE, "test image", ch -> {
                    NewImageFile.writeFully(ch, ByteBuffer.wrap(new byte[4096]), 0);
                    throw new IOException("disk full");
                }));
        assertTrue(e.getMessage().startsWith("cannot write test image"), e.getMessage());
        assertEquals("old image", Files.readString(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void missingDirectoryIsReportedAsACreateFailure() {
        Path target = dir.resolve("no-such-dir").resolve("x.img");
        ImageException e =
                assertThrows(ImageException.class, () -> RawDisk.create(target, 1 << 20, CreateMode.FAIL_IF_EXISTS));
        assertTrue(e.getMessage().startsWith("cannot create raw image"), e.getMessage());
    }
}
