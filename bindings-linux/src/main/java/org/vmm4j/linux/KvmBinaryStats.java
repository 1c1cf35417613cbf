package org.vmm4j.linux;

import static org.vmm4j.linux.abi.KvmHeader.*;

import java.util.ArrayList;
import java.util.List;
import org.vmm4j.StatDescriptor;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.KvmStructs.StatsDesc;
import org.vmm4j.linux.abi.KvmStructs.StatsHeader;
import org.vmm4j.spi.AbstractStats;

/**
 * KVM's binary statistics (KVM_GET_STATS_FD, Linux 5.14+): the header and descriptors are read once
 * when the fd is opened; each {@link #poll()} is a single {@code pread} of the whole data block into a
 * buffer allocated here, and {@link #get} reads from that buffer.
 */
final class KvmBinaryStats extends AbstractStats {
    private final Libc libc;
    private final int fd;
    private final String id;
    /** Byte offset of each statistic's first value inside the data block. */
    private final long[] offsets;

    private final long dataOffset;
    private final NativeMemory data;

    /** Takes ownership of {@code fd}: it is closed on failure and by {@link #close()}. */
    KvmBinaryStats(Libc libc, int fd) {
        this(libc, fd, readLayout(libc, fd));
    }

    private KvmBinaryStats(Libc libc, int fd, Layout layout) {
        super(Source.BINARY_FD, layout.id(), layout.descriptors());
        this.libc = libc;
        this.fd = fd;
        this.id = layout.id();
        this.offsets = layout.offsets();
        this.dataOffset = layout.dataOffset();
        this.data = layout.data();
    }

    /** The header, the descriptors and a buffer for the data block, read once when the fd is opened. */
    @SuppressWarnings("ArrayRecordComponent") // read once when the fd opens, never compared or hashed
    private record Layout(
            String id, List<StatDescriptor> descriptors, long[] offsets, long dataOffset, NativeMemory data) {}

    /** Reads the layout; closes {@code fd} when it cannot. */
    private static Layout readLayout(Libc libc, int fd) {
        try (NativeMemory header = libc.access().allocate(StatsHeader.SIZE)) {
            readFully(libc, fd, header, 0, StatsHeader.SIZE, 0);
            int nameSize = header.getInt(StatsHeader.NAME_SIZE);
            int count = header.getInt(StatsHeader.NUM_DESC);
            long idOffset = header.getUnsignedInt(StatsHeader.ID_OFFSET);
            long descOffset = header.getUnsignedInt(StatsHeader.DESC_OFFSET);
            long dataOffset = header.getUnsignedInt(StatsHeader.DATA_OFFSET);
            String id;
            try (NativeMemory idBuffer = libc.access().allocate(nameSize)) {
                readFully(libc, fd, idBuffer, 0, nameSize, idOffset);
                id = idBuffer.getString(0);
            }
            int descSize = StatsDesc.SIZE + nameSize;
            List<StatDescriptor> list = new ArrayList<>(count);
            long[] offsets = new long[count];
            long dataSize = 0;
            try (NativeMemory descs = libc.access().allocate(Math.max(1, (long) count * descSize))) {
                readFully(libc, fd, descs, 0, (long) count * descSize, descOffset);
                for (int i = 0; i < count; i++) {
                    long at = (long) i * descSize;
                    int flags = descs.getInt(at + StatsDesc.FLAGS);
                    int size = descs.getUnsignedShort(at + StatsDesc.SIZE_FIELD);
                    StatDescriptor d = new StatDescriptor(
                            descs.getString(at + StatsDesc.NAME).trim(),
                            type(flags),
                            unit(flags),
                            (flags & KVM_STATS_BASE_MASK) == KVM_STATS_BASE_POW2
                                    ? StatDescriptor.Base.POW2
                                    : StatDescriptor.Base.POW10,
                            descs.getShort(at + StatsDesc.EXPONENT),
                            size,
                            descs.getInt(at + StatsDesc.BUCKET_SIZE));
                    offsets[i] = descs.getUnsignedInt(at + StatsDesc.OFFSET);
                    dataSize = Math.max(dataSize, offsets[i] + 8L * size);
                    list.add(d);
                }
            }
            return new Layout(id, list, offsets, dataOffset, libc.access().allocate(Math.max(8, dataSize)));
        } catch (RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    private static void readFully(
            Libc libc, int fd, NativeMemory buffer, long bufferOffset, long length, long fileOffset) {
        long done = 0;
        while (done < length) {
            long n = libc.pread(fd, buffer, bufferOffset + done, length - done, fileOffset + done);
            if (n == -Errno.EINTR) {
                continue;
            }
            Errno.check(n, "pread(KVM stats fd)");
            if (n == 0) {
                throw new org.vmm4j.VmmException(
                        "pread(KVM stats fd)",
                        0,
                        "KVM stats fd ended after " + done + " of " + length + " bytes at offset " + fileOffset);
            }
            done += n;
        }
    }

    private static StatDescriptor.Type type(int flags) {
        return switch (flags & KVM_STATS_TYPE_MASK) {
            case KVM_STATS_TYPE_CUMULATIVE -> StatDescriptor.Type.CUMULATIVE;
            case KVM_STATS_TYPE_INSTANT -> StatDescriptor.Type.INSTANT;
            case KVM_STATS_TYPE_PEAK -> StatDescriptor.Type.PEAK;
            case KVM_STATS_TYPE_LINEAR_HIST -> StatDescriptor.Type.LINEAR_HISTOGRAM;
            case KVM_STATS_TYPE_LOG_HIST -> StatDescriptor.Type.LOG_HISTOGRAM;
            default -> StatDescriptor.Type.UNKNOWN;
        };
    }

    private static StatDescriptor.Unit unit(int flags) {
        return switch (flags & KVM_STATS_UNIT_MASK) {
            case KVM_STATS_UNIT_NONE -> StatDescriptor.Unit.NONE;
            case KVM_STATS_UNIT_BYTES -> StatDescriptor.Unit.BYTES;
            case KVM_STATS_UNIT_SECONDS -> StatDescriptor.Unit.SECONDS;
            case KVM_STATS_UNIT_CYCLES -> StatDescriptor.Unit.CYCLES;
            case KVM_STATS_UNIT_BOOLEAN -> StatDescriptor.Unit.BOOLEAN;
            default -> StatDescriptor.Unit.UNKNOWN;
        };
    }

    /** The stats id KVM reports, e.g. {@code kvm-1234} or {@code kvm-1234/vcpu-0}. */
    String id() {
        return id;
    }

    int fd() {
        return fd;
    }

    @Override
    protected void read() {
        long size = data.size();
        long n = libc.pread(fd, data, 0, size, dataOffset);
        if (n != size) {
            if (n < 0) {
                throw Errno.exception("pread(KVM stats fd)", (int) -n);
            }
            readFully(libc, fd, data, n, size - n, dataOffset + n);
        }
    }

    @Override
    protected long value(int key, int element) {
        return data.getLong(offsets[key] + 8L * element);
    }

    @Override
    protected void release() {
        libc.close(fd);
        data.close();
    }
}
