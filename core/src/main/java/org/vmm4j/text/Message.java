package org.vmm4j.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A text for people: a key of a {@link MessageCatalog} and the arguments of its pattern, rendered in the
 * reader's locale. A {@linkplain #literal literal} message is a text that has no key (a path, a server's
 * own words) and reads the same in every locale. Arguments that are messages themselves are rendered in
 * the same locale.
 */
public final class Message {
    private final MessageCatalog catalog;
    private final String key;
    private final List<Object> arguments;

    Message(MessageCatalog catalog, String key, Object... arguments) {
        this.catalog = catalog;
        this.key = Objects.requireNonNull(key, "key");
        this.arguments = Collections.unmodifiableList(new ArrayList<>(Arrays.asList(arguments)));
    }

    /** A text without a key, the same in every locale. */
    public static Message literal(String text) {
        return new Message(null, Objects.requireNonNull(text, "text"));
    }

    /** Whether this message has no key and reads the same in every locale. */
    public boolean isLiteral() {
        return catalog == null;
    }

    /** The key in its catalog (e.g. {@code step.fetch-image}), or the text itself for a literal message. */
    public String key() {
        return key;
    }

    /** The arguments of the pattern, in order. */
    public List<Object> arguments() {
        return arguments;
    }

    /**
     * This message with {@code target} replaced by {@code replacement} in its literal text and in its
     * text arguments (and theirs): a secret that must not reach a listener, whatever the locale.
     */
    public Message replace(String target, String replacement) {
        if (target.isEmpty()) {
            return this;
        }
        if (catalog == null) {
            return literal(key.replace(target, replacement));
        }
        Object[] replaced = arguments.toArray();
        for (int i = 0; i < replaced.length; i++) {
            if (replaced[i] instanceof Message m) {
                replaced[i] = m.replace(target, replacement);
            } else if (replaced[i] instanceof CharSequence text) {
                replaced[i] = text.toString().replace(target, replacement);
            }
        }
        return new Message(catalog, key, replaced);
    }

    /** The text in {@code locale} (English when the catalog has no translation for it). */
    public String render(Locale locale) {
        Objects.requireNonNull(locale, "locale");
        return catalog == null ? key : catalog.format(locale, key, arguments.toArray());
    }

    /** The text in English, the catalog's base language. */
    public String english() {
        return render(Locale.ROOT);
    }

    /** The English text. */
    @Override
    public String toString() {
        return english();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && catalog == m.catalog && key.equals(m.key) && arguments.equals(m.arguments);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, arguments);
    }
}
