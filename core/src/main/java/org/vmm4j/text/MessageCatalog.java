package org.vmm4j.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The texts of one module in every {@linkplain #LOCALES shipped locale}: {@code BASE.properties} holds
 * English, {@code BASE_de.properties}, {@code BASE_zh_TW.properties} … the translations, all UTF-8
 * {@link MessageFormat} patterns (an apostrophe is written {@code ''}). A key a translation lacks reads in
 * English; a key English lacks reads as {@code ⟦key⟧}, so it shows rather than hides.
 *
 * <p>The module that owns the files opens them ({@link Source}), so they stay encapsulated in it on the
 * module path. Arguments that are {@link Message}s are rendered in the same locale; in a right-to-left
 * locale (Arabic) each text argument is wrapped in Unicode isolates (U+2068 … U+2069), so a path or a
 * command keeps its left-to-right order inside the sentence.
 */
public final class MessageCatalog {

    /** The locales vmm4j ships texts for; English first, as the base. */
    public static final List<Locale> LOCALES = List.of(
            Locale.ENGLISH,
            Locale.GERMAN,
            Locale.forLanguageTag("es"),
            Locale.FRENCH,
            Locale.forLanguageTag("ar"),
            Locale.ITALIAN,
            Locale.KOREAN,
            Locale.JAPANESE,
            Locale.forLanguageTag("hi"),
            Locale.SIMPLIFIED_CHINESE,
            Locale.TRADITIONAL_CHINESE,
            Locale.forLanguageTag("pt"),
            Locale.forLanguageTag("nl"),
            Locale.forLanguageTag("ru"));

    /** First strong isolate: starts a left-to-right fragment inside right-to-left text. */
    public static final char FSI = '\u2068';

    /** Pop directional isolate: ends the fragment {@link #FSI} started. */
    public static final char PDI = '\u2069';

    /** Opens a resource of the module that owns the catalog; {@code null} when there is none. */
    @FunctionalInterface
    public interface Source {
        InputStream open(String resourceName) throws IOException;
    }

    private final String baseName;
    private final Source source;
    private final Map<String, Map<String, String>> files = new ConcurrentHashMap<>();

    /**
     * @param baseName the resource name without locale and extension, e.g. {@code /org/vmm4j/host/messages}
     * @param source   opens those resources, e.g. {@code name -> Owner.class.getResourceAsStream(name)}
     */
    public MessageCatalog(String baseName, Source source) {
        this.baseName = Objects.requireNonNull(baseName, "baseName");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** A message of this catalog. */
    public Message message(String key, Object... arguments) {
        return new Message(this, key, arguments);
    }

    /** The text of {@code key} in {@code locale}, its pattern filled with {@code arguments}. */
    public String format(Locale locale, String key, Object... arguments) {
        String pattern = null;
        Locale used = Locale.ROOT;
        for (String suffix : suffixes(locale)) {
            pattern = file(suffix).get(key);
            if (pattern != null) {
                used = suffix.isEmpty() ? Locale.ENGLISH : locale;
                break;
            }
        }
        if (pattern == null) {
            return "⟦" + key + "⟧";
        }
        boolean rtl = isRightToLeft(used);
        Object[] rendered = new Object[arguments.length];
        for (int i = 0; i < arguments.length; i++) {
            Object a = arguments[i];
            if (a instanceof Message m) {
                a = m.render(locale);
            }
            if (rtl && a instanceof CharSequence text && !text.isEmpty()) {
                a = FSI + text.toString() + PDI;
            }
            rendered[i] = a;
        }
        return new MessageFormat(pattern, used).format(rendered);
    }

    /**
     * The patterns of {@code locale}'s own file by key (English: the base file), without falling back to
     * English: what a translator or a test reads.
     */
    public Map<String, String> texts(Locale locale) {
        return file(ownSuffix(locale));
    }

    /**
     * {@link #texts} of every locale of {@link #LOCALES} but English, keyed by {@code Locale.toString()}
     * ({@code de}, {@code zh_CN}), in that order: what a translation check compares with {@code texts(ENGLISH)}.
     */
    public Map<String, Map<String, String>> translations() {
        Map<String, Map<String, String>> all = new java.util.LinkedHashMap<>();
        for (Locale l : LOCALES.subList(1, LOCALES.size())) {
            all.put(l.toString(), texts(l));
        }
        return all;
    }

    /** Where the catalog's files are, e.g. {@code /org/vmm4j/host/messages}. */
    public String baseName() {
        return baseName;
    }

    /** Whether text in {@code locale} runs right to left (Arabic, Hebrew, Persian, Urdu). */
    public static boolean isRightToLeft(Locale locale) {
        return switch (locale.getLanguage()) {
            case "ar", "he", "iw", "fa", "ur" -> true;
            default -> false;
        };
    }

    /** The file suffix that holds {@code locale}'s own texts: "" for English, "zh_TW", "de" … */
    static String ownSuffix(Locale locale) {
        List<String> s = suffixes(locale);
        return s.get(0);
    }

    /** The files to look in, most specific first, ending with "" (English). */
    static List<String> suffixes(Locale locale) {
        String language = locale.getLanguage();
        List<String> out = new ArrayList<>();
        if (language.equals("zh")) {
            String region = locale.getCountry();
            boolean traditional = locale.getScript().equals("Hant")
                    || region.equals("TW")
                    || region.equals("HK")
                    || region.equals("MO");
            out.add(traditional ? "zh_TW" : "zh_CN");
        } else if (!language.isEmpty() && !language.equals("en")) {
            if (!locale.getCountry().isEmpty()) {
                out.add(language + "_" + locale.getCountry());
            }
            out.add(language);
        }
        out.add("");
        return out;
    }

    private Map<String, String> file(String suffix) {
        return files.computeIfAbsent(suffix, this::load);
    }

    private Map<String, String> load(String suffix) {
        String name = baseName + (suffix.isEmpty() ? "" : "_" + suffix) + ".properties";
        try (InputStream in = source.open(name)) {
            if (in == null) {
                return Map.of();
            }
            Properties p = new Properties();
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            Map<String, String> texts = new LinkedHashMap<>();
            p.stringPropertyNames().forEach(k -> texts.put(k, p.getProperty(k)));
            return Collections.unmodifiableMap(texts);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read message file " + name, e);
        }
    }
}
