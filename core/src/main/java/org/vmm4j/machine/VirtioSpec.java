package org.vmm4j.machine;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;
import org.vmm4j.virtio.TapDevice;
import org.vmm4j.virtio.VirtioBlk;
import org.vmm4j.virtio.VirtioConsole;
import org.vmm4j.virtio.VirtioDevice;
import org.vmm4j.virtio.VirtioNet;
import org.vmm4j.virtio.VirtioRng;
import org.vmm4j.virtio.VirtioVsock;

/**
 * What a snapshot records of a virtio device so a restore can open it again: its kind and what it was opened
 * on (a disk image, a tap and a MAC address, a guest CID and a socket, a console's size). A device's state
 * beyond that (queues, held input, a frame in flight) is in its state section. Only devices a restore can
 * open again are described; see {@link #of}.
 *
 * <p>Each slot is written as {@code kind}, {@code path}, {@code readOnly} (the layout of the first kinds, blk and
 * rng, which older snapshots have), then the fields of its kind; see {@code docs/snapshot-format.md}.
 */
sealed interface VirtioSpec {
    String BLK = "blk";
    String RNG = "rng";
    String NET = "net";
    String VSOCK = "vsock";
    String CONSOLE = "console";

    /** {@code "blk"}, {@code "rng"}, {@code "net"}, {@code "vsock"} or {@code "console"}. */
    String kind();

    /**
     * Opens the device this describes; a console writes to {@code consoleOutput} and reads {@code consoleInput}
     * (null: no input), the streams a restore is given.
     */
    VirtioDevice open(OutputStream consoleOutput, InputStream consoleInput);

    /** The kind-specific fields after {@code kind}. */
    void writeFields(StateEncoder out);

    /** A disk image, opened {@code O_RDONLY} if {@code readOnly}. */
    record Disk(String path, boolean readOnly) implements VirtioSpec {
        public Disk {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String kind() {
            return BLK;
        }

        @Override
        public VirtioDevice open(OutputStream consoleOutput, InputStream consoleInput) {
            return VirtioBlk.open(Path.of(path), readOnly);
        }

        @Override
        public void writeFields(StateEncoder out) {
            out.string(path).bool(readOnly);
        }

        @Override
        public String toString() {
            return "disk " + path + (readOnly ? " (read-only)" : "");
        }
    }

    /** An entropy device. */
    record Rng() implements VirtioSpec {
        @Override
        public String kind() {
            return RNG;
        }

        @Override
        public VirtioDevice open(OutputStream consoleOutput, InputStream consoleInput) {
            return new VirtioRng();
        }

        @Override
        public void writeFields(StateEncoder out) {
            out.string("").bool(false);
        }

        @Override
        public String toString() {
            return "entropy device";
        }
    }

    /**
     * A network card on the tap {@code tap} (created if absent) with the MAC address {@code mac} as {@link
     * VirtioNet#parseMac} reads it.
     */
    record Net(String tap, String mac) implements VirtioSpec {
        public Net {
            TapDevice.checkName(tap);
            VirtioNet.parseMac(mac);
        }

        /** The same card on another tap. */
        Net onTap(String name) {
            return new Net(name, mac);
        }

        @Override
        public String kind() {
            return NET;
        }

        @Override
        public VirtioDevice open(OutputStream consoleOutput, InputStream consoleInput) {
            return VirtioNet.open(tap, mac);
        }

        @Override
        public void writeFields(StateEncoder out) {
            out.string(tap).bool(false).string(mac);
        }

        @Override
        public String toString() {
            return "network card " + mac + " on tap " + tap;
        }
    }

    /**
     * A socket device for guest CID {@code guestCid} listening on {@code socket}, with the host connect timeout
     * it was made with.
     */
    record Vsock(long guestCid, String socket, long connectTimeoutMillis) implements VirtioSpec {
        public Vsock {
            VirtioVsock.checkGuestCid(guestCid);
            if (socket == null || socket.isEmpty()) {
                throw new IllegalArgumentException("a vsock device needs a socket path");
            }
            if (connectTimeoutMillis <= 0) {
                throw new IllegalArgumentException(
                        "the vsock connect timeout must be positive: " + connectTimeoutMillis);
            }
        }

