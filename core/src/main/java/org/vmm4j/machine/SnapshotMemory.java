package org.vmm4j.machine;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.vmm4j.GuestMemory;

/**
 * Writes guest RAM to a snapshot's memory file: the RAM regions one after the other, each page at
 * {@code (offset of its region in the file) + (offset in the region)}, and only the pages that hold
 * something; the zero pages are holes (the file is sparse), which read back as zeros when the restored
 * guest touches them.
 */
final class SnapshotMemory {
    static final int PAGE = 4096;
    private static final int CHUNK = 2 << 20;
    private static final byte[] ZERO_PAGE = new byte[PAGE];

    private SnapshotMemory() {}

    /** The number of pages written and the file's length. */
    record Written(long pages, long length) {
        long dataBytes() {
            return pages * PAGE;
        }
    }

    /**
     * Writes {@code ram} into {@code file}, created or emptied first, and forces it to disk.
     *
     * @throws IOException if the file cannot be written
     */
    static Written write(List<GuestMemory> ram, Path file) throws IOException {
        long pages = 0;
        long position = 0;
        byte[] chunk = new byte[CHUNK];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            FileChannel ch = raf.getChannel();
            for (GuestMemory region : ram) {
                long size = region.size();
                for (long offset = 0; offset < size; offset += CHUNK) {
                    int n = (int) Math.min(CHUNK, size - offset);
                    region.read(offset, chunk, 0, n);
                    int run = -1; // start of a run of non-zero pages in chunk
                    for (int p = 0; p <= n; p += PAGE) {
                        boolean zero = p == n || Arrays.equals(chunk, p, p + PAGE, ZERO_PAGE, 0, PAGE);
                        if (!zero && run < 0) {
                            run = p;
                        } else if (zero && run >= 0) {
                            writeFully(ch, ByteBuffer.wrap(chunk, run, p - run), position + offset + run);
                            pages += (p - run) / PAGE;
                            run = -1;
                        }
                    }
                }
                position += size;
            }
            raf.setLength(position); // the trailing zero pages: a hole up to the end
            ch.force(true);
        }
        return new Written(pages, position);
    }

    /**
     * Writes the pages of {@code ram} that {@code pages} marks (one bit per page of the memory file, regions one
     * after the other) into {@code file}, created or emptied first and as long as all of RAM, and forces it to
     * disk: an incremental snapshot's memory. Marked pages that hold only zeros stay holes (the page list says
     * they are part of the layer, and a hole reads back as zeros).
     *
     * @return the pages that held data, and the file's length
     * @throws IOException if the file cannot be written
     */
    static Written writePages(List<GuestMemory> ram, long[] pages, Path file) throws IOException {
        long written = 0;
        long position = 0;
        byte[] page = new byte[PAGE];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            FileChannel ch = raf.getChannel();
            for (GuestMemory region : ram) {
                long first = position / PAGE;
                long count = region.size() / PAGE;
                for (long p = nextMarked(pages, first, first + count);
                        p >= 0;
                        p = nextMarked(pages, p + 1, first + count)) {
                    long offset = (p - first) * PAGE;
                    region.read(offset, page, 0, PAGE);
                    if (!Arrays.equals(page, ZERO_PAGE)) {
                        writeFully(ch, ByteBuffer.wrap(page), position + offset);
                        written++;
                    }
                }
                position += region.size();
            }
            raf.setLength(position);
            ch.force(true);
        }
        return new Written(written, position);
    }

    /** A bitmap of {@code pages} pages, none marked: one bit per page, 64 to a word. */
    static long[] bitmap(long pages) {
        return new long[(int) ((pages + 63) >>> 6)];
    }

    /** Marks {@code page} in {@code bits}. */
    static void mark(long[] bits, long page) {
        bits[(int) (page >>> 6)] |= 1L << (page & 63);
    }

    /** Whether {@code page} is marked in {@code bits}. */
    static boolean isMarked(long[] bits, long page) {
        return (bits[(int) (page >>> 6)] & (1L << (page & 63))) != 0;
    }

    /** The first page from {@code from} (inclusive) to {@code to} (exclusive) marked in {@code bits}, or -1. */
    static long nextMarked(long[] bits, long from, long to) {
        long p = from;
        while (p < to) {
            long word = bits[(int) (p >>> 6)] >>> (p & 63);
            if (word != 0) {
                long found = p + Long.numberOfTrailingZeros(word);
                return found < to ? found : -1;
            }
            p = (p | 63) + 1;
        }
        return -1;
    }

    /**
     * Copies the pages {@code runs} lists ({@code [first page, page count]} pairs over the memory file) from the
     * layer's memory file {@code file} into {@code ram}: an incremental snapshot laid over its parent's memory.
     *
     * @throws IOException if the file cannot be read or is shorter than a run
     */
    static void overlay(List<GuestMemory> ram, long[] runs, Path file) throws IOException {
        byte[] chunk = new byte[CHUNK];
        try (FileChannel ch = FileChannel.open(file)) {
            for (int i = 0; i < runs.length; i += 2) {
                long at = runs[i] * PAGE;
                long end = at + runs[i + 1] * PAGE;
                while (at < end) {
                    int n = (int) Math.min(CHUNK, end - at);
                    ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
                    long p = at;
                    while (b.hasRemaining()) {
                        int r = ch.read(b, p);
                        if (r < 0) {
                            throw new IOException(file + " ends at " + p + ", inside the pages its snapshot lists");
                        }
                        p += r;
                    }
                    writeToRam(ram, at, chunk, n);
                    at += n;
                }
            }
        }
    }

    /** Writes {@code n} bytes of {@code data} at memory-file offset {@code at}, across regions where it must. */
    private static void writeToRam(List<GuestMemory> ram, long at, byte[] data, int n) {
        long regionStart = 0;
        int done = 0;
        for (GuestMemory region : ram) {
            long regionEnd = regionStart + region.size();
            long pos = at + done;
            if (done < n && pos < regionEnd) {
                int len = (int) Math.min(n - done, regionEnd - pos);
                region.write(pos - regionStart, data, done, len);
                done += len;
            }
            regionStart = regionEnd;
        }
        if (done < n) {
            throw new IllegalArgumentException("pages past the end of guest RAM at file offset " + (at + done));
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }
}
