package org.vmm4j.host;

import java.util.regex.Pattern;

/**
 * Validation of every name that reaches an external program or a path: guest names, bridge and tap
 * names, pools, datasets. A name starts with a letter or digit (so it can never be read as an option)
 * and holds only letters, digits, '.', '_' and '-'; no '/', ';', spaces, quotes or shell metacharacters.
 */
public final class SafeNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern DATASET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*(/[A-Za-z0-9][A-Za-z0-9._:-]*)*");

    private SafeNames() {
    }

    /**
     * Returns {@code name} if it is a safe name of at most {@code maxLength} characters.
     *
     * @param what what the name names, for the message ("guest name", "bridge")
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static String require(String what, String name, int maxLength) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (name.length() > maxLength) {
            throw new IllegalArgumentException(what + " '" + printable(name) + "' is longer than " + maxLength
                    + " characters");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + printable(name) + "' may contain only letters, digits, "
                    + "'.', '_' and '-', and must start with a letter or digit");
        }
        return name;
    }

    /** A ZFS dataset path such as {@code zroot/vm/web1}: safe names separated by '/'. */
    public static String requireDataset(String what, String path, int maxLength) {
        if (path == null || path.isEmpty() || path.length() > maxLength || !DATASET.matcher(path).matches()) {
            throw new IllegalArgumentException(what + " '" + printable(String.valueOf(path))
                    + "' must be safe names separated by '/', at most " + maxLength + " characters");
        }
        return path;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
