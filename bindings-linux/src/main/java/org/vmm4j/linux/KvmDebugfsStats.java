package org.vmm4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.vmm4j.StatDescriptor;
import org.vmm4j.VmmException;
import org.vmm4j.spi.AbstractStats;

/**
 * KVM statistics from debugfs ({@code /sys/kernel/debug/kvm/<pid>-<fd>/}), for kernels without
 * KVM_GET_STATS_FD. Each poll reads and parses one text file per statistic, so it allocates; debugfs
 * says nothing about types or units, so they are reported as {@code UNKNOWN}/{@code NONE}. Files the
 * kernel refuses to read (lockdown makes most of them EPERM) are left out of the descriptors.
 */
final class KvmDebugfsStats extends AbstractStats {
    static final Path ROOT = Path.of("/sys/kernel/debug/kvm");

    private final Path[] files;
    private final long[][] values;

    KvmDebugfsStats(Path dir) {
        this(dir, readListing(dir));
    }

    private KvmDebugfsStats(Path dir, Listing listing) {
        super(Source.DEBUGFS, dir.toString(), listing.descriptors());
        this.files = listing.files();
        this.values = listing.values();
    }

    /** The readable statistics of a directory, with their values when it was listed. */
    @SuppressWarnings("ArrayRecordComponent") // one listing of a directory, never compared or hashed
    private record Listing(List<StatDescriptor> descriptors, Path[] files, long[][] values) {}

    private static Listing readListing(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new VmmException(
                    "stat(" + dir + ")",
                    0,
                    "KVM debugfs statistics directory " + dir
                            + " does not exist (is debugfs mounted on /sys/kernel/debug?)");
        }
        List<Path> found;
        try (Stream<Path> s = Files.list(dir)) {
            found = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        List<StatDescriptor> list = new ArrayList<>();
        List<Path> readable = new ArrayList<>();
        List<long[]> current = new ArrayList<>();
        for (Path f : found) {
            long[] v = read(f);
            if (v == null) {
                continue;
            }
            list.add(new StatDescriptor(
                    f.getFileName().toString(),
                    v.length > 1 ? StatDescriptor.Type.LINEAR_HISTOGRAM : StatDescriptor.Type.UNKNOWN,
                    StatDescriptor.Unit.NONE,
                    StatDescriptor.Base.POW10,
                    0,
                    v.length,
                    0));
            readable.add(f);
            current.add(v);
        }
        return new Listing(list, readable.toArray(Path[]::new), current.toArray(long[][]::new));
    }

    /** The directory KVM created for VM fd {@code vmFd}, named after the creating thread's id. */
    static Path vmDirectory(int creatorTid, int vmFd) {
        return ROOT.resolve(creatorTid + "-" + vmFd);
    }

    /** A file's numbers, or null when it is not a statistic (unreadable or not numeric). */
    private static long[] read(Path f) {
        try {
            String[] parts = Files.readString(f).trim().split("\\s+");
            long[] v = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                v[i] = Long.parseLong(parts[i]);
            }
            return v;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    @Override
    protected void read() {
        for (int i = 0; i < files.length; i++) {
            long[] v = read(files[i]);
            if (v == null) {
                throw new VmmException(
                        "read(" + files[i] + ")",
                        0,
                        "KVM debugfs statistic " + files[i] + " vanished (was the VM closed?)");
            }
            values[i] = v;
        }
    }

    @Override
    protected long value(int key, int element) {
        return values[key][element];
    }

    @Override
    protected void release() {
        // nothing is held open between polls
    }
}