        /** The same device listening on another socket. */
        Vsock onSocket(Path path) {
            return vsock(guestCid, path, connectTimeoutMillis);
        }

        @Override
        public String kind() {
            return VSOCK;
        }

        @Override
        public VirtioDevice open(OutputStream consoleOutput, InputStream consoleInput) {
            return new VirtioVsock(guestCid, Path.of(socket), connectTimeoutMillis);
        }

        @Override
        public void writeFields(StateEncoder out) {
            out.string(socket).bool(false).i64(guestCid).i64(connectTimeoutMillis);
        }

        @Override
        public String toString() {
            return "socket device for CID " + guestCid + " on " + socket;
        }
    }

    /** A console of {@code columns} by {@code rows} (both 0: no size offered); its streams are the restore's. */
    record Console(int columns, int rows) implements VirtioSpec {
        public Console {
            boolean none = columns == 0 && rows == 0;
            if (!none && (columns < 1 || columns > 0xffff || rows < 1 || rows > 0xffff)) {
                throw new IllegalArgumentException(
                        "a console size is 1 to 65535 columns and rows, or 0 by 0 for none: " + columns + "x" + rows);
            }
        }

        @Override
        public String kind() {
            return CONSOLE;
        }

        @Override
        public VirtioDevice open(OutputStream consoleOutput, InputStream consoleInput) {
            return new VirtioConsole(consoleOutput, consoleInput, columns, rows);
        }

        @Override
        public void writeFields(StateEncoder out) {
            out.string("").bool(false).i32(columns).i32(rows);
        }

        @Override
        public String toString() {
            return "console" + (columns == 0 ? "" : " of " + columns + "x" + rows);
        }
    }

    static VirtioSpec disk(Path path, boolean readOnly) {
        return new Disk(path.toAbsolutePath().toString(), readOnly);
    }

    static VirtioSpec rng() {
        return new Rng();
    }

    /** A socket device for {@code guestCid} on {@code socket}, recorded by its absolute path. */
    static Vsock vsock(long guestCid, Path socket, long connectTimeoutMillis) {
        return new Vsock(guestCid, socket.toAbsolutePath().toString(), connectTimeoutMillis);
    }

    /**
     * How a restore opens {@code device}, given to {@code Builder.virtio} as an object, again; null where it cannot
     * (a disk: its O_DIRECT and serial number are not recorded; a device vmm4j does not know).
     */
    static VirtioSpec of(VirtioDevice device) {
        if (device instanceof VirtioRng) {
            return rng();
        }
        if (device instanceof VirtioNet n) {
            return new Net(n.tap().name(), VirtioNet.formatMac(n.mac()));
        }
        if (device instanceof VirtioVsock v) {
            return vsock(v.guestCid(), v.socket(), v.connectTimeoutMillis());
        }
        if (device instanceof VirtioConsole c) {
            return new Console(c.columns(), c.rows());
        }
        return null;
    }

    /** Writes {@code spec}: kind, then its fields. */
    static void write(VirtioSpec spec, StateEncoder out) {
        out.string(spec.kind());
        spec.writeFields(out);
    }

    /**
     * Reads what {@link #write} wrote.
     *
     * @throws IllegalArgumentException for an unknown kind, fields a kind does not have (a path for an entropy
     *     device, a read-only network card), or values its device would refuse (a bad tap name, MAC, CID, size)
     */
    static VirtioSpec read(StateDecoder in) {
        String kind = in.string();
        String path = in.string();
        boolean readOnly = in.bool();
        if (kind.equals(BLK)) {
            return new Disk(path, readOnly);
        }
        if (readOnly) {
            throw new IllegalArgumentException("a virtio " + kind + " device cannot be read-only; only a disk is");
        }
        return switch (kind) {
            case RNG -> {
                if (!path.isEmpty()) {
                    throw new IllegalArgumentException("an entropy device has no path, not '" + path + "'");
                }
                yield rng();
            }
            case NET -> new Net(path, in.string());
            case VSOCK -> new Vsock(in.i64(), path, in.i64());
            case CONSOLE -> {
                if (!path.isEmpty()) {
                    throw new IllegalArgumentException("a console has no path, not '" + path + "'");
                }
                yield new Console(in.i32(), in.i32());
            }
            default -> throw new IllegalArgumentException("unknown virtio device kind '" + kind + "'");
        };
    }
}
