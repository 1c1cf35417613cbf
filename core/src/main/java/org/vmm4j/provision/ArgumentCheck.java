package org.vmm4j.provision;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Validation of everything that reaches an external program. Argument lists cannot be split or
 * globbed by a shell, but a value starting with {@code -} can still be taken for an option, and NUL
 * or newline characters truncate or corrupt what the program sees.
 */
final class ArgumentCheck {
    private static final Pattern PROGRAM = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*|/[A-Za-z0-9_./+-]+");
    private static final Pattern SIMPLE_NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

    private ArgumentCheck() {
    }

    /** An argument list: a validated program name, and no argument with NUL or a line break. */
    static List<String> argv(List<String> argv) {
        if (argv == null || argv.isEmpty()) {
            throw new IllegalArgumentException("argument list is empty");
        }
        if (!PROGRAM.matcher(argv.get(0)).matches()) {
            throw new IllegalArgumentException("not a program name: '" + argv.get(0) + "'");
        }
        for (String arg : argv) {
            if (arg == null || arg.indexOf('\0') >= 0 || arg.indexOf('\n') >= 0 || arg.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("argument of " + argv.get(0) + " is null or contains NUL/line break");
            }
        }
        return List.copyOf(argv);
    }

    /** A Unix user or group name as useradd/groupadd accept it by default (lower case, max 32). */
    static String accountName(String name, String what) {
        if (name == null || !SIMPLE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must match [a-z_][a-z0-9_-]{0,31}, got '" + name + "'");
        }
        return name;
    }

    /** An absolute, normalized path that cannot be taken for an option. */
    static String absolutePath(String path, String what) {
        if (path == null || !path.startsWith("/") || path.contains("//") || path.contains("/../") || path.endsWith("/..")
                || path.contains("/./") || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException(what + " must be an absolute, normalized path without control characters, got '"
                    + path + "'");
        }
        return path;
    }
}
