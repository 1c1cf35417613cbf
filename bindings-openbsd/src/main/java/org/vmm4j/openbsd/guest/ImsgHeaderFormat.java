package org.vmm4j.openbsd.guest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The two {@code struct imsg_hdr} layouts of libutil's imsg framing. Both are 16 bytes in host byte
 * order (little-endian on amd64) and {@code len} counts the header too; they differ in how a message
 * says an fd travels with it.
 *
 * <ul>
 *   <li>{@link #LEGACY} (imsg.h 1.17 and earlier, through OpenBSD 7.6):
 *       {@code uint32_t type; uint16_t len; uint16_t flags; uint32_t peerid; uint32_t pid;},
 *       fd marked by {@code flags & IMSGF_HASFD}.</li>
 *   <li>{@link #CURRENT} (imsg.h 1.24 / imsg.c 1.42, 2025):
 *       {@code uint32_t type; uint32_t len; uint32_t peerid; uint32_t pid;}, fd marked by the top bit
 *       of {@code len} ({@code IMSG_FD_MARK}).</li>
 * </ul>
 *
 * A message without an fd is byte-identical in both.
 */
public enum ImsgHeaderFormat {
    LEGACY,
    CURRENT;

    public static final int HEADER_SIZE = 16;
    public static final int MAX_IMSGSIZE = 16384;
    public static final int IMSGF_HASFD = 1;
    public static final int IMSG_FD_MARK = 0x8000_0000;

    /**
     * The format for a {@code kern.osrelease}: {@link #CURRENT} from 7.8 on, {@link #LEGACY} before 7.7.
     * 7.7 falls in the window in which the change landed (after 2024-11-21, by 2025-06-05); it is
     * taken as {@link #LEGACY}, which only matters for messages that carry an fd.
     */
    public static ImsgHeaderFormat forRelease(String osRelease) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+)\\.(\\d+).*").matcher(osRelease == null ? "" : osRelease.trim());
        if (!m.matches()) {
            return CURRENT;
        }
        int version = Integer.parseInt(m.group(1)) * 10 + Integer.parseInt(m.group(2));
        return version >= 78 ? CURRENT : LEGACY;
    }

    /** Writes the header for {@code message} at the buffer's position (little-endian). */
    public void writeHeader(Imsg message, ByteBuffer out) {
        int length = HEADER_SIZE + message.payload().length;
        if (length > MAX_IMSGSIZE) {
            throw new IllegalArgumentException("imsg of " + length + " bytes exceeds MAX_IMSGSIZE " + MAX_IMSGSIZE);
        }
        out.order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(message.type());
        if (this == LEGACY) {
            out.putShort((short) length);
            out.putShort((short) (message.hasFd() ? IMSGF_HASFD : 0));
        } else {
            out.putInt(message.hasFd() ? length | IMSG_FD_MARK : length);
        }
        out.putInt(message.peerId());
        out.putInt(message.pid());
    }

    /** The decoded header fields; {@code length} includes the header. */
    public record Header(int type, int length, boolean hasFd, int peerId, int pid) {}

    /**
     * Reads a header from 16 bytes at the buffer's position.
     *
     * @throws ImsgException when the length is impossible
     */
    public Header readHeader(ByteBuffer in) {
        in.order(ByteOrder.LITTLE_ENDIAN);
        int type = in.getInt();
        int length;
        boolean hasFd;
        if (this == LEGACY) {
            length = in.getShort() & 0xffff;
            hasFd = (in.getShort() & IMSGF_HASFD) != 0;
        } else {
            int raw = in.getInt();
            hasFd = (raw & IMSG_FD_MARK) != 0;
            length = raw & ~IMSG_FD_MARK;
        }
        int peerId = in.getInt();
        int pid = in.getInt();
        if (length < HEADER_SIZE || length > MAX_IMSGSIZE) {
            throw new ImsgException("bad imsg length " + length + " (type " + type + ")");
        }
        return new Header(type, length, hasFd, peerId, pid);
    }
}
