package org.vmm4j.openbsd.abi;

/**
 * The BSD ioctl request encoding of {@code sys/sys/ioccom.h} (OpenBSD rev 1.4). Directions are named
 * from the caller's side: {@code _IOW} means the caller writes into the kernel ({@code IOC_IN}), the
 * opposite of Linux's naming.
 */
public final class Ioccom {
    public static final long IOCPARM_MASK = 0x1fff;
    public static final long IOC_VOID = 0x20000000L;
    public static final long IOC_OUT = 0x40000000L;
    public static final long IOC_IN = 0x80000000L;
    public static final long IOC_INOUT = IOC_IN | IOC_OUT;

    private Ioccom() {
    }

    /** {@code _IOC(inout, group, num, len)}. */
    public static long ioc(long inout, char group, int num, long len) {
        if (len > IOCPARM_MASK) {
            // The kernel would silently truncate the length; a struct this big cannot be an ioctl argument.
            throw new IllegalArgumentException("ioctl parameter of " + len + " bytes exceeds IOCPARM_MASK");
        }
        return inout | ((len & IOCPARM_MASK) << 16) | ((long) group << 8) | num;
    }

    public static long io(char group, int num) {
        return ioc(IOC_VOID, group, num, 0);
    }

    public static long ior(char group, int num, long len) {
        return ioc(IOC_OUT, group, num, len);
    }

    public static long iow(char group, int num, long len) {
        return ioc(IOC_IN, group, num, len);
    }

    public static long iowr(char group, int num, long len) {
        return ioc(IOC_INOUT, group, num, len);
    }

    /** The parameter length encoded in a request. */
    public static long length(long request) {
        return (request >>> 16) & IOCPARM_MASK;
    }
}
