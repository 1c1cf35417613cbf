package org.vmm4j.machine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.vmm4j.StateSection;

/**
 * Writes a device's saved state: fixed-width little-endian integers, booleans and length-prefixed bytes,
 * after a one-byte layout version that {@link StateDecoder} checks. Each device writes and reads its own
 * fields in its own order (its {@code saveState} and {@code restoreState}, next to the fields).
 */
public final class StateEncoder {
    private final String name;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /**
     * @param name    the section's name (see {@link StateSection})
     * @param version the layout version of the section's content, 0 to 255
     */
    public StateEncoder(String name, int version) {
        this.name = name;
        out.write(version);
    }

    public StateEncoder u8(int v) {
        out.write(v);
        return this;
    }

    public StateEncoder bool(boolean v) {
        out.write(v ? 1 : 0);
        return this;
    }

    public StateEncoder i32(int v) {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
        return this;
    }

    public StateEncoder i64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    /** A length (as {@link #i32}) and the bytes. */
    public StateEncoder bytes(byte[] b) {
        i32(b.length);
        out.write(b, 0, b.length);
        return this;
    }

    /** UTF-8 bytes, as {@link #bytes}. */
    public StateEncoder string(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The section made of what was written. */
    public StateSection toSection() {
        return new StateSection(name, out.toByteArray());
    }
}
