package org.vmm4j.provision;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and appends OpenSSH known_hosts files (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"): plain and
 * hashed ({@code |1|salt|hmac}) host fields, comma-separated names, {@code *}/{@code ?} patterns and
 * negation. Marker lines ({@code @cert-authority}, {@code @revoked}) are not host keys and are skipped.
 */
final class KnownHostsFile {
    private static final Logger LOG = LoggerFactory.getLogger(KnownHostsFile.class);

    /** One host key line. */
    @SuppressWarnings("ArrayRecordComponent") // matched by host pattern, never compared as a whole
    record Entry(String hosts, String keyType, byte[] key) {
        boolean matches(String host) {
            boolean matched = false;
            for (String pattern : hosts.split(",")) {
                if (pattern.startsWith("!")) {
                    if (glob(pattern.substring(1), host)) {
                        return false;
                    }
                } else if (pattern.startsWith("|1|") ? hashedMatches(pattern, host) : glob(pattern, host)) {
                    matched = true;
                }
            }
            return matched;
        }
    }

    private KnownHostsFile() {}

    static List<Entry> read(Path file) {
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(file)) {
            return entries;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#") || s.startsWith("@")) {
                    continue;
                }
                String[] f = s.split("\\s+");
                if (f.length < 3) {
                    continue;
                }
                try {
                    entries.add(new Entry(f[0], f[1], Base64.getDecoder().decode(f[2])));
                } catch (IllegalArgumentException malformed) {
                    // A damaged line matches nothing, exactly as in OpenSSH.
                    LOG.debug("ignoring a line of {} whose key is not base64", file, malformed);
                }
            }
            return entries;
        } catch (IOException e) {
            throw new SshException("cannot read known hosts file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends a plain (unhashed) line, creating the file with mode 0600 when it does not exist. */
    static void append(Path file, String host, byte[] key) {
        String line = host + " " + keyType(key) + " " + Base64.getEncoder().encodeToString(key) + "\n";
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (!Files.exists(file)) {
                try {
                    Files.createFile(
                            file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException notPosix) {
                    Files.createFile(file);
                }
            }
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new SshException("cannot record host key in " + file + ": " + e.getMessage(), e);
        }
    }

    /** The key type named at the start of an SSH public key blob (RFC 4253 6.6), e.g. {@code ssh-ed25519}. */
    static String keyType(byte[] blob) {
        ByteBuffer b = ByteBuffer.wrap(blob);
        if (blob.length < 4) {
            throw new SshException("server host key blob is truncated");
        }
        int length = b.getInt();
        if (length <= 0 || length > blob.length - 4) {
            throw new SshException("server host key blob has a bad type length " + length);
        }
        return new String(blob, 4, length, StandardCharsets.US_ASCII);
    }

    /** {@code SHA256:<base64>}, the fingerprint format of {@code ssh-keygen -l}. */
    static String fingerprint(byte[] blob) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static boolean hashedMatches(String field, String host) {
        String[] parts = field.split("\\|");
        if (parts.length != 4) {
            return false;
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(salt, "HmacSHA1"));
            return MessageDigest.isEqual(expected, mac.doFinal(host.getBytes(StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean glob(String pattern, String text) {
        return globAt(pattern, 0, text, 0);
    }

    private static boolean globAt(String p, int pi, String t, int ti) {
        if (pi == p.length()) {
            return ti == t.length();
        }
        char c = p.charAt(pi);
        if (c == '*') {
            for (int k = ti; k <= t.length(); k++) {
                if (globAt(p, pi + 1, t, k)) {
                    return true;
                }
            }
            return false;
        }
        return ti < t.length() && (c == '?' || c == t.charAt(ti)) && globAt(p, pi + 1, t, ti + 1);
    }

    static boolean sameKey(Entry e, byte[] key) {
        return Arrays.equals(e.key(), key);
    }
}
