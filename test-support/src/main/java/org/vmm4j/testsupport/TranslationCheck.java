package org.vmm4j.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What is wrong with a set of translated message files: each language must have exactly the English keys,
 * the same MessageFormat placeholders per key ({@code {0}}, {@code {1,number,0.0}} …), a text of its own
 * (not the English one, except for the keys allowed to stay the same: names and commands), no lone ASCII
 * apostrophe (MessageFormat would swallow the text after it; write {@code ''} or ’), and, in a
 * right-to-left language, every left-to-right fragment (a command, a path, an option) inside Unicode isolates
 * (U+2068 … U+2069), so a terminal that applies the bidirectional algorithm keeps its order.
 */
public final class TranslationCheck {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\s*(\\d+)\\s*(?:,([^{}]*))?\\}");
    private static final Pattern LATIN = Pattern.compile("[A-Za-z]");

    private TranslationCheck() {}

    /**
     * The problems, one line each; empty when the files are good.
     *
     * @param english       the English texts by key
     * @param translations  each language's texts by key, by language ({@code de}, {@code zh_TW} …)
     * @param sameAsEnglish the keys whose text may equal the English one in every language (names,
     *                      commands, units), and {@code language:key} for a word both languages spell alike
     *                      ({@code es:fact.no})
     * @param rightToLeft   the languages written right to left ({@code ar})
     */
    public static List<String> problems(
            Map<String, String> english,
            Map<String, Map<String, String>> translations,
            Set<String> sameAsEnglish,
            Set<String> rightToLeft) {
        List<String> problems = new ArrayList<>();
        english.forEach((key, text) -> apostrophe("en", key, text, problems));
        translations.forEach((language, texts) -> {
            Set<String> missing = new TreeSet<>(english.keySet());
            missing.removeAll(texts.keySet());
            Set<String> extra = new TreeSet<>(texts.keySet());
            extra.removeAll(english.keySet());
            if (!missing.isEmpty()) {
                problems.add(language + ": missing keys " + missing);
            }
            if (!extra.isEmpty()) {
                problems.add(language + ": keys English does not have " + extra);
            }
            texts.forEach((key, text) -> {
                String en = english.get(key);
                if (en == null) {
                    return;
                }
                if (!placeholders(en).equals(placeholders(text))) {
                    problems.add(language + ": " + key + " has placeholders " + placeholders(text) + ", English has "
                            + placeholders(en));
                }
                if (text.equals(en)
                        && !en.isEmpty()
                        && !sameAsEnglish.contains(key)
                        && !sameAsEnglish.contains(language + ":" + key)) {
                    problems.add(language + ": " + key + " is not translated: " + text);
                }
                apostrophe(language, key, text, problems);
                if (rightToLeft.contains(language) && !sameAsEnglish.contains(key)) {
                    String outside = outsideIsolates(PLACEHOLDER.matcher(text).replaceAll(""));
                    if (LATIN.matcher(outside).find()) {
                        problems.add(
                                language + ": " + key + " has left-to-right text outside U+2068…U+2069: " + outside);
                    }
                }
            });
        });
        return problems;
    }

    /** The placeholders of a MessageFormat pattern, sorted, outside quoted parts. */
    public static List<String> placeholders(String pattern) {
        String unquoted = pattern.replace("''", "").replaceAll("'[^']*'", "");
        List<String> found = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(unquoted);
        while (m.find()) {
            found.add(m.group(1) + (m.group(2) == null ? "" : "," + m.group(2).replace(" ", "")));
        }
        found.sort(null);
        return found;
    }

    /** {@code text} without its isolated fragments (U+2068 … U+2069, nested or not). */
    public static String outsideIsolates(String text) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u2068') {
                depth++;
            } else if (c == '\u2069') {
                depth = Math.max(0, depth - 1);
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void apostrophe(String language, String key, String text, List<String> problems) {
        if (text.replace("''", "").indexOf('\'') >= 0) {
            problems.add(language + ": " + key + " has a lone ' (write '' or ’): " + text);
        }
    }
}
