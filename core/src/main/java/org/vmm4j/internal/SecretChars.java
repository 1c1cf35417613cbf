package org.vmm4j.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Secrets kept in char arrays (passwords, passphrases): conversions that leave no extra copies behind. */
public final class SecretChars {
    private SecretChars() {}

    /**
     * The UTF-8 bytes of {@code secret}. The encoder's intermediate buffer is wiped; the caller wipes
     * the returned array when done.
     */
    public static byte[] utf8(char[] secret) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
        byte[] out = new byte[encoded.remaining()];
        encoded.get(out);
        if (encoded.hasArray()) {
            @SuppressWarnings("ByteBufferBackingArray") // wipes the whole backing array, offset or not
            byte[] backing = encoded.array();
            Arrays.fill(backing, (byte) 0);
        }
        return out;
    }
}
