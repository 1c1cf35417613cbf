package org.vmm4j.openbsd.guest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One imsg: type, peer id, sender pid and payload. {@code hasFd} says an fd travelled with it; this
 * client never sends one (java.nio cannot pass descriptors), and vmd sends none to vmctl.
 */
@SuppressWarnings("ArrayRecordComponent") // a message on the wire, never compared or hashed
public record Imsg(int type, int peerId, int pid, byte[] payload, boolean hasFd) {

    public Imsg {
        payload = payload.clone();
    }

    /** A message as vmctl sends it: peer id and pid 0 (libutil fills in the pid). */
    public static Imsg of(int type, byte[] payload) {
        return new Imsg(type, 0, 0, payload, false);
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload as a little-endian buffer. */
    public ByteBuffer data() {
        return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    }

    public int payloadLength() {
        return payload.length;
    }

    /** Header plus payload in {@code format}. */
    public byte[] encode(ImsgHeaderFormat format) {
        ByteBuffer out = ByteBuffer.allocate(ImsgHeaderFormat.HEADER_SIZE + payload.length);
        format.writeHeader(this, out);
        out.put(payload);
        return out.array();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Imsg m
                && m.type == type
                && m.peerId == peerId
                && m.pid == pid
                && m.hasFd == hasFd
                && Arrays.equals(m.payload, payload);
    }

    @Override
    public int hashCode() {
        return type * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "Imsg[type " + type + ", " + payload.length + " bytes" + (hasFd ? ", fd" : "") + "]";
    }
}
