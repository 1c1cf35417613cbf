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
        static final Libc INSTANCE = new Libc(NativeAccess.get(), viaSyscallByDefault());
    }

    private static final Os OS = Os.current();
    private static final boolean X86_64 = switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> true;
        default -> false;
    };

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

    /**
     * Bypass the page cache (Linux, FreeBSD); 0 where the OS has no such flag (OpenBSD). Its value
     * differs between Linux architectures: 0x4000 on x86-64, 0x10000 on arm64.
     */
    public static final int O_DIRECT = switch (OS) {
        case LINUX -> X86_64 ? 0x4000 : 0x10000;
        case FREEBSD -> 0x10000;
        default -> 0;
    };

    /** {@code fallocate} (Linux): keep the file size as it is. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** {@code fallocate} (Linux): deallocate the range, which then reads as zeros (with KEEP_SIZE). */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** {@code fallocate} (Linux): make the range read as zeros, keeping it allocated. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;
    /** {@code ioctl(fd, BLKGETSIZE64, uint64_t *)} (Linux): a block device's size in bytes. */
    public static final long BLKGETSIZE64 = 0x8008_1272L;

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

    /** glibc's sigset_t (1024 bits); the BSDs' are smaller. Buffers of this size fit every libc. */
    public static final int SIGSET_BYTES = 128;

    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EFD_NONBLOCK = O_NONBLOCK;

    /** {@code epoll_create1}'s close-on-exec flag (Linux). */
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;

    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x1;
    /**
     * {@code struct epoll_event { uint32_t events; epoll_data_t data; }}: packed on x86-64 (12 bytes,
     * data at offset 4), naturally aligned elsewhere (16 bytes, data at 8).
     */
    public static final int EPOLL_EVENT_SIZE = X86_64 ? 12 : 16;

    public static final int EPOLL_EVENT_DATA = X86_64 ? 4 : 8;

    /**
     * System property: {@code functions} makes every call go through the C library's own wrappers
     * (open, ioctl, ...), as on the BSDs, instead of {@code syscall(2)} on x86-64 Linux.
     */
    public static final String KERNEL_CALLS_PROPERTY = "vmm4j.libc.kernelCalls";

    private final NativeAccess access;
    private final NativeLibrary library;
    /**
     * x86-64 Linux: {@code syscall(2)}, through which every kernel call below is made, or null to use
     * the C library's wrappers. One function means one downcall shape for the FFM linker to spin: a
     * boot used to link eight (open, close, ioctl, mmap, munmap, gettid, pthread_self,
     * pthread_sigmask), each 10-30 ms of a cold JVM's start.
     */
    private final NativeFunction syscall;

    private volatile NativeFunction open;
    private volatile NativeFunction close;
    private volatile NativeFunction ioctl;
    private volatile NativeFunction mmap;
    private volatile NativeFunction munmap;
    private volatile NativeFunction pread;
    private volatile NativeFunction pwrite;
    private volatile NativeFunction read;
    private volatile NativeFunction write;
    private volatile NativeFunction poll;
    private volatile NativeFunction strerror;
    private volatile NativeFunction eventfd;
    private volatile NativeFunction tgkill;
    private volatile NativeFunction epollCreate1;
    private volatile NativeFunction epollCtl;
    private volatile NativeFunction epollWait;
    private volatile NativeFunction pthreadSigmask;
    private volatile NativeFunction sigtimedwait;
    private volatile NativeFunction getpid;
    private volatile NativeFunction gettid;
    private volatile NativeFunction madvise;
    private volatile NativeFunction fdatasync;
    private volatile NativeFunction fallocate;

    Libc(NativeAccess access, boolean viaSyscall) {
        this.access = access;
        this.library = access.libc();
        // long syscall(long number, ...): the number and six arguments, all passed as long.
        syscall = viaSyscall
                ? library.function(
                        "syscall",
                        Signature.of(LONG, LONG, LONG, LONG, LONG, LONG, LONG, LONG)
                                .variadicFrom(1)
                                .withErrno())
                : null;
        // The C library's wrappers are bound on first use: linking a downcall costs milliseconds in a
        // cold JVM.
    }

    private static boolean viaSyscallByDefault() {
        String forced = System.getProperty(KERNEL_CALLS_PROPERTY, "");
        if (forced.equals("functions")) {
            return false;
        }
        if (!forced.isEmpty() && !forced.equals("syscall")) {
            throw new IllegalArgumentException(KERNEL_CALLS_PROPERTY + " must be syscall or functions, not " + forced);
        }
        return LinuxSyscall.applies();
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

    /** Whether kernel calls go through {@code syscall(2)} (x86-64 Linux) rather than the C library's wrappers. */
    public boolean viaSyscall() {
        return syscall != null;
    }

    /** {@code open(path, flags | O_CLOEXEC, mode)}: a descriptor, or {@code -errno}. */
    public int open(String path, int flags, int mode) {
        try (NativeMemory cPath = cString(path)) {
            if (syscall != null) {
                return (int) syscall.call(
                        LinuxSyscall.OPENAT, LinuxSyscall.AT_FDCWD, cPath.address(), flags | O_CLOEXEC, mode, 0, 0);
            }
            NativeFunction f = open;
            if (f == null) {
                // open(const char *, int, ...) is variadic in C.
                open = f = library.function(
                        "open",
                        Signature.of(INT, POINTER, INT, INT).variadicFrom(2).withErrno());
            }
            return (int) f.call(cPath.address(), flags | O_CLOEXEC, mode);
        }
    }

    public int close(int fd) {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.CLOSE, fd, 0, 0, 0, 0, 0);
        }
        NativeFunction f = close;
        if (f == null) {
            close = f = library.function("close", Signature.of(INT, INT).withErrno());
        }
        return (int) f.call(fd);
    }

    /** {@code ioctl(fd, request, arg)} with an integer argument: the result, or {@code -errno}. */
    public long ioctl(int fd, long request, long arg) {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.IOCTL, fd, request, arg, 0, 0, 0);
        }
        NativeFunction f = ioctl;
        if (f == null) {
            // ioctl(int, unsigned long, ...) is variadic in C.
            ioctl = f = library.function(
                    "ioctl", Signature.of(INT, INT, LONG, LONG).variadicFrom(2).withErrno());
        }
        return f.call(fd, request, arg);
    }

    /** {@code ioctl(fd, request, arg)} with a pointer to {@code arg}. */
    public long ioctl(int fd, long request, NativeMemory arg) {
        return ioctl(fd, request, arg.address());
    }

    /** Raw {@code mmap}: the address, or {@code -errno}. */
    public long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        if (syscall != null) {
            return syscall.call(LinuxSyscall.MMAP, address, length, prot, flags, fd, offset);
        }
        NativeFunction f = mmap;
        if (f == null) {
            mmap = f = library.function(
                    "mmap",
                    Signature.of(POINTER, POINTER, LONG, INT, INT, INT, LONG).withErrno());
        }
        return f.call(address, length, prot, flags, fd, offset);
    }

    public int munmap(long address, long length) {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.MUNMAP, address, length, 0, 0, 0, 0);
        }
        NativeFunction f = munmap;
        if (f == null) {
            munmap = f =
                    library.function("munmap", Signature.of(INT, POINTER, LONG).withErrno());
        }
        return (int) f.call(address, length);
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
        if (syscall != null) {
            return syscall.call(LinuxSyscall.PREAD64, fd, buffer.address() + bufferOffset, count, fileOffset, 0, 0);
        }
        NativeFunction f = pread;
        if (f == null) {
            pread = f = library.function(
                    "pread", Signature.of(LONG, INT, POINTER, LONG, LONG).withErrno());
        }
        return f.call(fd, buffer.address() + bufferOffset, count, fileOffset);
    }

    public long pwrite(int fd, NativeMemory buffer, long bufferOffset, long count, long fileOffset) {
        checkRange(buffer, bufferOffset, count);
        if (syscall != null) {
            return syscall.call(LinuxSyscall.PWRITE64, fd, buffer.address() + bufferOffset, count, fileOffset, 0, 0);
        }
        NativeFunction f = pwrite;
        if (f == null) {
            pwrite = f = library.function(
                    "pwrite", Signature.of(LONG, INT, POINTER, LONG, LONG).withErrno());
        }
        return f.call(fd, buffer.address() + bufferOffset, count, fileOffset);
    }

    public long read(int fd, NativeMemory buffer, long bufferOffset, long count) {
        checkRange(buffer, bufferOffset, count);
        if (syscall != null) {
            return syscall.call(LinuxSyscall.READ, fd, buffer.address() + bufferOffset, count, 0, 0, 0);
        }
        NativeFunction f = read;
        if (f == null) {
            read = f = library.function(
                    "read", Signature.of(LONG, INT, POINTER, LONG).withErrno());
        }
        return f.call(fd, buffer.address() + bufferOffset, count);
    }

    public long write(int fd, NativeMemory buffer, long bufferOffset, long count) {
        checkRange(buffer, bufferOffset, count);
        if (syscall != null) {
            return syscall.call(LinuxSyscall.WRITE, fd, buffer.address() + bufferOffset, count, 0, 0, 0);
        }
        NativeFunction f = write;
        if (f == null) {
            write = f = library.function(
                    "write", Signature.of(LONG, INT, POINTER, LONG).withErrno());
        }
        return f.call(fd, buffer.address() + bufferOffset, count);
    }

    /** {@code poll(fds, nfds, timeoutMillis)} over an array of {@link #POLLFD_SIZE}-byte pollfd structs. */
    public int poll(NativeMemory fds, int count, int timeoutMillis) {
        checkRange(fds, 0, (long) count * POLLFD_SIZE);
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.POLL, fds.address(), count, timeoutMillis, 0, 0, 0);
        }
        NativeFunction f = poll;
        if (f == null) {
            poll = f = library.function(
                    "poll", Signature.of(INT, POINTER, LONG, INT).withErrno());
        }
        return (int) f.call(fds.address(), count, timeoutMillis);
    }

    /** {@code eventfd(initval, flags)} (Linux, FreeBSD 13+): a descriptor, or {@code -errno}. */
    public int eventfd(int initialValue, int flags) {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.EVENTFD2, initialValue, flags, 0, 0, 0, 0);
        }
        NativeFunction f = eventfd;
        if (f == null) {
            eventfd =
                    f = library.function("eventfd", Signature.of(INT, INT, INT).withErrno());
        }
        return (int) f.call(initialValue, flags);
    }

    /** {@code epoll_create1(flags)} (Linux): a descriptor, or {@code -errno}. */
    public int epollCreate1(int flags) {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.EPOLL_CREATE1, flags, 0, 0, 0, 0, 0);
        }
        NativeFunction f = epollCreate1;
        if (f == null) {
            epollCreate1 =
                    f = library.function("epoll_create1", Signature.of(INT, INT).withErrno());
        }
        return (int) f.call(flags);
    }

    /**
     * {@code epoll_ctl(epfd, op, fd, event)} with one {@link #EPOLL_EVENT_SIZE}-byte event at {@code event}
     * (may be empty for {@link #EPOLL_CTL_DEL}): 0 or {@code -errno}.
     */
    public int epollCtl(int epollFd, int op, int fd, NativeMemory event) {
        checkRange(event, 0, op == EPOLL_CTL_DEL ? 0 : EPOLL_EVENT_SIZE);
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.EPOLL_CTL, epollFd, op, fd, event.address(), 0, 0);
        }
        NativeFunction f = epollCtl;
        if (f == null) {
            epollCtl = f = library.function(
                    "epoll_ctl", Signature.of(INT, INT, INT, INT, POINTER).withErrno());
        }
        return (int) f.call(epollFd, op, fd, event.address());
    }

    /**
     * {@code epoll_wait(epfd, events, maxEvents, timeoutMillis)} into an array of {@link #EPOLL_EVENT_SIZE}-byte
     * events: the number of ready descriptors, or {@code -errno}. It blocks: never a critical downcall.
     */
    public int epollWait(int epollFd, NativeMemory events, int maxEvents, int timeoutMillis) {
        checkRange(events, 0, (long) maxEvents * EPOLL_EVENT_SIZE);
        if (syscall != null) {
            return (int)
                    syscall.call(LinuxSyscall.EPOLL_WAIT, epollFd, events.address(), maxEvents, timeoutMillis, 0, 0);
        }
        NativeFunction f = epollWait;
        if (f == null) {
            epollWait = f = library.function(
                    "epoll_wait", Signature.of(INT, INT, POINTER, INT, INT).withErrno());
        }
        return (int) f.call(epollFd, events.address(), maxEvents, timeoutMillis);
    }

    public String strerror(int errno) {
        NativeFunction f = strerror;
        if (f == null) {
            strerror = f = library.function("strerror", Signature.of(POINTER, INT));
        }
        return access.readString(f.call(errno));
    }

    /**
     * {@code tgkill(pid, tid, signal)} (Linux): sends {@code signal} to one thread of process
     * {@code pid}; 0 or {@code -errno}.
     */
    public int tgkill(int pid, int tid, int signal) {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.TGKILL, pid, tid, signal, 0, 0, 0);
        }
        NativeFunction f = tgkill;
        if (f == null) {
            tgkill = f =
                    library.function("tgkill", Signature.of(INT, INT, INT, INT).withErrno());
        }
        return (int) f.call(pid, tid, signal);
    }

    /**
     * {@code pthread_sigmask(how, set, old)} for the calling thread, with addresses (0 for NULL) of
     * sigsets at least {@value #SIGSET_BYTES} bytes long: 0 or {@code -errno}.
     */
    public int pthreadSigmask(int how, long set, long oldSet) {
        if (syscall != null) {
            return (int)
                    syscall.call(LinuxSyscall.RT_SIGPROCMASK, how, set, oldSet, LinuxSyscall.KERNEL_SIGSET_BYTES, 0, 0);
        }
        NativeFunction f = pthreadSigmask;
        if (f == null) {
            pthreadSigmask = f = library.function("pthread_sigmask", Signature.of(INT, INT, POINTER, POINTER));
        }
        return -(int) f.call(how, set, oldSet); // it returns the error number itself
    }

    /** {@code sigtimedwait(set, info, timeout)}: the signal number, or {@code -errno}. */
    public int sigtimedwait(long set, long info, long timeout) {
        if (syscall != null) {
            return (int) syscall.call(
                    LinuxSyscall.RT_SIGTIMEDWAIT, set, info, timeout, LinuxSyscall.KERNEL_SIGSET_BYTES, 0, 0);
        }
        NativeFunction f = sigtimedwait;
        if (f == null) {
            sigtimedwait = f = library.function(
                    "sigtimedwait", Signature.of(INT, POINTER, POINTER, POINTER).withErrno());
        }
        return (int) f.call(set, info, timeout);
    }

    public int getpid() {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.GETPID, 0, 0, 0, 0, 0, 0);
        }
        NativeFunction f = getpid;
        if (f == null) {
            getpid = f = library.function("getpid", Signature.of(INT).asCritical());
        }
        return (int) f.call();
    }

    /** {@code gettid()} (Linux, glibc 2.30+): the calling thread's kernel id. */
    public int gettid() {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.GETTID, 0, 0, 0, 0, 0, 0);
        }
        NativeFunction f = gettid;
        if (f == null) {
            gettid = f = library.function("gettid", Signature.of(INT).asCritical());
        }
        return (int) f.call();
    }

    /** {@code madvise(address, length, advice)}: 0 or {@code -errno}. */
    public int madvise(long address, long length, int advice) {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.MADVISE, address, length, advice, 0, 0, 0);
        }
        NativeFunction f = madvise;
        if (f == null) {
            madvise = f = library.function(
                    "madvise", Signature.of(INT, POINTER, LONG, INT).withErrno());
        }
        return (int) f.call(address, length, advice);
    }

    /**
     * {@code fdatasync(fd)}: the file's data (and the metadata needed to read it) reach stable
     * storage; 0 or {@code -errno}. It blocks: never a critical downcall.
     */
    public int fdatasync(int fd) {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.FDATASYNC, fd, 0, 0, 0, 0, 0);
        }
        NativeFunction f = fdatasync;
        if (f == null) {
            fdatasync = f = library.function("fdatasync", Signature.of(INT, INT).withErrno());
        }
        return (int) f.call(fd);
    }

    /**
     * {@code fallocate(fd, mode, offset, length)} (Linux): allocates, punches ({@link #FALLOC_FL_PUNCH_HOLE})
     * or zeroes ({@link #FALLOC_FL_ZERO_RANGE}) a byte range of a file or block device; 0 or {@code -errno}
     * ({@code -EOPNOTSUPP} where the file system cannot).
     */
    public int fallocate(int fd, int mode, long offset, long length) {
        if (syscall != null) {
            return (int) syscall.call(LinuxSyscall.FALLOCATE, fd, mode, offset, length, 0, 0);
        }
        NativeFunction f = fallocate;
        if (f == null) {
            fallocate = f = library.function(
                    "fallocate", Signature.of(INT, INT, INT, LONG, LONG).withErrno());
        }
        return (int) f.call(fd, mode, offset, length);
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
            throw new IndexOutOfBoundsException(
                    "range [" + offset + ", " + (offset + count) + ") outside a " + buffer.size() + "-byte buffer");
        }
    }
}
