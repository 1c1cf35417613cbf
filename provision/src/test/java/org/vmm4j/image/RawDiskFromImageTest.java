package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

/** Raw disks made from images (for bhyve): byte-identical to what qemu-img sees in the source. */
class RawDiskFromImageTest {

    /** 3 MiB: random data, a zero MiB in the middle, then text. */
    private static byte[] sample() {
        byte[] data = new byte[3 << 20];
        new Random(42).nextBytes(data);
        Arrays.fill(data, 1 << 20, 2 << 20, (byte) 0);
        byte[] tail = "the end of the disk".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(tail, 0, data, data.length - tail.length, tail.length);
        return data;
    }

    private static byte[] head(Path file, int length) throws Exception {
        return Arrays.copyOf(Files.readAllBytes(file), length);
    }

    @Test
    void copiesARawImageAndGrowsIt(@TempDir Path dir) throws Exception {
        byte[] data = sample();
        Path src = Files.write(dir.resolve("src.raw"), data);
        Path disk = RawDisk.fromImage(src, dir.resolve("disk.raw"), 8 << 20, CreateMode.FAIL_IF_EXISTS);
        assertEquals(8 << 20, Files.size(disk));
        assertArrayEquals(data, head(disk, data.length));
        byte[] rest = Arrays.copyOfRange(Files.readAllBytes(disk), data.length, 8 << 20);
        assertTrue(allZero(rest), "grown part reads as zeros");
    }

    @Test
    @RequiresHost(tools = "qemu-img")
    void convertsCompressedAndPlainQcow2MadeByQemuImg(@TempDir Path dir) throws Exception {
        byte[] data = sample();
        Path src = Files.write(dir.resolve("src.raw"), data);
        for (boolean compressed : new boolean[] {true, false}) {
            Path qcow2 = dir.resolve("src-" + compressed + ".qcow2");
            List<String> argv = compressed
                    ? List.of("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", src.toString(), qcow2.toString())
                    : List.of("qemu-img", "convert", "-f", "raw", "-O", "qcow2", src.toString(), qcow2.toString());
            ExternalTool.ok(argv);
            Path disk =
                    RawDisk.fromImage(qcow2, dir.resolve("disk-" + compressed + ".raw"), 0, CreateMode.FAIL_IF_EXISTS);
            assertEquals(data.length, Files.size(disk));
            assertArrayEquals(
                    data, Files.readAllBytes(disk), compressed ? "compressed clusters inflated" : "plain clusters");
        }
    }

    @Test
    void refusesOverlaysSmallerSizesAndExistingTargets(@TempDir Path dir) throws Exception {
        Path base = Qcow2Writer.create(
                dir.resolve("base.qcow2"), Qcow2Options.builder(1 << 20).build());
        Path overlay = Qcow2Writer.createOverlay(dir.resolve("over.qcow2"), base, 0, CreateMode.FAIL_IF_EXISTS);
        var e = assertThrows(
                ImageException.class,
                () -> RawDisk.fromImage(overlay, dir.resolve("a.raw"), 0, CreateMode.FAIL_IF_EXISTS));
        assertTrue(e.getMessage().contains("overlay"), e.getMessage());
        Path raw = Files.write(dir.resolve("r.raw"), new byte[4096]);
        assertThrows(
                IllegalArgumentException.class,
                () -> RawDisk.fromImage(raw, dir.resolve("b.raw"), 512, CreateMode.FAIL_IF_EXISTS));
        Path existing = Files.writeString(dir.resolve("c.raw"), "keep me");
        assertThrows(ImageException.class, () -> RawDisk.fromImage(raw, existing, 0, CreateMode.FAIL_IF_EXISTS));
        assertEquals("keep me", Files.readString(existing));
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
