package org.vmm4j.virtio;

import org.vmm4j.VmmException;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * A Linux tap device opened through {@code /dev/net/tun}: Ethernet frames in and out of the host's
 * network stack, each preceded by a 12-byte virtio-net header ({@code IFF_VNET_HDR} with
 * {@code TUNSETVNETHDRSZ} 12, the layout of {@code struct virtio_net_hdr_v1}). The tap is attached by
 * name and created if absent (which needs {@code CAP_NET_ADMIN}); a tap this process creates goes away
 * when it is closed, a persistent one ({@code ip tuntap add}) stays. The descriptor is non-blocking.
 */
public final class TapDevice implements AutoCloseable {
    /** The clone device. */
    public static final String CLONE_DEVICE = "/dev/net/tun";

    // <linux/if_tun.h>, <linux/if.h>; checked against gcc by TapDeviceLayoutTest
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    static final int IFF_TAP = 0x0002;
    static final int IFF_NO_PI = 0x1000;
    static final int IFF_VNET_HDR = 0x4000;
    static final int IFNAMSIZ = 16;
    static final int IFREQ_SIZE = 40;
    static final int IFREQ_FLAGS_OFFSET = 16;

    /** The tap computes the checksum the header asks for (TUN_F_CSUM). */
    public static final int OFFLOAD_CSUM = 0x01;
    /** The tap may hand over TCP/IPv4 segments larger than the MTU (TUN_F_TSO4). */
    public static final int OFFLOAD_TSO4 = 0x02;
    /** The tap may hand over TCP/IPv6 segments larger than the MTU (TUN_F_TSO6). */
    public static final int OFFLOAD_TSO6 = 0x04;

    /** The size of the virtio-net header before every frame. */
    public static final int VNET_HEADER_SIZE = 12;

    private final Libc libc;
    private final String name;
    private final int fd;
    private boolean closed;

    private TapDevice(Libc libc, String name, int fd) {
        this.libc = libc;
        this.name = name;
        this.fd = fd;
    }

    /**
     * Attaches to the tap device {@code name}, creating it if absent, with 12-byte virtio-net headers
     * and no offloads.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid interface name
     * @throws VmmException if {@code /dev/net/tun} is missing or may not be opened, or the tap may not be
     *         attached (permission, busy, a tun device of that name)
     */
    public static TapDevice open(String name) {
        checkName(name);
        Libc libc = Libc.get();
        int fd = libc.open(CLONE_DEVICE, Libc.O_RDWR | Libc.O_NONBLOCK, 0);
        if (fd < 0) {
            int errno = -fd;
            String why = switch (errno) {
                case Errno.ENOENT -> CLONE_DEVICE + " is missing (load the tun module: modprobe tun)";
                case Errno.EACCES, Errno.EPERM -> "permission denied opening " + CLONE_DEVICE;
                default -> "opening " + CLONE_DEVICE + " failed: " + Errno.describe(errno);
            };
            throw new VmmException("open(" + CLONE_DEVICE + ")", errno, "tap " + name + ": " + why);
        }
        try {
            try (NativeMemory ifreq = libc.access().allocate(IFREQ_SIZE)) {
                ifreq.clear();
                byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                ifreq.put(0, bytes, 0, bytes.length);
                ifreq.putShort(IFREQ_FLAGS_OFFSET, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
                long r = libc.ioctl(fd, TUNSETIFF, ifreq);
                if (r < 0) {
                    int errno = (int) -r;
                    String why = switch (errno) {
                        case Errno.EPERM, Errno.EACCES ->
                            "permission denied: creating or attaching a tap needs CAP_NET_ADMIN, or a"
                                    + " persistent tap made for this user (ip tuntap add " + name
                                    + " mode tap user USER)";
                        case Errno.EBUSY -> "it is in use by another process";
                        case Errno.EINVAL -> "a tun device, not a tap, has that name: " + Errno.describe(errno);
                        default -> "TUNSETIFF failed: " + Errno.describe(errno);
                    };
                    throw new VmmException("ioctl(TUNSETIFF)", errno, "tap " + name + ": " + why);
                }
            }
            try (NativeMemory size = libc.access().allocate(4)) {
                size.putInt(0, VNET_HEADER_SIZE);
                long r = libc.ioctl(fd, TUNSETVNETHDRSZ, size);
                if (r < 0) {
                    throw new VmmException(
                            "ioctl(TUNSETVNETHDRSZ)",
                            (int) -r,
                            "tap " + name + ": setting 12-byte virtio-net headers failed: " + Errno.describe((int) -r));
                }
            }
            TapDevice tap = new TapDevice(libc, name, fd);
            if (!tap.setOffload(0)) {
                throw new VmmException("tap " + name + ": TUNSETOFFLOAD 0 failed");
            }
            return tap;
        } catch (RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    /**
     * Checks {@code name} as Linux checks an interface name, without opening anything.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a tap device needs a name");
        }
        if (name.length() >= IFNAMSIZ) {
            throw new IllegalArgumentException(
                    "tap name " + name + " is longer than " + (IFNAMSIZ - 1) + " characters");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("tap name " + name + " is not an interface name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '%') {
                throw new IllegalArgumentException(
                        "tap name " + name + " has a character an interface name may not have: '" + c + "'");
            }
        }
    }

    /** The interface name. */
    public String name() {
        return name;
    }

    /** The file descriptor. */
    int fd() {
        return fd;
    }

    /**
     * Sets the offloads the tap may use for frames it hands over (a mask of the {@code OFFLOAD_*}
     * constants): whether they may carry a partial checksum and be larger than the MTU.
     *
     * @return {@code false} if the kernel refused them
     */
    public boolean setOffload(int offloads) {
        return libc.ioctl(fd, TUNSETOFFLOAD, offloads) >= 0;
    }

    /** Reads one frame (header first) into {@code buffer}: its length, or {@code -errno} (-EAGAIN if none). */
    long read(NativeMemory buffer, long offset, long count) {
        return libc.read(fd, buffer, offset, count);
    }

    /** Writes one frame (header first) from {@code buffer}: the bytes written, or {@code -errno}. */
    long write(NativeMemory buffer, long offset, long count) {
        return libc.write(fd, buffer, offset, count);
    }

    /** Closes the descriptor; a tap created by {@link #open} goes away. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return "TapDevice[" + name + ", fd " + fd + "]";
    }
}
