package org.vmm4j.image;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.commons.codec.digest.Crypt;
import org.vmm4j.internal.SecretChars;

/**
 * A SHA-512 crypt(3) password hash ({@code $6$salt$hash}), the form cloud-init writes to
 * /etc/shadow. The plain password is hashed as soon as it is given and never kept; {@link #toString()}
 * does not show even the hash, since it can be attacked offline.
 */
public final class PasswordHash {
    private static final Pattern SHA512_CRYPT =
            Pattern.compile("\\$6\\$(rounds=[0-9]{4,9}\\$)?[./0-9A-Za-z]{1,16}\\$[./0-9A-Za-z]{86}");
    private static final char[] SALT_CHARS =
            "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String value;

    private PasswordHash(String value) {
        this.value = value;
    }

    /**
     * Hashes {@code password} with SHA-512 crypt and a random 16-character salt. The caller's array
     * is left as is (clear it when done); the UTF-8 copy made here is wiped.
     */
    public static PasswordHash sha512(char[] password) {
        Objects.requireNonNull(password, "password");
        if (password.length == 0) {
            throw new IllegalArgumentException("password is empty");
        }
        byte[] utf8 = SecretChars.utf8(password);
        try {
            char[] salt = new char[16];
            for (int i = 0; i < salt.length; i++) {
                salt[i] = SALT_CHARS[RANDOM.nextInt(SALT_CHARS.length)];
            }
            return new PasswordHash(Crypt.crypt(utf8, "$6$" + new String(salt)));
        } finally {
            Arrays.fill(utf8, (byte) 0);
        }
    }

    /** Wraps an existing SHA-512 crypt hash, e.g. from {@code mkpasswd -m sha-512}. */
    public static PasswordHash ofHash(String hash) {
        if (hash == null || !SHA512_CRYPT.matcher(hash).matches()) {
            // The value is not echoed: a caller may have passed a plain password here by mistake.
            throw new IllegalArgumentException("not a SHA-512 crypt hash ($6$salt$86-character-hash)");
        }
        return new PasswordHash(hash);
    }

    /** Whether {@code password} hashes to this value with this salt. */
    public boolean matches(char[] password) {
        byte[] utf8 = SecretChars.utf8(password);
        try {
            return java.security.MessageDigest.isEqual(
                    Crypt.crypt(utf8, value).getBytes(StandardCharsets.US_ASCII),
                    value.getBytes(StandardCharsets.US_ASCII));
        } finally {
            Arrays.fill(utf8, (byte) 0);
        }
    }

    /** The {@code $6$...} string, for the files that must carry it. */
    public String value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PasswordHash p && p.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return "PasswordHash[sha512-crypt, redacted]";
    }
}
