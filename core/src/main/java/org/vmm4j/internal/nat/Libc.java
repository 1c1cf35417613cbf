package org.vmm4j.internal.nat;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.LONG;
import static org.vmm4j.internal.nat.CType.POINTER;

import org.vmm4j.VmmException;

/**
 * The C library calls vmm4j makes, bound once through the seam. Calls that follow the
 * "-1 and errno" convention return {@code -errno} on failure, so the hot path needs no exception and
 * no thread-local lookup of its own. Constants that differ between Linux, FreeBSD and OpenBSD are
 * resolved for the running OS.
 */
public final class Libc {
    private static final class Holder {
        static final Libc INSTANCE = new Libc(NativeAccess.get());
    }

    private static final Os OS = Os.current();

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = OS == Os.LINUX ? 0x800 : 0x4;
    public static final int O_CREAT = OS == Os.LINUX ? 0x40 : 0x200;
    public static final int O_TRUNC = OS == Os.LINUX ? 0x200 : 0x400;
    public static final int O_EXCL = OS == Os.LINUX ? 0x80 : 0x800;
    public static final int O_CLOEXEC = switch (OS) {
        case FREEBSD -> 0x100000;
        case OPENBSD -> 0x10000;
        default -> 0x80000;
    };

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = OS == Os.LINUX ? 0x20 : 0x1000;
    /** Reserve address space without committing swap (Linux); the BSDs never commit up front. */
    public static final int MAP_NORESERVE = OS == Os.LINUX ? 0x4000 : 0;

    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    /** struct pollfd { int fd; short events; short revents; } */
    public static final int POLLFD_SIZE = 8;

    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EFD_NONBLOCK = O_NONBLOCK;

    private final NativeAccess access;
    private final NativeLibrary library;
    private final NativeFunction open;
    private final NativeFunction close;
    private final NativeFunction ioctl;
    private final NativeFunction mmap;
    private final NativeFunction munmap;
    private volatile NativeFunction pread;
    private volatile NativeFunction pwrite;
    private volatile NativeFunction read;
    private volatile NativeFunction write;
    private volatile NativeFunction poll;
    private volatile NativeFunction strerror;
    private volatile NativeFunction eventfd;
    private volatile NativeFunction pthreadSelf;
    private volatile NativeFunction pthreadKill;
    private volatile NativeFunction pthreadSigmask;
    private volatile NativeFunction sigtimedwait;
    private volatile NativeFunction getpid;
    private volatile NativeFunction gettid;
    private volatile NativeFunction madvise;

    private Libc(NativeAccess access) {
        this.access = access;
        this.library = access.libc();
        // open(const char *, int, ...) and ioctl(int, unsigned long, ...) are variadic in C.
        open = library.function("open", Signature.of(INT, POINTER, INT, INT).variadicFrom(2).withErrno());
        close = library.function("close", Signature.of(INT, INT).withErrno());
        ioctl = library.function("ioctl", Signature.of(INT, INT, LONG, LONG).variadicFrom(2).withErrno());
        mmap = library.function("mmap", Signature.of(POINTER, POINTER, LONG, INT, INT, INT, LONG).withErrno());
        munmap = library.function("munmap", Signature.of(INT, POINTER, LONG).withErrno());
        // The rest is bound on first use: linking a downcall costs milliseconds in a cold JVM, and
        // booting a machine needs only the five above.
    }

    /** The C library through the selected implementation of the seam. */
    public static Libc get() {
        return Holder.INSTANCE;
    }

    public NativeAccess access() {
        return access;
    }

    public NativeLibrary library() {
        return library;
    }

    /** {@code open(path, flags | O_CLOEXEC, mode)}: a descriptor, or {@code -errno}. */
    public int open(String path, int flags, int mode) {
        try (NativeMemory cPath = cString(path)) {
            return (int) open.call(cPath.address(), flags | O_CLOEXEC, mode);
        }
    }

    public int close(int fd) {
        return (int) close.call(fd);
    }

    /** {@code ioctl(fd, request, arg)} with an integer argument. */
    public long ioctl(int fd, long request, long arg) {
        return ioctl.call(fd, request, arg);
    }

    /** {@code ioctl(fd, request, arg)} with a pointer to {@code arg}. */
    public long ioctl(int fd, long request, NativeMemory arg) {
        return ioctl.call(fd, request, arg.address());
    }

