package org.vmm4j.machine;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.vmm4j.GuestMemory;

/**
 * A snapshot and the snapshots its memory lies on: an incremental snapshot names its parent, which may be
 * incremental too, down to a full one. Resolving reads and checks every state file of the chain (each parent must
 * be there, with the checksum its child recorded, and with the same amount of RAM), before anything is built.
 */
final class SnapshotChain {
    /** The longest chain followed: a guard against a loop of directories or a runaway series of increments. */
    static final int MAX_DEPTH = 64;

    /** One snapshot of the chain: its directory and its state file, with the memory layer if incremental. */
    record Link(Path dir, SnapshotFile.Loaded loaded) {}

    private final List<Link> links;

    private SnapshotChain(List<Link> links) {
        this.links = List.copyOf(links);
    }

    /**
     * The chain of the snapshot in {@code dir}, checked.
     *
     * @throws SnapshotException naming the snapshot and what is wrong: a state file that does not read, a parent
     *     that is missing, was replaced since (its checksum differs), has another amount of RAM, or a chain that
     *     loops or is longer than {@value #MAX_DEPTH}
     */
    static SnapshotChain resolve(Path dir) {
        List<Link> newestFirst = new ArrayList<>();
        Path at = dir.toAbsolutePath().normalize();
        SnapshotFile.Loaded loaded = SnapshotFile.load(at);
        long memory = loaded.contents().config().memorySize();
        while (true) {
            for (Link seen : newestFirst) {
                if (seen.dir().equals(at)) {
                    throw new SnapshotException("the snapshot " + dir + " lies on a chain that loops at " + at);
                }
            }
            Optional<MemoryLayer> layer = loaded.layer();
            newestFirst.add(new Link(at, loaded));
            if (layer.isEmpty()) {
                break;
            }
            if (newestFirst.size() >= MAX_DEPTH) {
                throw new SnapshotException("the snapshot " + dir + " lies on more than " + MAX_DEPTH
                        + " incremental snapshots; take a full snapshot");
            }
            Path parent = at.resolve(layer.get().parent()).normalize();
            SnapshotFile.Loaded above;
            try {
                above = SnapshotFile.load(parent);
            } catch (SnapshotException e) {
                throw new SnapshotException(
                        "the incremental snapshot " + at + " lies on " + parent + ", which cannot be used: "
                                + e.getMessage(),
                        e);
            }
            if (!MessageDigest.isEqual(above.digest(), layer.get().parentDigest())) {
                throw new SnapshotException("the incremental snapshot " + at + " lies on " + parent
                        + ", which was replaced or changed since it was taken (its checksum differs)");
            }
            if (above.contents().config().memorySize() != memory) {
                throw new SnapshotException("the incremental snapshot " + at + " has " + memory + " bytes of RAM, its"
                        + " parent " + parent + " " + above.contents().config().memorySize());
            }
            at = parent;
            loaded = above;
        }
        Collections.reverse(newestFirst);
        return new SnapshotChain(newestFirst);
    }

    /** The snapshots, the full one first and the one asked for last. */
    List<Link> links() {
        return links;
    }

    /** The snapshot asked for: its state is what a restore puts back. */
    Link newest() {
        return links.get(links.size() - 1);
    }

    /** The memory file guest RAM is mapped from: the full snapshot's. */
    Path baseMemory() {
        return links.get(0).dir().resolve(SnapshotFile.MEMORY_FILE);
    }

    /** Whether the directory {@code dir} is one of the chain's. */
    boolean contains(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        return links.stream().anyMatch(l -> l.dir().equals(d));
    }

    /**
     * Lays the pages of every incremental snapshot, oldest first, over {@code ram}, mapped from {@link
     * #baseMemory()}. Pages outside the layers stay mapped from the file, unread.
     *
     * @throws SnapshotException naming the memory file that cannot be read
     */
    void overlay(List<GuestMemory> ram) {
        for (Link link : links.subList(1, links.size())) {
            Path file = link.dir().resolve(SnapshotFile.MEMORY_FILE);
            try {
                SnapshotMemory.overlay(ram, link.loaded().layer().orElseThrow().runs(), file);
            } catch (IOException e) {
                throw new SnapshotException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
