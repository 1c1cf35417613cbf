package org.vmm4j.machine;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.vmm4j.StateSection;

/**
 * Reads what a {@link StateEncoder} wrote, checking as it goes: a section of another layout version, too
 * short, or with bytes left over is refused with an {@link IllegalArgumentException} naming the section.
 */
public final class StateDecoder {
    private final String name;
    private final byte[] data;
    private int position;

    /**
     * @param section  the saved section
     * @param expected the name it must have
     * @param version  the layout version this reader understands
     * @throws IllegalArgumentException if the name or the version differ, or the section is empty
     */
    public StateDecoder(StateSection section, String expected, int version) {
        if (!section.name().equals(expected)) {
            throw new IllegalArgumentException(
                    "expected state section '" + expected + "', got '" + section.name() + "'");
        }
        this.name = section.name();
        this.data = section.data();
        int found = u8();
        if (found != version) {
            throw new IllegalArgumentException(
                    "state section '" + name + "' has layout version " + found + "; this vmm4j reads " + version);
        }
    }

    private void need(int n) {
        if (n < 0 || data.length - position < n) {
            throw new IllegalArgumentException("state section '" + name + "' is truncated at byte " + position + " ("
                    + data.length + " bytes, " + n + " more needed)");
        }
    }

    public int u8() {
        need(1);
        return data[position++] & 0xff;
    }

    public boolean bool() {
        int v = u8();
        if (v > 1) {
            throw new IllegalArgumentException(
                    "state section '" + name + "' has " + v + " for a boolean at byte " + (position - 1));
        }
        return v == 1;
    }

    public int i32() {
        need(4);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (data[position++] & 0xff) << (8 * i);
        }
        return v;
    }

    public long i64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (data[position++] & 0xffL) << (8 * i);
        }
        return v;
    }

    /** An {@link #i32} from {@code min} to {@code max}, or an exception naming {@code what}. */
    public int i32(String what, int min, int max) {
        int v = i32();
        if (v < min || v > max) {
            throw refused(what + " " + v + " is not from " + min + " to " + max);
        }
        return v;
    }

    /** A {@link #u8} with no bit set outside {@code allowed}, or an exception naming {@code what}. */
    public int u8Bits(String what, int allowed) {
        int v = u8();
        if ((v & ~allowed) != 0) {
            throw refused(String.format("%s 0x%x has bits outside 0x%x", what, v, allowed));
        }
        return v;
    }

    /** An {@link #i64} from {@code min} to {@code max}, or an exception naming {@code what}. */
    public long i64(String what, long min, long max) {
        long v = i64();
        if (v < min || v > max) {
            throw refused(what + " " + v + " is not from " + min + " to " + max);
        }
        return v;
    }

    /** The exception for a section whose fields hold a state the device cannot be in: names the section. */
    public IllegalArgumentException refused(String problem) {
        return new IllegalArgumentException("state section '" + name + "': " + problem);
    }

    public byte[] bytes() {
        int n = i32();
        need(n);
        byte[] b = new byte[n];
        System.arraycopy(data, position, b, 0, n);
        position += n;
        return b;
    }

    /**
     * A {@link #bytes} field as UTF-8 text.
     *
     * @throws IllegalArgumentException if the bytes are not well-formed UTF-8 (read leniently, they would turn into
     *     other text, silently)
     */
    public String string() {
        int at = position;
        byte[] b = bytes();
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    "state section '" + name + "' has a string at byte " + at + " that is not UTF-8", e);
        }
    }

    /**
     * Checks that everything was read.
     *
     * @throws IllegalArgumentException if bytes are left over
     */
    public void end() {
        if (position != data.length) {
            throw new IllegalArgumentException("state section '" + name + "' has " + (data.length - position)
                    + " bytes more than this vmm4j reads");
        }
    }
}
