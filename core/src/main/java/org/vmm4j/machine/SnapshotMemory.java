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

    private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }
}
