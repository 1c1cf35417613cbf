/**
 * Texts for people in the 14 locales vmm4j ships: a {@link org.vmm4j.text.Message} is a key of a
 * {@link org.vmm4j.text.MessageCatalog} plus its arguments, so progress events, plan steps and probe facts
 * carry what to say and an application renders it in its reader's locale ({@link
 * org.vmm4j.text.Message#render(java.util.Locale)}), or in English ({@link org.vmm4j.text.Message#english()}).
 * Catalogs are UTF-8 {@code .properties} files next to the code that emits their messages; their values are
 * {@link java.text.MessageFormat} patterns. A failure people read is {@link org.vmm4j.text.Localized}: its
 * {@code text()} is a message, its {@code getMessage()} the English text.
 */
package org.vmm4j.text;
