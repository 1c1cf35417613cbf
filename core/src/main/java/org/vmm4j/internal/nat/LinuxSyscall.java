package org.vmm4j.internal.nat;

/**
 * The x86-64 Linux system call numbers {@link Libc} uses ({@code <asm/unistd_64.h>}, stable ABI).
 * Checked against the C compiler's {@code SYS_*} values by {@code LinuxSyscallTest}.
 */
final class LinuxSyscall {
    static final int READ = 0;
    static final int WRITE = 1;
    static final int CLOSE = 3;
    static final int POLL = 7;
    static final int MMAP = 9;
    static final int MUNMAP = 11;
    static final int RT_SIGPROCMASK = 14;
    static final int IOCTL = 16;
    static final int PREAD64 = 17;
    static final int PWRITE64 = 18;
    static final int MADVISE = 28;
    static final int GETPID = 39;
    static final int FDATASYNC = 75;
    static final int RT_SIGTIMEDWAIT = 128;
    static final int GETTID = 186;
    static final int EPOLL_WAIT = 232;
    static final int EPOLL_CTL = 233;
    static final int TGKILL = 234;
    static final int OPENAT = 257;
    static final int FALLOCATE = 285;
    static final int EVENTFD2 = 290;
    static final int EPOLL_CREATE1 = 291;

    /** {@code openat}'s "relative to the working directory". */
    static final int AT_FDCWD = -100;
    /** The kernel's sigset_t: 64 signals, 8 bytes (glibc's is 128 bytes, of which the kernel reads 8). */
    static final int KERNEL_SIGSET_BYTES = 8;

    private LinuxSyscall() {}

    /** Whether this JVM runs on x86-64 Linux, where these numbers hold. */
    static boolean applies() {
        String arch = System.getProperty("os.arch", "");
        return Os.current() == Os.LINUX && (arch.equals("amd64") || arch.equals("x86_64"));
    }
}
