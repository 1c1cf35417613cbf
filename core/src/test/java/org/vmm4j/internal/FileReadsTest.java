package org.vmm4j.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileReadsTest {

    @TempDir
    Path dir;

    @Test
    void readsTheWholeFile() throws IOException {
        Path file = dir.resolve("initrd");
        Files.write(file, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, FileReads.readAll(file, "initrd"));
    }

    @Test
    void namesEachReasonInWords() {
        assertEquals("no such file", FileReads.reason(new NoSuchFileException("/x")));
        assertEquals("permission denied", FileReads.reason(new AccessDeniedException("/x")));
        assertEquals("file exists", FileReads.reason(new FileAlreadyExistsException("/x")));
        assertEquals("not a directory", FileReads.reason(new NotDirectoryException("/x")));
        assertEquals("directory not empty", FileReads.reason(new DirectoryNotEmptyException("/x")));
        // the caller names the file; the reason alone says why
        assertEquals("Input/output error", FileReads.reason(new FileSystemException("/x", null, "Input/output error")));
        assertEquals("input/output error", FileReads.reason(new FileSystemException("/x")));
        assertEquals("IOException", FileReads.reason(new IOException()));
    }
}
