package org.vmm4j.text;

/**
 * A failure that says what went wrong as a {@link Message}, so an application shows it in its reader's
 * locale; its {@code getMessage()} is the English text. {@link org.vmm4j.VmmException} is one; so are the
 * few standard exceptions vmm4j extends where a caller expects their type (a spec a guest manager cannot
 * run, a provisioning request that is not valid).
 */
public interface Localized {
    /** What went wrong, for people in their locale. */
    Message text();
}
