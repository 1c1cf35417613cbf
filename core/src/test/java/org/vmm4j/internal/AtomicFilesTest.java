package org.vmm4j.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replacesTheContentAndLeavesOnlyTheTarget() throws IOException {
        Path target = Files.writeString(dir.resolve("guest.conf"), "old content, longer than the new one\n");

        AtomicFiles.write(target, "new\n");

        assertEquals("new\n", Files.readString(target));
        assertEquals(List.of("guest.conf"), names());
    }

    @Test
    void createsAMissingTarget() throws IOException {
        Path target = dir.resolve("vmlinux-abc");
        byte[] content = {0x7f, 'E', 'L', 'F', 0, 1, 2};

        AtomicFiles.write(target, content);

        assertArrayEquals(content, Files.readAllBytes(target));
        assertEquals(List.of("vmlinux-abc"), names());
    }

    @Test
    void writesIntoAHiddenTemporaryFileInTheTargetsDirectoryUntilTheRename() throws IOException {
        Path target = Files.writeString(dir.resolve("vm.conf"), "old");
        List<String> seenWhileWriting = new ArrayList<>();

        AtomicFiles.replace(target, channel -> {
            channel.write(ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8)), 0);
            seenWhileWriting.addAll(names());
            seenWhileWriting.add(Files.readString(target));
        });

        assertEquals(3, seenWhileWriting.size(), seenWhileWriting.toString());
        String temp = seenWhileWriting.get(0);
        assertTrue(temp.startsWith(".vm.conf.") && temp.endsWith(".tmp"), temp);
        assertEquals("vm.conf", seenWhileWriting.get(1));
        assertEquals("old", seenWhileWriting.get(2), "readers see the old content while the new one is written");
        assertEquals("new", Files.readString(target));
        assertEquals(List.of("vm.conf"), names());
    }

    @Test
    void aFailingWriterLeavesTheTargetUntouchedAndNoTemporaryFile() throws IOException {
        Path target = Files.writeString(dir.resolve("definition.guest"), "kept");
        IOException diskFull = new IOException("disk full");

        IOException thrown = assertThrows(
                IOException.class,
                () -> AtomicFiles.replace(target, channel -> {
                    channel.write(ByteBuffer.wrap(new byte[8192]));
                    throw diskFull;
                }));

        assertSame(diskFull, thrown);
        assertEquals("kept", Files.readString(target));
        assertEquals(List.of("definition.guest"), names());
    }

    @Test
    void aWriterThrowingAnUncheckedExceptionLeavesNothingBehindEither() throws IOException {
        Path target = dir.resolve("new.img");

        assertThrows(
                IllegalStateException.class,
                () -> AtomicFiles.replace(target, channel -> {
                    channel.write(ByteBuffer.wrap(new byte[16]));
                    throw new IllegalStateException("bad image");
                }));

        assertFalse(Files.exists(target));
        assertEquals(List.of(), names());
    }

    @Test
    void aReplacedFileKeepsItsPermissionsAndANewOneGetsTheRequestedOnes() throws IOException {
        assumeTrue(
                FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "the default file system has no POSIX permissions");
        Path existing = Files.writeString(dir.resolve("rc.conf"), "a=1\n");
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-r-----"));
        Path fresh = dir.resolve("vm.conf");

        AtomicFiles.write(existing, "a=2\n");
        AtomicFiles.replace(
                fresh,
                PosixFilePermissions.fromString("rw-r--r--"),
                channel -> channel.write(ByteBuffer.wrap("vm \"a\" {}\n".getBytes(StandardCharsets.UTF_8))));

        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(existing)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        assertEquals("a=2\n", Files.readString(existing));
    }

    @Test
    void aTargetNameAtTheFileSystemsLimitStillGetsATemporaryFile() throws IOException {
        Path target = dir.resolve("x".repeat(255));

        AtomicFiles.write(target, "long name");

        assertEquals("long name", Files.readString(target));
        assertEquals(List.of("x".repeat(255)), names());
    }

    @Test
    void moveReplacesTheTargetWithACompleteFile() throws IOException {
        Path partial = Files.createDirectories(dir.resolve("partial")).resolve("abc.part");
        Files.writeString(partial, "downloaded");
        Path blob = Files.createDirectories(dir.resolve("sha256")).resolve("abc");
        Files.writeString(blob, "stale");

        AtomicFiles.move(partial, blob);

        assertEquals("downloaded", Files.readString(blob));
        assertFalse(Files.exists(partial));
    }

    @Test
    void aMissingDirectoryFailsWithoutCreatingIt() {
        Path target = dir.resolve("no-such-dir").resolve("file");

        assertThrows(IOException.class, () -> AtomicFiles.write(target, "x"));

        assertFalse(Files.exists(target.getParent()));
    }
}
