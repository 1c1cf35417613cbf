package org.vmm4j.internal.nat;

import org.vmm4j.VmmException;

/**
 * errno values vmm4j tests for, per operating system, and the exception every failed call becomes.
 * The low numbers are shared by Linux and the BSDs; EAGAIN is where they part.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ESRCH = 3;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    /** EAGAIN: 11 on Linux, 35 on the BSDs. */
    public static final int EAGAIN = Os.current() == Os.LINUX || Os.current() == Os.OTHER ? 11 : 35;

    private Errno() {}

    /** A symbolic name for the common values, else {@code "errno N"}. */
    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case E2BIG -> "E2BIG";
            case EBADF -> "EBADF";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENOTTY -> "ENOTTY";
            case ENOSPC -> "ENOSPC";
            default -> errno == EAGAIN ? "EAGAIN" : "errno " + errno;
        };
    }

    /** The exception for a failed call: {@code "<operation> failed: EINVAL (Invalid argument)"}. */
    public static VmmException exception(String operation, int errno) {
        return new VmmException(operation, errno, operation + " failed: " + describe(errno));
    }

    /** {@code "EINVAL (Invalid argument)"}. */
    public static String describe(int errno) {
        String text;
        try {
            text = Libc.get().strerror(errno);
        } catch (RuntimeException e) {
            text = "no strerror: " + e.getMessage();
        }
        return name(errno) + " (" + text + ")";
    }

    /** Returns {@code result} when it is not negative; otherwise throws for {@code -result} as errno. */
    public static long check(long result, String operation) {
        if (result < 0) {
            throw exception(operation, (int) -result);
        }
        return result;
    }
}
