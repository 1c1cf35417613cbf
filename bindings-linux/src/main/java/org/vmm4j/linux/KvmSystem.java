package org.vmm4j.linux;

import static org.vmm4j.linux.abi.KvmHeader.*;

import java.util.ArrayList;
import java.util.List;
import org.vmm4j.CpuidEntry;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.KvmHeader;
import org.vmm4j.linux.abi.KvmStructs;

/**
 * The KVM subsystem: an open {@code /dev/kvm}. Checks the API version on open, caches the vCPU mmap
 * size, and creates VMs.
 */
public final class KvmSystem implements AutoCloseable {
    private volatile List<CpuidEntry> supported;
    public static final String DEVICE = "/dev/kvm";
    /** Room for the supported-CPUID list; KVM reports E2BIG if it needs more, and we retry larger. */
    private static final int INITIAL_CPUID_ENTRIES = 128;

    private final Libc libc;
    private final String path;
    private final int fd;
    private final int apiVersion;
    private final int vcpuMmapSize;
    private volatile boolean closed;

    private KvmSystem(Libc libc, String path, int fd, int apiVersion, int vcpuMmapSize) {
        this.libc = libc;
        this.path = path;
        this.fd = fd;
        this.apiVersion = apiVersion;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** Opens {@value #DEVICE}. */
    public static KvmSystem open() {
        return open(DEVICE);
    }

    /**
     * Opens a KVM device node.
     *
     * @throws HypervisorUnavailableException when it is missing, not accessible, not a KVM device, or
     *         speaks another API version
     */
    public static KvmSystem open(String path) {
        Libc libc = Libc.get();
        int fd = libc.open(path, Libc.O_RDWR, 0);
        if (fd < 0) {
            int errno = -fd;
            String why = switch (errno) {
                case Errno.ENOENT ->
                    path + " does not exist: the kvm module is not loaded or the CPU has no "
                            + "virtualization support (VT-x/AMD-V) enabled";
                case Errno.EACCES, Errno.EPERM ->
                    path + " is not accessible for this user: add the user to "
                            + "the group that owns it (usually 'kvm') or run as root";
                default -> "cannot open " + path + ": " + Errno.describe(errno);
            };
            throw new HypervisorUnavailableException("open(" + path + ")", errno, why);
        }
        try {
            long version = libc.ioctl(fd, KVM_GET_API_VERSION, 0);
            if (version < 0) {
                throw new HypervisorUnavailableException(
                        "ioctl(KVM_GET_API_VERSION)",
                        (int) -version,
                        path + " is not a KVM device: KVM_GET_API_VERSION failed with "
                                + Errno.describe((int) -version));
            }
            if (version != KVM_API_VERSION) {
                throw new HypervisorUnavailableException(
                        "ioctl(KVM_GET_API_VERSION)",
                        0,
                        path + " speaks KVM API version " + version + "; vmm4j needs " + KVM_API_VERSION);
            }
            long mmapSize = Errno.check(libc.ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0), "ioctl(KVM_GET_VCPU_MMAP_SIZE)");
            return new KvmSystem(libc, path, fd, (int) version, (int) mmapSize);
        } catch (RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    public String path() {
        return path;
    }

    /** Always {@value KvmHeader#KVM_API_VERSION} once open. */
    public int apiVersion() {
        return apiVersion;
    }

    /** Size of the {@code kvm_run} area each vCPU maps. */
    public int vcpuMmapSize() {
        return vcpuMmapSize;
    }

    /** {@code KVM_CHECK_EXTENSION}: 0 when unsupported, else 1 or a capability-specific value. */
    public int checkExtension(int capability) {
        checkOpen();
        return (int) Errno.check(libc.ioctl(fd, KVM_CHECK_EXTENSION, capability), "ioctl(KVM_CHECK_EXTENSION)");
    }

    /** {@link #supportedCpuid()} once per handle: it does not change while the host runs. */
    List<CpuidEntry> cachedSupportedCpuid() {
        List<CpuidEntry> s = supported;
        if (s == null) {
            supported = s = List.copyOf(supportedCpuid());
        }
        return s;
    }

    /** The CPUID leaves KVM can present to guests on this host. */
    public List<CpuidEntry> supportedCpuid() {
        checkOpen();
        int capacity = INITIAL_CPUID_ENTRIES;
        while (true) {
            try (NativeMemory buffer = libc.access()
                    .allocate(KvmStructs.Cpuid2.ENTRIES + (long) capacity * KvmStructs.Cpuid2.ENTRY_SIZE)) {
                buffer.putInt(KvmStructs.Cpuid2.NENT, capacity);
                long r = libc.ioctl(fd, KVM_GET_SUPPORTED_CPUID, buffer);
                if (r == -Errno.E2BIG && capacity < 4096) {
                    capacity *= 2;
                    continue;
                }
                Errno.check(r, "ioctl(KVM_GET_SUPPORTED_CPUID)");
                return Cpuid.read(buffer);
            }
        }
    }

    /** The MSR indices KVM can save and restore ({@code KVM_GET_MSR_INDEX_LIST}). */
    public int[] msrIndexList() {
        checkOpen();
        int capacity = 256;
        while (true) {
            try (NativeMemory buffer = libc.access().allocate(KvmStructs.MsrList.INDICES + 4L * capacity)) {
                buffer.putInt(KvmStructs.MsrList.NMSRS, capacity);
                long r = libc.ioctl(fd, KVM_GET_MSR_INDEX_LIST, buffer);
                if (r == -Errno.E2BIG && capacity < 65536) {
                    capacity = Math.max(capacity * 2, buffer.getInt(KvmStructs.MsrList.NMSRS));
                    continue;
                }
                Errno.check(r, "ioctl(KVM_GET_MSR_INDEX_LIST)");
                int n = buffer.getInt(KvmStructs.MsrList.NMSRS);
                int[] indices = new int[n];
                for (int i = 0; i < n; i++) {
                    indices[i] = buffer.getInt(KvmStructs.MsrList.INDICES + 4L * i);
                }
                return indices;
            }
        }
    }

    /** Creates a VM ({@code KVM_CREATE_VM}, retried on EINTR). */
    public KvmVm createVm() {
        checkOpen();
        long vmFd;
        do {
            vmFd = libc.ioctl(fd, KVM_CREATE_VM, 0);
        } while (vmFd == -Errno.EINTR);
        Errno.check(vmFd, "ioctl(KVM_CREATE_VM)");
        return new KvmVm(this, libc, (int) vmFd);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            libc.close(fd);
        }
    }

    /** Reading and writing {@code kvm_cpuid2} buffers. */
    static final class Cpuid {
        private Cpuid() {}

        static List<CpuidEntry> read(NativeMemory buffer) {
            int n = buffer.getInt(KvmStructs.Cpuid2.NENT);
            List<CpuidEntry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long e = KvmStructs.Cpuid2.ENTRIES + (long) i * KvmStructs.Cpuid2.ENTRY_SIZE;
                entries.add(new CpuidEntry(
                        buffer.getInt(e + KvmStructs.Cpuid2.ENTRY_FUNCTION),
                        buffer.getInt(e + KvmStructs.Cpuid2.ENTRY_INDEX),
                        buffer.getInt(e + KvmStructs.Cpuid2.ENTRY_FLAGS),
                        buffer.getInt(e + KvmStructs.Cpuid2.ENTRY_EAX),
                        buffer.getInt(e + KvmStructs.Cpuid2.ENTRY_EBX),
                        buffer.getInt(e + KvmStructs.Cpuid2.ENTRY_ECX),
                        buffer.getInt(e + KvmStructs.Cpuid2.ENTRY_EDX)));
            }
            return entries;
        }

        static NativeMemory write(Libc libc, List<CpuidEntry> entries) {
            NativeMemory buffer = libc.access().allocate(size(entries.size()));
            write(buffer, entries);
            return buffer;
        }

        /** The bytes of a {@code kvm_cpuid2} with {@code entries} entries. */
        static long size(int entries) {
            return KvmStructs.Cpuid2.ENTRIES + (long) Math.max(1, entries) * KvmStructs.Cpuid2.ENTRY_SIZE;
        }

        /** Writes {@code entries} as a {@code kvm_cpuid2} into {@code buffer}, of at least {@link #size} bytes. */
        static void write(NativeMemory buffer, List<CpuidEntry> entries) {
            buffer.putInt(KvmStructs.Cpuid2.NENT, entries.size());
            for (int i = 0; i < entries.size(); i++) {
                CpuidEntry c = entries.get(i);
                long e = KvmStructs.Cpuid2.ENTRIES + (long) i * KvmStructs.Cpuid2.ENTRY_SIZE;
                buffer.putInt(e + KvmStructs.Cpuid2.ENTRY_FUNCTION, c.function());
                buffer.putInt(e + KvmStructs.Cpuid2.ENTRY_INDEX, c.index());
                buffer.putInt(e + KvmStructs.Cpuid2.ENTRY_FLAGS, c.flags());
                buffer.putInt(e + KvmStructs.Cpuid2.ENTRY_EAX, c.eax());
                buffer.putInt(e + KvmStructs.Cpuid2.ENTRY_EBX, c.ebx());
                buffer.putInt(e + KvmStructs.Cpuid2.ENTRY_ECX, c.ecx());
                buffer.putInt(e + KvmStructs.Cpuid2.ENTRY_EDX, c.edx());
            }
        }
    }
}
