package org.vmm4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmm4j.Fact;
import org.vmm4j.host.HostMessages;
import org.vmm4j.testsupport.TranslationCheck;

/** The texts of host plans and probe facts in all 14 locales. */
class HostMessagesTest {

    /** Every translation of {@code catalog}, by locale name ({@code zh_TW}), English left out. */
    static Map<String, Map<String, String>> translations(MessageCatalog catalog) {
        Map<String, Map<String, String>> all = new LinkedHashMap<>();
        for (Locale l : MessageCatalog.LOCALES.subList(1, MessageCatalog.LOCALES.size())) {
            all.put(l.toString(), catalog.texts(l));
        }
        return all;
    }

    @Test
    void everyLocaleHasTheEnglishKeysTranslatedWithTheSamePlaceholders() {
        MessageCatalog c = HostMessages.CATALOG;
        assertTrue(c.texts(Locale.ENGLISH).size() > 20, c.texts(Locale.ENGLISH).toString());
        List<String> problems = TranslationCheck.problems(
                c.texts(Locale.ENGLISH),
                translations(c),
                Set.of("plan.root", "es:fact.no", "it:fact.no"),
                Set.of("ar"));
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void factsReadInTheReadersLanguage() {
        assertEquals("yes", Fact.YES.text().english());
        assertEquals("ja", Fact.YES.text().render(Locale.GERMAN));
        assertEquals("unbekannt", Fact.UNKNOWN.text().render(Locale.GERMAN));
    }
}
