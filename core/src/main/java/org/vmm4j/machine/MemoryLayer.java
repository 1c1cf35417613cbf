package org.vmm4j.machine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.vmm4j.StateSection;

/**
 * What makes a snapshot incremental: the snapshot it was taken after (its parent, by a path relative to this
 * snapshot's directory and the SHA-256 of the parent's state file) and the pages of guest RAM its memory file
 * holds, as runs over the memory file's pages. The other pages are the parent's. Saved as the state section
 * {@value #SECTION} of owner {@value #OWNER}; a full snapshot has none.
 *
 * @param parent       the parent's directory relative to this snapshot's, {@code /}-separated
 * @param parentDigest the SHA-256 the parent's state file ends with
 * @param runs         {@code [first page, page count]} pairs, ascending and apart
 */
@SuppressWarnings("ArrayRecordComponent") // package-private: the bytes are never handed out to users
record MemoryLayer(String parent, byte[] parentDigest, long[] runs) {
    static final String OWNER = "memory";
    static final String SECTION = "memory.layer";
    private static final int VERSION = 1;

    MemoryLayer {
        Objects.requireNonNull(parent, "parent");
        parentDigest = parentDigest.clone();
        runs = runs.clone();
    }

    /** The layer of the pages {@code pages} marks (one bit per memory-file page, {@code totalPages} in all). */
    static MemoryLayer of(String parent, byte[] parentDigest, long[] pages, long totalPages) {
        List<Long> runs = new ArrayList<>();
        long p = SnapshotMemory.nextMarked(pages, 0, totalPages);
        while (p >= 0) {
            long end = p + 1;
            while (end < totalPages && SnapshotMemory.isMarked(pages, end)) {
                end++;
            }
            runs.add(p);
            runs.add(end - p);
            p = end < totalPages ? SnapshotMemory.nextMarked(pages, end, totalPages) : -1;
        }
        return new MemoryLayer(
                parent, parentDigest, runs.stream().mapToLong(Long::longValue).toArray());
    }

    /** The pages the layer holds. */
    long pageCount() {
        long n = 0;
        for (int i = 1; i < runs.length; i += 2) {
            n += runs[i];
        }
        return n;
    }

    StateSection toSection() {
        StateEncoder out = new StateEncoder(SECTION, VERSION)
                .string(parent)
                .bytes(parentDigest)
                .i32(runs.length / 2);
        for (long r : runs) {
            out.i64(r);
        }
        return out.toSection();
    }

    /**
     * Reads the section, checking it against a guest of {@code memorySize} bytes.
     *
     * @throws IllegalArgumentException naming what is wrong: no parent, a digest that is not 32 bytes, runs that
     *     are empty, out of order, overlapping or past the end of guest RAM
     */
    static MemoryLayer read(StateSection section, long memorySize) {
        StateDecoder in = new StateDecoder(section, SECTION, VERSION);
        String parent = in.string();
        byte[] digest = in.bytes();
        long totalPages = memorySize / SnapshotMemory.PAGE;
        int count = in.i32("memory run count", 0, (int) Math.min(Integer.MAX_VALUE / 2, (totalPages + 1) / 2));
        long[] runs = new long[count * 2];
        long next = 0;
        for (int i = 0; i < count; i++) {
            long first = in.i64();
            long pages = in.i64();
            if (first < next || pages <= 0 || pages > totalPages - first) {
                throw new IllegalArgumentException("memory run " + i + " (pages " + first + " +" + pages
                        + ") is empty, overlaps the one before or ends past the guest's " + totalPages + " pages");
            }
            runs[2 * i] = first;
            runs[2 * i + 1] = pages;
            next = first + pages;
        }
        in.end();
        if (parent.isEmpty() || parent.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an incremental snapshot's parent directory is empty or not a path");
        }
        if (digest.length != SnapshotFile.DIGEST_BYTES) {
            throw new IllegalArgumentException(
                    "the parent's checksum is " + digest.length + " bytes, not " + SnapshotFile.DIGEST_BYTES);
        }
        return new MemoryLayer(parent, digest, runs);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryLayer m
                && parent.equals(m.parent)
                && Arrays.equals(parentDigest, m.parentDigest)
                && Arrays.equals(runs, m.runs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(parent, Arrays.hashCode(parentDigest), Arrays.hashCode(runs));
    }

    @Override
    public String toString() {
        return "MemoryLayer[parent " + parent + ", " + runs.length / 2 + " runs, " + pageCount() + " pages]";
    }
}
