package org.vmm4j.linux.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmm4j.host.HostPlan;
import org.vmm4j.testsupport.TranslationCheck;
import org.vmm4j.text.MessageCatalog;

/** The Linux setup plan's texts in all 14 locales; the plan's English stays what it was. */
class LinuxHostMessagesTest {

    @Test
    void everyLocaleHasTheEnglishKeysTranslatedWithTheSamePlaceholders() {
        MessageCatalog c = LinuxHostMessages.CATALOG;
        Map<String, Map<String, String>> translations = c.translations();
        List<String> problems =
                TranslationCheck.problems(c.texts(Locale.ENGLISH), translations, Set.of(), Set.of("ar"));
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void thePlanReadsInTheReadersLocaleAndKeepsItsEnglish() {
        HostPlan plan = LinuxHostSetup.forFamily(LinuxFamily.DEBIAN)
                .user("alice")
                .cpuVendor(CpuVendor.AMD)
                .plan();
        assertEquals("enable KVM and libvirt (debian family)", plan.title());
        assertEquals("load the kvm_amd kernel module", plan.steps().get(2).description());
        assertEquals(
                "add alice to group kvm (effective at next login)",
                plan.steps().get(6).description());
        String german = plan.render(Locale.GERMAN);
        assertTrue(german.startsWith("KVM und libvirt einrichten (Familie debian)\n"), german);
        assertTrue(german.contains(" 3. Kernelmodul kvm_amd laden [root]\n      $ modprobe kvm_amd\n"), german);
        assertTrue(german.contains("überspringen, wenn: test -c /dev/kvm"), german);
        String arabic = plan.render(Locale.forLanguageTag("ar"));
        assertTrue(arabic.contains("\u2068alice\u2069"), arabic);
        assertFalse(plan.render(Locale.JAPANESE).contains("⟦"));
    }
}
