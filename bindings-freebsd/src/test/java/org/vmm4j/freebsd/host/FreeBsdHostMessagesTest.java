package org.vmm4j.freebsd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmm4j.host.HostPlan;
import org.vmm4j.testsupport.TranslationCheck;
import org.vmm4j.text.MessageCatalog;

/** The setup plan's texts in all 14 locales. */
class FreeBsdHostMessagesTest {

    @Test
    void everyLocaleHasTheEnglishKeysTranslatedWithTheSamePlaceholders() {
        MessageCatalog c = FreeBsdHostMessages.CATALOG;
        Map<String, Map<String, String>> translations = c.translations();
        List<String> problems =
                TranslationCheck.problems(c.texts(Locale.ENGLISH), translations, Set.of(), Set.of("ar"));
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void theSetupPlanReadsInEveryLocale() {
        HostPlan plan = BhyveSetupPlans.enable(true);
        for (Locale l : MessageCatalog.LOCALES.subList(1, MessageCatalog.LOCALES.size())) {
            String text = plan.render(l);
            assertFalse(text.contains("⟦"), text);
            assertNotEquals(plan.render(), text, l.toString());
            assertNotEquals(
                    plan.steps().get(0).description(),
                    plan.steps().get(0).text().render(l),
                    l.toString());
        }
    }
}
