package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backing chain that reaches the image being written is refused before anything is deleted or written. */
class Qcow2BackingLoopTest {
    @TempDir
    Path dir;

    private Path base() {
        return Qcow2Writer.create(
                dir.resolve("base.qcow2"), Qcow2Options.builder(1 << 20).build());
    }

    private static void assertRefusedAndIntact(Path image, Path backing, String expected) throws IOException {
        byte[] before = Files.readAllBytes(image);
        ImageException e = assertThrows(
                ImageException.class, () -> Qcow2Writer.createOverlay(image, backing, 0, CreateMode.OVERWRITE));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(image), "the image is untouched");
        try (Qcow2Image qcow = Qcow2Image.open(image)) {
            assertEquals(1 << 20, qcow.header().virtualSize());
        }
    }

    @Test
    void refusesAnOverlayOnItself() throws IOException {
        Path base = base();
        assertRefusedAndIntact(base, base, "reaches the image being written (a backing loop)");
        assertFalse(Files.exists(dir.resolve("base.qcow2.tmp")));
    }

    @Test
    void refusesTheSameFileUnderAnotherNameASymlinkOrAHardLink() throws IOException {
        Path base = base();
        Files.createDirectory(dir.resolve("sub"));
        assertRefusedAndIntact(base, dir.resolve("sub/../base.qcow2"), "backing loop");
        Path symlink = Files.createSymbolicLink(dir.resolve("link.qcow2"), base);
        assertRefusedAndIntact(base, symlink, "backing loop");
        assertRefusedAndIntact(symlink, base, "backing loop");
        Path hardLink = Files.createLink(dir.resolve("hard.qcow2"), base);
        assertRefusedAndIntact(base, hardLink, "backing loop");
    }

    @Test
    void refusesAChainThatReachesTheImageThroughAnotherOverlay() throws IOException {
        Path base = base();
        Path middle = Qcow2Writer.createOverlay(dir.resolve("middle.qcow2"), base, 0, CreateMode.FAIL_IF_EXISTS);
        Path top = Qcow2Writer.createOverlay(dir.resolve("top.qcow2"), middle, 0, CreateMode.FAIL_IF_EXISTS);
        assertRefusedAndIntact(base, top, top + " -> " + middle + " -> " + base + " reaches the image being written");
    }

    @Test
    void refusesAChainThatAlreadyLoops() throws IOException {
        Path raw = RawDisk.create(dir.resolve("c.qcow2"), 1 << 20, CreateMode.FAIL_IF_EXISTS);
        Path a = Qcow2Writer.createOverlay(dir.resolve("a.qcow2"), raw, 0, CreateMode.FAIL_IF_EXISTS);
        Path b = Qcow2Writer.createOverlay(dir.resolve("b.qcow2"), a, 0, CreateMode.FAIL_IF_EXISTS);
        Files.move(b, raw, StandardCopyOption.REPLACE_EXISTING); // c now backs onto a, which backs onto c
        Path fresh = dir.resolve("fresh.qcow2");
        ImageException e = assertThrows(
                ImageException.class, () -> Qcow2Writer.createOverlay(fresh, a, 0, CreateMode.FAIL_IF_EXISTS));
        assertTrue(e.getMessage().contains("loops back to " + a), e.getMessage());
        assertFalse(Files.exists(fresh), "nothing was created");
    }

    @Test
    void refusesABackingFileOptionNamingTheImageItselfRelatively() throws IOException {
        Path base = base();
        byte[] before = Files.readAllBytes(base);
        Qcow2Options options = Qcow2Options.builder(1 << 20)
                .backingFile("base.qcow2", DiskFormat.QCOW2)
                .createMode(CreateMode.OVERWRITE)
                .build();
        ImageException e = assertThrows(ImageException.class, () -> Qcow2Writer.create(base, options));
        assertTrue(e.getMessage().contains("backing loop"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(base));
    }

    @Test
    void stillWritesOverlaysOnOtherImages() throws IOException {
        Path base = base();
        Path other = Qcow2Writer.create(
                dir.resolve("other.qcow2"), Qcow2Options.builder(2 << 20).build());
        Qcow2Writer.createOverlay(other, base, 0, CreateMode.OVERWRITE);
        try (Qcow2Image qcow = Qcow2Image.open(other)) {
            assertEquals(base.toString(), qcow.header().backingFile().orElseThrow());
            assertEquals(1 << 20, qcow.header().virtualSize());
        }
    }
}
