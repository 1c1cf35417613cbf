package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.vmm4j.host.Progress;
import org.vmm4j.testsupport.TranslationCheck;
import org.vmm4j.text.Message;
import org.vmm4j.text.MessageCatalog;

/** The provisioning steps' texts in all 14 locales, and the events carrying keys instead of English. */
class ProvisionMessagesTest {

    /** Units and a separator every language writes the English way, or that some spell alike. */
    static final Set<String> SAME_AS_ENGLISH = Set.of(
            "progress.mib",
            "progress.agent-state",
            "summary.seconds",
            "fr:summary.total",
            "es:summary.total",
            "pt:summary.total",
            "fr:progress.agent-configured",
            "failure.and",
            "failure.list",
            "error.address-source");

    @Test
    void everyLocaleHasTheEnglishKeysTranslatedWithTheSamePlaceholders() {
        MessageCatalog c = ProvisionMessages.CATALOG;
        Map<String, Map<String, String>> translations = c.translations();
        for (ProvisionStep step : ProvisionStep.values()) {
            assertTrue(c.texts(Locale.ENGLISH).containsKey(step.labelMessage().key()), step.name());
            assertTrue(c.texts(Locale.ENGLISH).containsKey(step.hintMessage().key()), step.name());
        }
        List<String> problems =
                TranslationCheck.problems(c.texts(Locale.ENGLISH), translations, SAME_AS_ENGLISH, Set.of("ar"));
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void everyKeyTheFailureSitesUseIsInTheCatalog() throws IOException {
        Pattern key = Pattern.compile("\"((?:error|rolled-back|hint|request)\\.[a-z0-9-]+)\"");
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = key.matcher(Files.readString(f));
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        assertTrue(used.size() >= 40, "found " + used);
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(ProvisionMessages.CATALOG.texts(Locale.ENGLISH).keySet());
        assertEquals(Set.of(), missing);
    }

    @Test
    void aFailureKeepsItsEnglishAndReadsInTheReadersLocale() {
        MessageCatalog c = ProvisionMessages.CATALOG;
        ProvisionException e = new ProvisionException(
                "web1",
                ProvisionStep.CHECK_NAME,
                c.message("error.name-taken", "web1", "qemu:///system"),
                ProvisionStep.CHECK_NAME.hintMessage(),
                List.of(c.message("rolled-back.disk", "/var/lib/vmm4j/web1.qcow2")),
                null);
        assertEquals("a guest named web1 already exists on qemu:///system", e.reason());
        assertEquals(List.of("disk /var/lib/vmm4j/web1.qcow2 deleted"), e.rolledBack());
        assertTrue(
                e.getMessage()
                        .startsWith("provisioning web1 failed at step 2/14 (check name is free): a guest"
                                + " named web1 already exists on qemu:///system; hint: choose another name"),
                e.getMessage());
        assertEquals(e.getMessage(), e.message(Locale.ROOT));
        assertEquals(e.getMessage(), e.text().english());
        assertFalse(e.text().isLiteral(), "a Localized failure like the others");
        String french = e.message(Locale.FRENCH);
        assertTrue(french.contains(" : un invité nommé web1 existe déjà sur qemu:///system; "), french);
        assertTrue(french.endsWith("annulé : disque /var/lib/vmm4j/web1.qcow2 supprimé"), french);
        String arabic = e.message(Locale.forLanguageTag("ar"));
        assertFalse(TranslationCheck.outsideIsolates(arabic).matches("(?s).*[A-Za-z].*"), arabic);

        ProvisionException old = new ProvisionException(
                "web1", ProvisionStep.CHECK_NAME, "taken", ProvisionStep.CHECK_NAME.hint(), List.of("x gone"), null);
        assertEquals("taken", old.reasonMessage().render(Locale.GERMAN));
        assertEquals(ProvisionStep.CHECK_NAME.hintMessage(), old.hintMessage(), "the step's own hint stays keyed");
        assertEquals(List.of("x gone"), old.rolledBack());
    }

    @Test
    void stepsKeepTheirEnglishLabelsAndHints() {
        assertEquals("wait for IP", ProvisionStep.WAIT_FOR_IP.label());
        assertTrue(
                ProvisionStep.START_AGENT.hint().contains("'journalctl -u SERVICE'"), ProvisionStep.START_AGENT.hint());
        assertEquals("auf IP warten", ProvisionStep.WAIT_FOR_IP.labelMessage().render(Locale.GERMAN));
    }

    @Test
    void progressCarriesKeysAnApplicationRendersInItsLocale() {
        Message status = ProvisionMessages.CATALOG.message("progress.mib-of", 12L, 27L);
        Progress p = new Progress(ProvisionStep.FETCH_IMAGE.labelMessage(), 3, 14, 0.45, status);
        assertEquals("fetch image", p.step());
        assertEquals("12 of 27 MiB", p.message());
        assertEquals("step.fetch-image", p.stepName().key());
        assertEquals("12 из 27 МиБ", p.status().render(Locale.forLanguageTag("ru")));
        assertEquals(new Progress("fetch image", 3, 14, 0.45, "12 of 27 MiB"), p, "equal when they read the same");
        String arabic = ProvisionMessages.CATALOG
                .message("progress.created", "/var/lib/vmm4j/web1.qcow2")
                .render(Locale.forLanguageTag("ar"));
        assertTrue(arabic.contains("\u2068/var/lib/vmm4j/web1.qcow2\u2069"), arabic);
        assertFalse(TranslationCheck.outsideIsolates(arabic).matches(".*[A-Za-z].*"), arabic);
        assertNotEquals(p.status().render(Locale.JAPANESE), p.message());
    }
}
