package org.vmm4j.image;

import java.util.regex.Pattern;

/** Validation of the names that end up in cloud-init files and, from there, in guest commands. */
final class CloudNames {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern ACCOUNT = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    private static final Pattern SSH_KEY =
            Pattern.compile("(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\\.com"
                    + "|sk-ecdsa-sha2-nistp256@openssh\\.com) [A-Za-z0-9+/]+={0,3}( [^\\r\\n]*)?");
    private static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9+._:~=@-]{0,127}");

    private CloudNames() {}

    /** A single DNS label (RFC 1123), as a short host name. */
    static String hostname(String name) {
        if (name == null || !LABEL.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "host name must be one RFC 1123 label (letters, digits, '-'; 1..63), got '" + name + "'");
        }
        return name;
    }

    /** A fully qualified domain name: labels separated by dots, at most 253 characters. */
    static String fqdn(String name) {
        if (name == null || name.length() > 253 || !name.contains(".")) {
            throw new IllegalArgumentException(
                    "FQDN must be dot-separated labels of at most 253 characters, got '" + name + "'");
        }
        for (String label : name.split("\\.", -1)) {
            hostname(label);
        }
        return name;
    }

    static String account(String name, String what) {
        if (name == null || !ACCOUNT.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must match [a-z_][a-z0-9_-]{0,31}, got '" + name + "'");
        }
        return name;
    }

    /** One OpenSSH public key line: a known key type, base64 data, an optional comment; no line break. */
    static String sshPublicKey(String key) {
        if (key == null || !SSH_KEY.matcher(key.strip()).matches()) {
            String shown = key == null ? "null" : key.length() > 20 ? key.substring(0, 20) + "..." : key;
            throw new IllegalArgumentException(
                    "not an OpenSSH public key line: '" + shown.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return key.strip();
    }

    static String packageName(String name) {
        if (name == null || !PACKAGE.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid package name '" + name + "'");
        }
        return name;
    }

    /** An absolute path in the guest without control characters or {@code ..} components. */
    static String guestPath(String path) {
        if (path == null
                || !path.startsWith("/")
                || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)
                || java.util.Arrays.asList(path.split("/")).contains("..")) {
            throw new IllegalArgumentException(
                    "guest path must be absolute without '..' or control characters, got '" + path + "'");
        }
        return path;
    }

    /** Text that must stay on one line (sudo rules, shells, GECOS). */
    static String oneLine(String text, String what) {
        if (text == null || text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException(what + " must be one line without control characters");
        }
        return text;
    }
}
