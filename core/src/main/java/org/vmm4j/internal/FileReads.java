package org.vmm4j.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** Reads a whole input file and, when that fails, says why in words rather than by exception class. */
public final class FileReads {

    private FileReads() {}

    /**
     * The bytes of {@code file}.
     *
     * @param what what the file is, for the message ("kernel", "initrd")
     * @throws UncheckedIOException {@code cannot read <what> <file>: <reason>}, the reason being "no such
     *         file", "permission denied", "it is a directory" or the system's own message
     */
    public static byte[] readAll(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new UncheckedIOException(
                    "cannot read " + what + " " + file + ": it is a directory",
                    new IOException(file + " is a directory"));
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what + " " + file + ": " + reason(e), e);
        }
    }

    /**
     * Why an I/O operation on a file failed, in words ("no such file", "permission denied", "file exists",
     * "not a directory", "directory not empty", or the system's own reason or message), never the
     * exception's class name when anything better is known.
     */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "file exists";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof FileSystemException f) {
            // its message repeats the file name; only the reason, when the system gave one, says why
            return f.getReason() == null || f.getReason().isBlank() ? "input/output error" : f.getReason();
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
