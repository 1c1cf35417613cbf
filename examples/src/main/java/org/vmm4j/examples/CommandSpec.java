package org.vmm4j.examples;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a command accepts: its synopsis, one table of options and an example. {@link Arguments} parses
 * against the table (it refuses to read an option the table does not define) and {@link #help()} prints
 * it, so the help cannot leave out an option the parser accepts. The summary and the options' help are
 * English here; their translations are in the CLI's messages as {@code cmd.NAME.summary} and {@code
 * cmd.NAME.option.OPTION} ({@link #summary(Locale)}, {@link #help(Locale)}).
 *
 * @param name     the command's name, e.g. {@code boot}
 * @param summary  one line for {@code vmm4j help}
 * @param synopsis the usage line after {@code vmm4j NAME}
 * @param options  every option the command reads
 * @param example  a whole command line that works
 */
record CommandSpec(String name, String summary, String synopsis, List<Option> options, String example) {

    /**
     * One option.
     *
     * @param name  e.g. {@code --mem}
     * @param value what its value is, e.g. {@code SIZE}; {@code null} for a flag
     * @param help  what it does
     */
    record Option(String name, String value, String help) {
        static Option flag(String name, String help) {
            return new Option(name, null, help);
        }

        static Option value(String name, String value, String help) {
            return new Option(name, value, help);
        }

        boolean takesValue() {
            return value != null;
        }
    }

    CommandSpec {
        options = List.copyOf(options);
    }

    /** The usage line, as error messages quote it. */
    String usage() {
        return "vmm4j " + name + (synopsis.isEmpty() ? "" : " " + synopsis);
    }

    Optional<Option> option(String optionName) {
        return options.stream().filter(o -> o.name().equals(optionName)).findFirst();
    }

    /** Whether {@code --help} or {@code -h} is among {@code args} other than as an option's value. */
    boolean wantsHelp(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
            if (option(a).map(Option::takesValue).orElse(false)) {
                i++;
            }
        }
        return false;
    }

    /** The key of the summary's translation. */
    String summaryKey() {
        return "cmd." + name + ".summary";
    }

    /** The key of {@code option}'s help's translation. */
    String optionKey(Option option) {
        return "cmd." + name + ".option." + option.name();
    }

    /** The summary in {@code locale}. */
    String summary(Locale locale) {
        return CliText.translated(locale, summaryKey(), summary);
    }

    /** The text {@code vmm4j NAME --help} prints, in English. */
    String help() {
        return help(Locale.ROOT);
    }

    /** The text {@code vmm4j NAME --help} prints, in {@code locale}. */
    String help(Locale locale) {
        StringBuilder text = new StringBuilder();
        String nl = System.lineSeparator();
        text.append(CliText.t(locale, "spec.usage", usage())).append(nl).append(nl);
        text.append(summary(locale)).append(nl).append(nl);
        text.append(CliText.t(locale, "spec.options")).append(nl);
        for (Option o : options) {
            row(
                    text,
                    o.name() + (o.takesValue() ? " " + o.value() : ""),
                    CliText.translated(locale, optionKey(o), o.help()));
        }
        row(text, "-h, --help", CliText.t(locale, "spec.help"));
        text.append(nl).append(CliText.t(locale, "spec.example")).append(nl);
        text.append("  ").append(example).append(nl);
        return text.toString();
    }

    private static void row(StringBuilder text, String left, String right) {
        text.append("  ").append(left);
        text.append(" ".repeat(Math.max(1, 26 - left.length())));
        text.append(right).append(System.lineSeparator());
    }
}
