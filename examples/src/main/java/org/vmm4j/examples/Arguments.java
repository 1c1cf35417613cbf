package org.vmm4j.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A command's arguments, consumed as the command reads them: options and flags first (anywhere on the
 * line), then positional arguments in order; {@link #end()} rejects whatever is left. Every mistake is
 * an {@link IllegalArgumentException} carrying the command's usage, which the CLI prints with exit
 * status 2.
 */
final class Arguments {
    private final List<String> rest;
    private final String usage;

    Arguments(String[] args, String usage) {
        this.rest = new ArrayList<>(Arrays.asList(args));
        this.usage = usage;
    }

    /** The same remaining arguments checked against another usage line (for a sub-command). */
    Arguments withUsage(String subUsage) {
        return new Arguments(rest.toArray(String[]::new), subUsage);
    }

    /** Whether {@code name} (e.g. {@code --force}) was given; consumes it. */
    boolean flag(String name) {
        return rest.removeIf(name::equals);
    }

    /** The value of {@code name VALUE} or {@code name=VALUE}; consumes both. */
    Optional<String> option(String name) {
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (a.equals(name)) {
                if (i + 1 >= rest.size()) {
                    throw error(name + " needs a value");
                }
                rest.remove(i);
                return Optional.of(rest.remove(i));
            }
            if (a.startsWith(name + "=")) {
                rest.remove(i);
                return Optional.of(a.substring(name.length() + 1));
            }
        }
        return Optional.empty();
    }

    /** {@link #option} as a whole number of at least {@code min}. */
    Optional<Long> number(String name, long min) {
        return option(name).map(v -> {
            try {
                long n = Long.parseLong(v);
                if (n >= min) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below, with the usage
            }
            throw error(name + " wants a whole number of at least " + min + ", not '" + v + "'");
        });
    }

    /** The next positional argument; {@code what} names it in the error when it is missing. */
    String positional(String what) {
        for (int i = 0; i < rest.size(); i++) {
            if (!rest.get(i).startsWith("-")) {
                return rest.remove(i);
            }
        }
        throw error("missing " + what);
    }

    /** Fails on the first argument nobody consumed. */
    void end() {
        if (!rest.isEmpty()) {
            String first = rest.get(0);
            throw error((first.startsWith("-") ? "unknown option " : "unexpected argument ") + first);
        }
    }

    IllegalArgumentException error(String problem) {
        return new IllegalArgumentException(problem + " (usage: " + usage + ")");
    }
}