    /** Raw {@code mmap}: the address, or {@code -errno}. */
    public long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        return mmap.call(address, length, prot, flags, fd, offset);
    }

    public int munmap(long address, long length) {
        return (int) munmap.call(address, length);
    }

    /**
     * Maps {@code length} bytes and returns memory whose close unmaps it.
     *
     * @throws VmmException naming {@code what} when mmap fails
     */
    public NativeMemory map(String what, long length, int prot, int flags, int fd, long offset) {
        long address = mmap(0, length, prot, flags, fd, offset);
        if (address < 0 && address > -4096) {
            throw Errno.exception("mmap(" + what + ", " + length + " bytes)", (int) -address);
        }
        return access.mapped(address, length, () -> munmap(address, length));
    }

    public long pread(int fd, NativeMemory buffer, long bufferOffset, long count, long fileOffset) {
        checkRange(buffer, bufferOffset, count);
        NativeFunction f = pread;
        if (f == null) {
            pread = f = library.function("pread", Signature.of(LONG, INT, POINTER, LONG, LONG).withErrno());
        }
        return f.call(fd, buffer.address() + bufferOffset, count, fileOffset);
    }

    public long pwrite(int fd, NativeMemory buffer, long bufferOffset, long count, long fileOffset) {
        checkRange(buffer, bufferOffset, count);
        NativeFunction f = pwrite;
        if (f == null) {
            pwrite = f = library.function("pwrite", Signature.of(LONG, INT, POINTER, LONG, LONG).withErrno());
        }
        return f.call(fd, buffer.address() + bufferOffset, count, fileOffset);
    }

    public long read(int fd, NativeMemory buffer, long bufferOffset, long count) {
        checkRange(buffer, bufferOffset, count);
        NativeFunction f = read;
        if (f == null) {
            read = f = library.function("read", Signature.of(LONG, INT, POINTER, LONG).withErrno());
        }
        return f.call(fd, buffer.address() + bufferOffset, count);
    }

    public long write(int fd, NativeMemory buffer, long bufferOffset, long count) {
        checkRange(buffer, bufferOffset, count);
        NativeFunction f = write;
        if (f == null) {
            write = f = library.function("write", Signature.of(LONG, INT, POINTER, LONG).withErrno());
        }
        return f.call(fd, buffer.address() + bufferOffset, count);
    }

    /** {@code poll(fds, nfds, timeoutMillis)} over an array of {@link #POLLFD_SIZE}-byte pollfd structs. */
    public int poll(NativeMemory fds, int count, int timeoutMillis) {
        checkRange(fds, 0, (long) count * POLLFD_SIZE);
        NativeFunction f = poll;
        if (f == null) {
            poll = f = library.function("poll", Signature.of(INT, POINTER, LONG, INT).withErrno());
        }
        return (int) f.call(fds.address(), count, timeoutMillis);
    }

    /** {@code eventfd(initval, flags)} (Linux, FreeBSD 13+): a descriptor, or {@code -errno}. */
    public int eventfd(int initialValue, int flags) {
        NativeFunction f = eventfd;
        if (f == null) {
            eventfd = f = library.function("eventfd", Signature.of(INT, INT, INT).withErrno());
        }
        return (int) f.call(initialValue, flags);
    }

    public String strerror(int errno) {
        NativeFunction f = strerror;
        if (f == null) {
            strerror = f = library.function("strerror", Signature.of(POINTER, INT));
        }
        return access.readString(f.call(errno));
    }

    /** {@code pthread_self()} of the calling thread. */
    public long pthreadSelf() {
        NativeFunction f = pthreadSelf;
        if (f == null) {
            pthreadSelf = f = library.function("pthread_self", Signature.of(LONG).asCritical());
        }
        return f.call();
    }

    /** {@code pthread_kill(thread, signal)}: 0 or an error number (not -1/errno). */
    public int pthreadKill(long thread, int signal) {
        NativeFunction f = pthreadKill;
        if (f == null) {
            pthreadKill = f = library.function("pthread_kill", Signature.of(INT, LONG, INT));
        }
        return (int) f.call(thread, signal);
    }

    /** {@code pthread_sigmask(how, set, old)} with addresses (0 for NULL): 0 or an error number. */
    public int pthreadSigmask(int how, long set, long oldSet) {
        NativeFunction f = pthreadSigmask;
        if (f == null) {
            pthreadSigmask = f = library.function("pthread_sigmask", Signature.of(INT, INT, POINTER, POINTER));
        }
        return (int) f.call(how, set, oldSet);
    }

    /** {@code sigtimedwait(set, info, timeout)}: the signal number, or {@code -errno}. */
    public int sigtimedwait(long set, long info, long timeout) {
        NativeFunction f = sigtimedwait;
        if (f == null) {
            sigtimedwait = f = library.function("sigtimedwait",
                    Signature.of(INT, POINTER, POINTER, POINTER).withErrno());
        }
        return (int) f.call(set, info, timeout);
    }

    public int getpid() {
        NativeFunction f = getpid;
        if (f == null) {
            getpid = f = library.function("getpid", Signature.of(INT).asCritical());
        }
        return (int) f.call();
    }

    /** {@code gettid()} (Linux, glibc 2.30+): the calling thread's kernel id. */
    public int gettid() {
        NativeFunction f = gettid;
        if (f == null) {
            gettid = f = library.function("gettid", Signature.of(INT).asCritical());
        }
        return (int) f.call();
    }

    /** {@code madvise(address, length, advice)}: 0 or {@code -errno}. */
    public int madvise(long address, long length, int advice) {
        NativeFunction f = madvise;
        if (f == null) {
            madvise = f = library.function("madvise", Signature.of(INT, POINTER, LONG, INT).withErrno());
        }
        return (int) f.call(address, length, advice);
    }

    /** A NUL-terminated UTF-8 copy of {@code value}; close it when done. */
    public NativeMemory cString(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("string contains NUL: " + value.replace('\0', '?'));
        }
        byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        NativeMemory memory = access.allocate(bytes.length + 1L);
        memory.put(0, bytes, 0, bytes.length);
        return memory;
    }

    private static void checkRange(NativeMemory buffer, long offset, long count) {
        if (offset < 0 || count < 0 || offset + count > buffer.size()) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + (offset + count)
                    + ") outside a " + buffer.size() + "-byte buffer");
        }
    }
}
