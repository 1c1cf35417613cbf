package org.vmm4j.examples;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.IllformedLocaleException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import org.vmm4j.text.MessageCatalog;

/**
 * The CLI's texts ({@code org/vmm4j/examples/messages*.properties}) and the locale it speaks: from
 * {@code --lang TAG}, else the first set of {@code LC_ALL}, {@code LC_MESSAGES} and {@code LANG} (POSIX
 * values such as {@code de_DE.UTF-8}; {@code C} and {@code POSIX} mean English). {@link Cli#run} binds the
 * locale to the thread that runs the command, for the command's duration.
 */
final class CliText {
    static final MessageCatalog CATALOG =
            new MessageCatalog("/org/vmm4j/examples/messages", name -> CliText.class.getResourceAsStream(name));

    private static final ThreadLocal<Locale> CURRENT = ThreadLocal.withInitial(() -> Locale.ROOT);

    private CliText() {}

    /** The locale of the command running on this thread (English outside one). */
    static Locale locale() {
        return CURRENT.get();
    }

    /** The text of {@code key} in the current locale. */
    static String t(String key, Object... arguments) {
        return CATALOG.format(locale(), key, arguments);
    }

    /** The text of {@code key} in {@code locale}. */
    static String t(Locale locale, String key, Object... arguments) {
        return CATALOG.format(locale, key, arguments);
    }

    /**
     * A text the code also holds in English (a command's summary, an option's help): its translation in
     * {@code locale}, else {@code english} itself.
     */
    static String translated(Locale locale, String key, String english) {
        if (locale.getLanguage().isEmpty() || locale.getLanguage().equals("en")) {
            return english;
        }
        String text = CATALOG.format(locale, key);
        return text.equals("⟦" + key + "⟧") ? english : text;
    }

    /** Runs {@code body} with {@code locale} as the current locale. */
    static int with(Locale locale, IntSupplier body) {
        Locale before = CURRENT.get();
        CURRENT.set(locale);
        try {
            return body.getAsInt();
        } finally {
            CURRENT.set(before);
        }
    }

    /** The locale the environment asks for: LC_ALL, then LC_MESSAGES, then LANG; English when none is set. */
    static Locale fromEnvironment(Map<String, String> env) {
        for (String name : new String[] {"LC_ALL", "LC_MESSAGES", "LANG"}) {
            String value = env.get(name);
            if (value != null && !value.isEmpty()) {
                return parse(value);
            }
        }
        return Locale.ROOT;
    }

    /**
     * UTF-8 when the environment's character type (LC_ALL, then LC_CTYPE, then LANG) names it
     * ({@code de_DE.UTF-8}): the JVM reads the terminal's encoding through the C library, which answers
     * ASCII for a locale that is not installed, and every non-English text would print as {@code ?}.
     */
    static Optional<Charset> charset(Map<String, String> env) {
        for (String name : new String[] {"LC_ALL", "LC_CTYPE", "LANG"}) {
            String value = env.get(name);
            if (value != null && !value.isEmpty()) {
                String codeset = value.toLowerCase(Locale.ROOT).replace("-", "");
                return codeset.contains(".utf8") ? Optional.of(StandardCharsets.UTF_8) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * A POSIX locale name ({@code zh_TW.UTF-8}, {@code sr_RS@latin}, {@code C}) or a language tag
     * ({@code pt-BR}); {@code C} and {@code POSIX} are English.
     *
     * @throws IllegalArgumentException when it is neither
     */
    static Locale parse(String value) {
        String v = value;
        int cut = indexOfAny(v, '.', '@');
        if (cut >= 0) {
            v = v.substring(0, cut);
        }
        if (v.isEmpty() || v.equals("C") || v.equals("POSIX")) {
            return Locale.ROOT;
        }
        try {
            return new Locale.Builder().setLanguageTag(v.replace('_', '-')).build();
        } catch (IllformedLocaleException e) {
            throw new IllegalArgumentException(t("cli.bad-lang", value), e);
        }
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }
}
