package org.vmm4j.internal.nat;

/**
 * The BSD ioctl request encoding of {@code sys/sys/ioccom.h}, the same on FreeBSD and OpenBSD: direction
 * bits, a 13-bit parameter length, the group letter and the command number. Directions are named from
 * the caller's side: {@code _IOW} means the caller writes into the kernel ({@code IOC_IN}), the opposite
 * of Linux's naming.
 */
public final class BsdIoctl {
    public static final int IOCPARM_SHIFT = 13;
    public static final int IOCPARM_MASK = (1 << IOCPARM_SHIFT) - 1;
    public static final long IOC_VOID = 0x2000_0000L;
    public static final long IOC_OUT = 0x4000_0000L;
    public static final long IOC_IN = 0x8000_0000L;
    public static final long IOC_INOUT = IOC_IN | IOC_OUT;

    private BsdIoctl() {}

    /**
     * {@code _IOC(inout, group, num, len)} as the unsigned long the kernel compares.
     *
     * @throws IllegalArgumentException for a length the 13-bit field cannot hold (the kernel would
     *         silently truncate it)
     */
    public static long ioc(long inout, char group, int num, long len) {
        if (len < 0 || len > IOCPARM_MASK) {
            throw new IllegalArgumentException(
                    "ioctl argument of " + len + " bytes does not fit the " + IOCPARM_SHIFT + "-bit length field");
        }
        return inout | ((len & IOCPARM_MASK) << 16) | ((long) group << 8) | num;
    }

    public static long io(char group, int num) {
        return ioc(IOC_VOID, group, num, 0);
    }

    /** {@code _IOR}: the kernel writes the argument back. */
    public static long ior(char group, int num, long len) {
        return ioc(IOC_OUT, group, num, len);
    }

    /** {@code _IOW}: the caller passes the argument in. */
    public static long iow(char group, int num, long len) {
        return ioc(IOC_IN, group, num, len);
    }

    public static long iowr(char group, int num, long len) {
        return ioc(IOC_INOUT, group, num, len);
    }

    /** The command number of a request (its low byte). */
    public static int number(long request) {
        return (int) (request & 0xff);
    }

    /** The parameter length encoded in a request. */
    public static long length(long request) {
        return (request >>> 16) & IOCPARM_MASK;
    }
}
