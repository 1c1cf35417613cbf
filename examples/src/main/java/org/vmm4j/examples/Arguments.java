package org.vmm4j.examples;

import static org.vmm4j.examples.CliText.t;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A command's arguments, consumed as the command reads them: options and flags first (anywhere on the
 * line), then positional arguments in order; {@link #end()} rejects whatever is left. The command's
 * {@link CommandSpec} defines every option it may read: reading one it does not define is a bug in the
 * command ({@link IllegalStateException}), so the help, printed from the same table, lists them all.
 * Every mistake of the user is an {@link IllegalArgumentException} carrying the command's usage, which
 * the CLI prints with exit status 2.
 */
final class Arguments {
    private final List<String> rest;
    private final CommandSpec spec;
    private final String usage;

    Arguments(String[] args, CommandSpec spec) {
        this(new ArrayList<>(Arrays.asList(args)), spec, spec.usage());
    }

    private Arguments(List<String> rest, CommandSpec spec, String usage) {
        this.rest = rest;
        this.spec = spec;
        this.usage = usage;
    }

    /** The same remaining arguments checked against another usage line (for a sub-command). */
    Arguments withUsage(String subUsage) {
        return new Arguments(new ArrayList<>(rest), spec, subUsage);
    }

    /** Whether {@code name} (e.g. {@code --force}) was given; consumes it. */
    boolean flag(String name) {
        defined(name, false);
        return rest.removeIf(name::equals);
    }

    /** The value of {@code name VALUE} or {@code name=VALUE}; consumes both. */
    Optional<String> option(String name) {
        List<String> all = options(name);
        if (all.size() > 1) {
            throw error(t("args.more-than-once", name));
        }
        return all.stream().findFirst();
    }

    /** Every value of an option that may be repeated ({@code --run A --run B}); consumes them. */
    List<String> options(String name) {
        defined(name, true);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < rest.size(); ) {
            String a = rest.get(i);
            if (a.equals(name)) {
                if (i + 1 >= rest.size()) {
                    throw error(t("args.needs-value", name));
                }
                rest.remove(i);
                values.add(rest.remove(i));
            } else if (a.startsWith(name + "=")) {
                rest.remove(i);
                values.add(a.substring(name.length() + 1));
            } else {
                i++;
            }
        }
        return values;
    }

    /** {@link #option} as a whole number of at least {@code min}. */
    Optional<Long> number(String name, long min) {
        return number(name, min, Long.MAX_VALUE);
    }

    /** {@link #option} as a whole number from {@code min} to {@code max}. */
    Optional<Long> number(String name, long min, long max) {
        return option(name).map(v -> {
            try {
                long n = Long.parseLong(v);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below, with the usage
            }
            throw error(
                    max == Long.MAX_VALUE
                            ? t("args.number-min", name, String.valueOf(min), v)
                            : t("args.number-range", name, String.valueOf(min), String.valueOf(max), v));
        });
    }

    /**
     * The next positional argument; {@code what} names it in the error when it is missing. Arguments
     * starting with {@code -} are options, never positional: one nobody read is reported as unknown.
     */
    String positional(String what) {
        for (int i = 0; i < rest.size(); i++) {
            if (!rest.get(i).startsWith("-")) {
                return rest.remove(i);
            }
        }
        for (String a : rest) {
            if (spec.option(a.contains("=") ? a.substring(0, a.indexOf('=')) : a)
                    .isEmpty()) {
                throw error(t("args.unknown-option", a));
            }
        }
        throw error(t("args.missing", what));
    }

    /** Fails on the first argument nobody consumed. */
    void end() {
        if (!rest.isEmpty()) {
            String first = rest.get(0);
            throw error(t(first.startsWith("-") ? "args.unknown-option" : "args.unexpected", first));
        }
    }

    IllegalArgumentException error(String problem) {
        return new IllegalArgumentException(t("args.with-usage", problem, usage));
    }

    private void defined(String name, boolean value) {
        if (spec.option(name).filter(o -> o.takesValue() == value).isEmpty()) {
            throw new IllegalStateException("vmm4j " + spec.name() + " reads " + name
                    + ", which its CommandSpec does not define" + (value ? " as taking a value" : " as a flag"));
        }
    }
}
