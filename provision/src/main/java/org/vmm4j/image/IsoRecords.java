package org.vmm4j.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * Byte-level encoders for ECMA-119 (ISO 9660) structures and the SUSP/Rock Ridge (RRIP 1.10, "1991A")
 * entries in their system use areas. Field offsets follow ECMA-119 section 9.1 (directory records)
 * and IEEE P1282 (RRIP) section 4.1.
 */
final class IsoRecords {
    static final int SECTOR = 2048;
    static final int FLAG_DIRECTORY = 0x02;

    private static final String RRIP_ID = "RRIP_1991A";
    private static final String RRIP_DESCRIPTION =
            "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
    private static final String RRIP_SOURCE = "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.";

    private IsoRecords() {}

    /** ECMA-119 7.3.3: a 32-bit value little-endian then big-endian. */
    static void both32(ByteBuffer b, int offset, long value) {
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(offset, (int) value);
        b.order(ByteOrder.BIG_ENDIAN).putInt(offset + 4, (int) value);
    }

    /** ECMA-119 7.2.3: a 16-bit value little-endian then big-endian. */
    static void both16(ByteBuffer b, int offset, int value) {
        b.order(ByteOrder.LITTLE_ENDIAN).putShort(offset, (short) value);
        b.order(ByteOrder.BIG_ENDIAN).putShort(offset + 2, (short) value);
    }

    /** ECMA-119 9.1.5: seven bytes, years since 1900 .. seconds, then the GMT offset in 15-minute units. */
    static byte[] recordDate(ZonedDateTime t) {
        ZonedDateTime u = t.withZoneSameInstant(ZoneOffset.UTC);
        return new byte[] {
            (byte) (u.getYear() - 1900),
            (byte) u.getMonthValue(),
            (byte) u.getDayOfMonth(),
            (byte) u.getHour(),
            (byte) u.getMinute(),
            (byte) u.getSecond(),
            0
        };
    }

    /** ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" in digits, then the GMT offset byte. */
    static byte[] descriptorDate(ZonedDateTime t) {
        byte[] out = new byte[17];
        if (t == null) {
            System.arraycopy("0000000000000000".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 16);
            return out;
        }
        ZonedDateTime u = t.withZoneSameInstant(ZoneOffset.UTC);
        String s = String.format(
                "%04d%02d%02d%02d%02d%02d%02d",
                u.getYear(),
                u.getMonthValue(),
                u.getDayOfMonth(),
                u.getHour(),
                u.getMinute(),
                u.getSecond(),
                u.getNano() / 10_000_000);
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, out, 0, 16);
        return out;
    }

    /** Length of a directory record with this identifier and system use area (ECMA-119 9.1.12: even). */
    static int recordLength(int identifierLength, int systemUseLength) {
        int length = 33 + identifierLength + ((identifierLength & 1) == 0 ? 1 : 0) + systemUseLength;
        return (length + 1) & ~1;
    }

    /** A directory record (ECMA-119 9.1). */
    static byte[] directoryRecord(
            long extent, long dataLength, int flags, byte[] identifier, byte[] systemUse, ZonedDateTime time) {
        int length = recordLength(identifier.length, systemUse.length);
        if (length > 255) {
            throw new IllegalArgumentException("directory record of " + length + " bytes exceeds 255");
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(0, (byte) length);
        both32(b, 2, extent);
        both32(b, 10, dataLength);
        b.put(18, recordDate(time));
        b.put(25, (byte) flags);
        both16(b, 28, 1); // volume sequence number
        b.put(32, (byte) identifier.length);
        b.put(33, identifier);
        int su = 33 + identifier.length + ((identifier.length & 1) == 0 ? 1 : 0);
        b.put(su, systemUse);
        return b.array();
    }

    /** SUSP "SP": marks the start of SUSP entries; only in the root's "." record. */
    static byte[] sp() {
        return new byte[] {'S', 'P', 7, 1, (byte) 0xBE, (byte) 0xEF, 0};
    }

    /** SUSP "ER": names the extension in use (RRIP 1991A); only in the root's "." record. */
    static byte[] er() {
        byte[] id = RRIP_ID.getBytes(StandardCharsets.US_ASCII);
        byte[] des = RRIP_DESCRIPTION.getBytes(StandardCharsets.US_ASCII);
        byte[] src = RRIP_SOURCE.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(8 + id.length + des.length + src.length);
        b.put((byte) 'E').put((byte) 'R').put((byte) b.capacity()).put((byte) 1);
        b.put((byte) id.length).put((byte) des.length).put((byte) src.length).put((byte) 1);
        b.put(id).put(des).put(src);
        return b.array();
    }

    /** RRIP 1.09 "RR": which Rock Ridge entries follow (PX=0x01, NM=0x08, TF=0x80); kept for older readers. */
    static byte[] rr(int flags) {
        return new byte[] {'R', 'R', 5, 1, (byte) flags};
    }

    /** RRIP "PX": POSIX mode, link count, uid, gid (the 36-byte 1991A form). */
    static byte[] px(int mode, int links) {
        ByteBuffer b = ByteBuffer.allocate(36);
        b.put(0, (byte) 'P').put(1, (byte) 'X').put(2, (byte) 36).put(3, (byte) 1);
        both32(b, 4, mode);
        both32(b, 12, links);
        both32(b, 20, 0);
        both32(b, 28, 0);
        return b.array();
    }

    /** RRIP "NM": the real (POSIX) file name. */
    static byte[] nm(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(5 + n.length);
        b.put((byte) 'N')
                .put((byte) 'M')
                .put((byte) (5 + n.length))
                .put((byte) 1)
                .put((byte) 0)
                .put(n);
        return b.array();
    }

    /** RRIP "TF": modification and access times in the 7-byte form. */
    static byte[] tf(ZonedDateTime time) {
        ByteBuffer b = ByteBuffer.allocate(5 + 14);
        b.put((byte) 'T').put((byte) 'F').put((byte) 19).put((byte) 1).put((byte) 0x06);
        b.put(recordDate(time)).put(recordDate(time));
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
