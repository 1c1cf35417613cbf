package org.vmm4j.freebsd.host;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * ZFS dataset name rules (zfs(8), "ZFS File System Hierarchy"): components of letters, digits and
 * {@code _ - : .} separated by {@code /}, a pool name that starts with a letter and is not a vdev
 * keyword, no {@code @} or {@code #} (snapshots and bookmarks are not volumes), at most 255 bytes.
 */
public final class ZfsNames {
    private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9_.:-]+");
    private static final Pattern POOL = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]*");
    private static final Set<String> RESERVED_POOLS = Set.of("mirror", "raidz", "draid", "spare", "log", "cache",
            "special", "dedup");
    private static final int MAX_LENGTH = 255;

    private ZfsNames() {
    }

    /** Returns {@code name} when it is a valid dataset name below a pool, else throws naming the rule broken. */
    public static String requireDataset(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("ZFS dataset name must be 1.." + MAX_LENGTH + " characters, got '" + name + "'");
        }
        String[] parts = name.split("/", -1);
        if (parts.length < 2) {
            throw new IllegalArgumentException("ZFS dataset name must be pool/path, got '" + name + "'");
        }
        String pool = parts[0];
        if (!POOL.matcher(pool).matches() || RESERVED_POOLS.stream().anyMatch(pool::startsWith)
                || pool.matches("c[0-9].*")) {
            throw new IllegalArgumentException("invalid ZFS pool name '" + pool + "' in '" + name + "'");
        }
        for (String part : parts) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || !COMPONENT.matcher(part).matches()) {
                throw new IllegalArgumentException("invalid ZFS dataset component '" + part + "' in '" + name
                        + "' (allowed: letters, digits, _ - : .)");
            }
        }
        return name;
    }
}
