package org.vmm4j.host;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Validation of every name that reaches an external program or a path: guest names, bridge and tap
 * names, pools. A name starts with a letter or digit (so it can never be read as an option)
 * and holds only letters, digits, '.', '_' and '-'; no '/', ';', spaces, quotes or shell metacharacters.
 *
 * <p>Whole argument lists are checked too: they cannot be split or globbed by a shell, but NUL or
 * line-break characters truncate or corrupt what the program sees.
 */
public final class SafeNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern PROGRAM = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*|/[A-Za-z0-9_./+-]+");
    /** What a Unix user or group name may be, as useradd and groupadd accept it by default. */
    public static final String ACCOUNT_NAME = "[a-z_][a-z0-9_-]{0,31}";

    private static final Pattern ACCOUNT = Pattern.compile(ACCOUNT_NAME);

    private SafeNames() {}

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
            throw new IllegalArgumentException(
                    what + " '" + printable(name) + "' is longer than " + maxLength + " characters");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + printable(name) + "' may contain only letters, digits, "
                    + "'.', '_' and '-', and must start with a letter or digit");
        }
        return name;
    }

    /**
     * Returns an immutable copy of {@code command} if it is a program name (a plain name looked up in
     * {@code PATH}, or an absolute path) followed by arguments without NUL or line breaks.
     *
     * @throws IllegalArgumentException when the list is empty or any element is not acceptable
     */
    public static List<String> requireCommand(List<String> command) {
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("argument list is empty");
        }
        for (String arg : command) {
            if (arg == null || arg.indexOf('\0') >= 0 || arg.indexOf('\n') >= 0 || arg.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("argument of " + printable(String.valueOf(command.get(0)))
                        + " is null or contains NUL/line break");
            }
        }
        if (!PROGRAM.matcher(command.get(0)).matches()) {
            throw new IllegalArgumentException("not a program name: '" + printable(command.get(0)) + "'");
        }
        return List.copyOf(command);
    }

    /** Returns {@code name} if it is a Unix user or group name as useradd/groupadd accept it by default. */
    public static String requireAccountName(String what, String name) {
        if (name == null || !ACCOUNT.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    what + " must match " + ACCOUNT_NAME + ", got '" + printable(String.valueOf(name)) + "'");
        }
        return name;
    }

    /** Returns {@code path} if it is absolute and normalized (so it cannot be read as an option). */
    public static String requireAbsolutePath(String what, String path) {
        if (path == null
                || !path.startsWith("/")
                || path.contains("//")
                || path.contains("/../")
                || path.endsWith("/..")
                || path.contains("/./")
                || path.endsWith("/.")
                || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException(
                    what + " must be an absolute, normalized path without control characters, got '"
                            + printable(String.valueOf(path)) + "'");
        }
        return path;
    }

    /** {@code s} as a message may quote it: control characters as '?', at most 80 characters. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
