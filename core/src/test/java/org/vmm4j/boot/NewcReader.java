package org.vmm4j.boot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A cpio "newc" reader written for the tests from the format's description (the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst), independent of the encoder the code
 * under test uses: a 110-byte header of the magic {@code 070701} and 13 eight-digit hex fields, the
 * name with its NUL padded to a multiple of 4, the data padded the same, and a {@code TRAILER!!!} entry.
 */
final class NewcReader {

    @SuppressWarnings("ArrayRecordComponent") // test data, compared with assertArrayEquals
    record Entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) {}

    private NewcReader() {}

    /** Every entry before the trailer; throws AssertionError where the bytes break the format. */
    static List<Entry> read(byte[] archive) {
        List<Entry> entries = new ArrayList<>();
        int at = 0;
        while (true) {
            if (at + 110 > archive.length) {
                throw new AssertionError("archive ends inside a header at " + at + " (no TRAILER!!!)");
            }
            String magic = new String(archive, at, 6, StandardCharsets.US_ASCII);
            if (!magic.equals("070701")) {
                throw new AssertionError("no newc magic at " + at + ": " + magic);
            }
            int mode = field(archive, at, 1);
            int fileSize = field(archive, at, 6);
            int rdevMajor = field(archive, at, 9);
            int rdevMinor = field(archive, at, 10);
            int nameSize = field(archive, at, 11);
            if (archive[at + 110 + nameSize - 1] != 0) {
                throw new AssertionError("name at " + (at + 110) + " does not end in NUL");
            }
            String name = new String(archive, at + 110, nameSize - 1, StandardCharsets.UTF_8);
            int dataAt = align4(at + 110 + nameSize);
            if (name.equals("TRAILER!!!")) {
                return entries;
            }
            entries.add(new Entry(
                    name, mode, rdevMajor, rdevMinor, Arrays.copyOfRange(archive, dataAt, dataAt + fileSize)));
            at = align4(dataAt + fileSize);
        }
    }

    /** The names, in archive order. */
    static List<String> names(byte[] archive) {
        return read(archive).stream().map(Entry::name).toList();
    }

    /** The entry called {@code name}. */
    static Entry entry(byte[] archive, String name) {
        return read(archive).stream()
                .filter(e -> e.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + names(archive)));
    }

    private static int field(byte[] archive, int header, int index) {
        int from = header + 6 + 8 * index;
        return (int) Long.parseLong(new String(archive, from, 8, StandardCharsets.US_ASCII), 16);
    }

    private static int align4(int offset) {
        return (offset + 3) & ~3;
    }
}
