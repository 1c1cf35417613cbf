package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
            "fr:progress.agent-configured");

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
