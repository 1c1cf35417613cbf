package org.vmm4j.freebsd.host;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * ZFS dataset name rules (zfs(8), "ZFS File System Hierarchy"): components of letters, digits and
 * {@code _ - : .} separated by {@code /}, a pool name that starts with a letter and is not a vdev
 * keyword, no {@code @} or {@code #} (snapshots and bookmarks are not volumes), at most 255 bytes.
 * Stricter than ZFS in one way: every component starts with a letter or digit, so no part of a name
 * that reaches {@code zfs} or a {@code /dev/zvol} path can read as an option or as {@code .}/{@code ..}.
 */
public final class ZfsNames {
    private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");
    private static final Pattern POOL = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]*");
    private static final Set<String> RESERVED_POOLS =
            Set.of("mirror", "raidz", "draid", "spare", "log", "cache", "special", "dedup");
    private static final int MAX_LENGTH = 255;

    private ZfsNames() {}

    /** Returns {@code name} when it is a valid dataset name below a pool, else throws naming the rule broken. */
    public static String requireDataset(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("ZFS dataset name must be 1.." + MAX_LENGTH + " characters, got '"
                    + printable(String.valueOf(name)) + "'");
        }
        String[] parts = name.split("/", -1);
        if (parts.length < 2) {
            throw new IllegalArgumentException("ZFS dataset name must be pool/path, got '" + printable(name) + "'");
        }
        String pool = parts[0];
        if (!POOL.matcher(pool).matches()
                || RESERVED_POOLS.stream().anyMatch(pool::startsWith)
                || pool.matches("c[0-9].*")) {
            throw new IllegalArgumentException(
                    "invalid ZFS pool name '" + printable(pool) + "' in '" + printable(name) + "'");
        }
        for (String part : parts) {
            if (!COMPONENT.matcher(part).matches()) {
                throw new IllegalArgumentException("invalid ZFS dataset component '" + printable(part) + "' in '"
                        + printable(name) + "' (letters, digits, _ - : . and a letter or digit first)");
            }
        }
        return name;
    }

    /** The name as it may appear in a message: control characters replaced, at most 80 characters. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
