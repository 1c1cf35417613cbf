package org.vmm4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageCatalogTest {
    private static final Map<String, String> FILES = Map.of(
            "/t/messages.properties", "greet=hello {0}\nonly-en=only English\nfile=the file {0} is gone\n",
            "/t/messages_de.properties", "greet=hallo {0}\nfile=die Datei {0} ist weg\n",
            "/t/messages_zh_TW.properties", "greet=你好 {0}\n",
            "/t/messages_zh_CN.properties", "greet=你好呀 {0}\n",
            "/t/messages_ar.properties", "greet=مرحبا {0}\nfile=الملف {0} غير موجود\n");

    private static final MessageCatalog CATALOG = new MessageCatalog("/t/messages", name -> {
        String text = FILES.get(name);
        return text == null ? null : new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    });

    @Test
    void rendersInTheReadersLocaleAndFallsBackToEnglishPerKey() {
        Message m = CATALOG.message("greet", "Ada");
        assertEquals("hallo Ada", m.render(Locale.GERMANY));
        assertEquals("hello Ada", m.english());
        assertEquals("hello Ada", m.render(Locale.FRENCH), "no French file: English");
        assertEquals("only English", CATALOG.format(Locale.GERMAN, "only-en"));
    }

    @Test
    void aKeyEnglishLacksShowsInsteadOfHiding() {
        assertEquals("⟦nope⟧", CATALOG.format(Locale.GERMAN, "nope"));
        assertEquals("⟦nope⟧", CATALOG.format(Locale.ROOT, "nope"));
    }

    @Test
    void chineseRegionsAndScriptsPickTraditionalOrSimplified() {
        assertEquals("你好 x", CATALOG.format(Locale.forLanguageTag("zh-HK"), "greet", "x"));
        assertEquals("你好 x", CATALOG.format(Locale.forLanguageTag("zh-Hant"), "greet", "x"));
        assertEquals("你好呀 x", CATALOG.format(Locale.forLanguageTag("zh"), "greet", "x"));
        assertEquals("你好呀 x", CATALOG.format(Locale.forLanguageTag("zh-SG"), "greet", "x"));
        assertEquals(List.of("pt_BR", "pt", ""), MessageCatalog.suffixes(Locale.forLanguageTag("pt-BR")));
    }

    @Test
    void arabicIsolatesLeftToRightArguments() {
        String text = CATALOG.format(Locale.forLanguageTag("ar"), "file", "/var/lib/x.qcow2");
        assertEquals("الملف \u2068/var/lib/x.qcow2\u2069 غير موجود", text);
        assertEquals("die Datei /x ist weg", CATALOG.format(Locale.GERMAN, "file", "/x"), "only right-to-left");
        assertTrue(MessageCatalog.isRightToLeft(Locale.forLanguageTag("ar-EG")));
        assertFalse(MessageCatalog.isRightToLeft(Locale.JAPANESE));
    }

    @Test
    void messageArgumentsRenderInTheSameLocale() {
        Message inner = CATALOG.message("greet", "Ada");
        assertEquals(
                "die Datei hallo Ada ist weg", CATALOG.message("file", inner).render(Locale.GERMAN));
    }

    @Test
    void replaceHidesASecretInTextArgumentsAtAnyDepth() {
        Message m = CATALOG.message("file", CATALOG.message("greet", "pw=s3cret"));
        Message hidden = m.replace("s3cret", "***");
        assertEquals("the file hello pw=*** is gone", hidden.english());
        assertNotEquals(m, hidden);
        assertEquals(
                "x *** y",
                Message.literal("x s3cret y").replace("s3cret", "***").english());
    }

    @Test
    void textsListsOnlyALocalesOwnFile() {
        assertEquals(Map.of("greet", "hallo {0}", "file", "die Datei {0} ist weg"), CATALOG.texts(Locale.GERMAN));
        assertEquals(3, CATALOG.texts(Locale.ENGLISH).size());
        assertEquals(14, MessageCatalog.LOCALES.size());
    }
}
