package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.GuestEvent;
import org.vmm4j.image.Qcow2Options;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.linux.host.LinuxHostMessages;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.provision.InvalidRequestException;
import org.vmm4j.provision.ProvisionMessages;
import org.vmm4j.provision.ProvisionStep;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.testsupport.TranslationCheck;
import org.vmm4j.text.MessageCatalog;

/** The CLI's texts in the 14 locales, and the locale the CLI picks from the environment or --lang. */
class CliMessagesTest {

    /** Texts every language writes as English does: column names that are acronyms, a separator. */
    static final Set<String> SAME_AS_ENGLISH = Set.of(
            "info.col.cpu",
            "info.col.uefi",
            "info.managed-choice",
            "info.managed-unknown",
            "images.mib",
            "images.built.initrd",
            "vmlinux.wrote",
            "spec.usage",
            "es:info.col.init",
            "pt:info.col.init",
            "fr:info.col.version",
            "fr:images.col.format",
            "nl:images.col.format",
            "fr:images.col.boot",
            "nl:guests.col.name",
            "nl:snapshots.col.name",
            "de:images.col.format",
            "de:events.col.detail",
            "fr:events.col.detail",
            "de:images.col.name",
            "de:images.col.hypervisor",
            "de:snapshots.col.name",
            "de:guests.col.name",
            "de:guests.col.vcpus",
            "de:images.col.init",
            "de:info.col.init",
            "de:info.col.version",
            "es:images.no",
            "es:guests.no",
            "fr:snapshots.col.description",
            "fr:images.col.init",
            "fr:info.col.init",
            "it:hello.hypervisor",
            "it:images.col.hypervisor",
            "it:images.no",
            "it:guests.no",
            "nl:hello.hypervisor",
            "nl:images.col.hypervisor",
            "nl:images.col.init");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /**
     * {@code vmm4j provision} of guest {@code name} from {@code base} on libvirt's test driver with 128 MiB, its files
     * in {@code dir}, and the options {@code more}, in the locale {@code lang}.
     */
    private int provision(String lang, String name, Path base, Path dir, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "provision",
                "--name",
                name,
                "--image",
                base.toString(),
                "--uri",
                "test:///default",
                "--dir",
                dir.toString(),
                "--mem",
                "128M"));
        args.addAll(List.of(more));
        return run(Map.of("LANG", lang), args.toArray(String[]::new));
    }

    private int run(Map<String, String> env, String... args) {
        out.reset();
        err.reset();
        return Cli.run(
                args,
                env,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The English catalog's entries the command definitions ask for, as {@code key=pattern} lines. */
    static Map<String, String> commandTexts() {
        Map<String, String> texts = new LinkedHashMap<>();
        for (Cli.Command c : Cli.commands().values()) {
            CommandSpec spec = c.spec();
            texts.put(spec.summaryKey(), spec.summary());
            for (Option o : spec.options()) {
                texts.put(spec.optionKey(o), o.help());
            }
        }
        return texts;
    }

    @Test
    void englishCatalogRepeatsEveryCommandDefinitionExactly() {
        Map<String, String> english = CliText.CATALOG.texts(Locale.ENGLISH);
        List<String> wrong = new ArrayList<>();
        commandTexts().forEach((key, text) -> {
            String pattern = english.get(key);
            if (pattern == null
                    || !new MessageFormat(pattern, Locale.ENGLISH)
                            .format(new Object[0])
                            .equals(text)) {
                wrong.add(key + "=" + text.replace("'", "''"));
            }
        });
        Set<String> stale = new TreeSet<>(english.keySet());
        stale.removeIf(k -> !k.startsWith("cmd.") || commandTexts().containsKey(k));
        assertEquals(List.of(), wrong, "messages.properties needs these lines:\n" + String.join("\n", wrong));
        assertEquals(Set.of(), stale, "messages.properties has texts of options no command defines");
    }

    @Test
    void everyLocaleHasTheEnglishKeysTranslatedWithTheSamePlaceholders() {
        Map<String, Map<String, String>> translations = CliText.CATALOG.translations();
        List<String> problems = TranslationCheck.problems(
                CliText.CATALOG.texts(Locale.ENGLISH), translations, SAME_AS_ENGLISH, Set.of("ar"));
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void localeComesFromLcAllThenLcMessagesThenLang() {
        assertEquals(Locale.GERMANY, CliText.fromEnvironment(Map.of("LANG", "de_DE.UTF-8")));
        assertEquals(
                Locale.TRADITIONAL_CHINESE,
                CliText.fromEnvironment(Map.of("LANG", "de_DE.UTF-8", "LC_MESSAGES", "zh_TW.UTF-8")));
        assertEquals(
                Locale.FRANCE,
                CliText.fromEnvironment(
                        Map.of("LANG", "de_DE.UTF-8", "LC_MESSAGES", "zh_TW.UTF-8", "LC_ALL", "fr_FR.UTF-8")));
        assertEquals(Locale.ROOT, CliText.fromEnvironment(Map.of("LANG", "C.UTF-8")));
        assertEquals(Locale.ROOT, CliText.fromEnvironment(Map.of("LC_ALL", "POSIX", "LANG", "de_DE")));
        assertEquals(Locale.ROOT, CliText.fromEnvironment(Map.of()));
        assertEquals(Locale.forLanguageTag("sr-RS"), CliText.parse("sr_RS@latin"));
        assertEquals(Locale.forLanguageTag("pt-BR"), CliText.parse("pt-BR"));
        assertThrows(IllegalArgumentException.class, () -> CliText.parse("not a locale!"));
    }

    @Test
    void aUtf8LocaleMakesTheOutputUtf8EvenWhenTheCLibraryLacksIt() {
        assertEquals(Optional.of(StandardCharsets.UTF_8), CliText.charset(Map.of("LANG", "ar_EG.UTF-8")));
        assertEquals(Optional.of(StandardCharsets.UTF_8), CliText.charset(Map.of("LC_CTYPE", "de_DE.utf8")));
        assertEquals(Optional.empty(), CliText.charset(Map.of("LC_ALL", "C", "LANG", "ja_JP.UTF-8")));
        assertEquals(Optional.empty(), CliText.charset(Map.of()));
    }

    @Test
    void langOptionWinsOverTheEnvironment() {
        assertEquals(0, run(Map.of("LANG", "de_DE.UTF-8"), "--lang", "ja", "help"));
        assertTrue(out().startsWith(CliText.CATALOG.format(Locale.JAPANESE, "cli.usage")), out());
        assertEquals(0, run(Map.of("LANG", "ja_JP.UTF-8"), "--lang=C", "help"));
        assertTrue(out().startsWith("usage: vmm4j [--lang TAG] <command>"), out());
        assertEquals(2, run(Map.of(), "--lang", "!!", "help"));
        assertTrue(err().contains("'!!' is not a language"), err());
    }

    @Test
    void helpOfEveryCommandReadsInEveryLocaleWithoutMissingKeys() {
        for (Locale locale : MessageCatalog.LOCALES) {
            Map<String, String> env = Map.of("LANG", posix(locale));
            assertEquals(0, run(env, "help"), err());
            String help = out();
            assertTrue(help.startsWith(CliText.CATALOG.format(locale, "cli.usage")), locale + ":\n" + help);
            for (Cli.Command c : Cli.commands().values()) {
                String summary = c.spec().summary(locale);
                assertTrue(help.contains(summary), locale + " lacks " + summary);
                if (!locale.getLanguage().equals("en")
                        && !SAME_AS_ENGLISH.contains(locale + ":" + c.spec().summaryKey())) {
                    assertNotEquals(
                            c.spec().summary(), summary, locale + " " + c.spec().name());
                }
                assertEquals(0, run(env, c.spec().name(), "--help"), err());
                String text = out();
                assertFalse(text.contains("⟦"), locale + ":\n" + text);
                for (Option o : c.spec().options()) {
                    assertTrue(
                            text.contains(CliText.translated(locale, c.spec().optionKey(o), o.help())),
                            locale + " " + c.spec().name() + " " + o.name() + ":\n" + text);
                }
                assertTrue(text.contains(CliText.CATALOG.format(locale, "spec.example")), text);
            }
        }
    }

    @Test
    void usageErrorsReadInTheLocale() {
        assertEquals(2, run(Map.of("LANG", "de_DE.UTF-8"), "provision", "--name", "web1", "--mem", "viel"));
        assertTrue(err().contains("--mem braucht eine Größe wie 512M oder 2G, nicht 'viel'"), err());
        assertEquals(2, run(Map.of("LANG", "fr_FR.UTF-8"), "frobnicate"));
        assertTrue(err().startsWith("vmm4j: commande inconnue « frobnicate »"), err());
    }

    @Test
    void bootUsageErrorsReadInEveryLocale() {
        for (Locale locale : MessageCatalog.LOCALES) {
            assertEquals(2, run(Map.of("LANG", posix(locale)), "boot", "--busybox"), locale + ": " + out());
            String text = err();
            assertFalse(text.contains("⟦"), locale + ":\n" + text);
            assertTrue(text.contains(CliText.CATALOG.format(locale, "boot.kernel-required")), locale + ":\n" + text);
            assertEquals(
                    isEnglish(locale), text.contains("--kernel is required"), locale + " speaks its own:\n" + text);
            assertEquals(2, run(Map.of("LANG", posix(locale)), "boot", "--kernel", "k", "--mem", "lots"));
            assertTrue(err().contains(CliText.CATALOG.format(locale, "boot.bad-size", "lots")), locale + ":\n" + err());
        }
    }

    @Test
    @RequiresHost(kvm = true)
    void helloReadsInEveryLocale() {
        for (Locale locale : MessageCatalog.LOCALES) {
            assertEquals(0, run(Map.of("LANG", posix(locale)), "hello"), locale + ": " + err());
            String text = out();
            assertFalse(text.contains("⟦"), locale + ":\n" + text);
            assertTrue(text.contains(CliText.CATALOG.format(locale, "hello.printed", "5\\n")), locale + ":\n" + text);
            assertTrue(text.contains(CliText.CATALOG.format(locale, "hello.exits")), locale + ":\n" + text);
            assertTrue(text.contains(CliText.CATALOG.format(locale, "hello.al", "43")), locale + ":\n" + text);
            assertEquals(isEnglish(locale), text.contains("guest printed:"), locale + " speaks its own:\n" + text);
        }
    }

    @Test
    void everyGuestEventTypeAndMachineExitReasonHasATextInEveryLocale() {
        for (Locale locale : MessageCatalog.LOCALES) {
            Set<String> seen = new TreeSet<>();
            for (GuestEvent.Type type : GuestEvent.Type.values()) {
                String key = "events.type." + type.name().toLowerCase(Locale.ROOT);
                String text = CliText.CATALOG.format(locale, key);
                assertFalse(text.contains("⟦"), locale + ": " + key);
                assertEquals(isEnglish(locale), text.equals(type.name()), locale + ": " + key + " = " + text);
                seen.add(text);
            }
            assertEquals(GuestEvent.Type.values().length, seen.size(), locale + ": two events read alike " + seen);
            for (MachineExit.Reason reason : MachineExit.Reason.values()) {
                String key = "boot.reason." + reason.name().toLowerCase(Locale.ROOT);
                String text = CliText.CATALOG.format(locale, key);
                assertFalse(text.contains("⟦"), locale + ": " + key);
                assertEquals(
                        isEnglish(locale), text.equals(reason.name().toLowerCase(Locale.ROOT)), locale + ": " + key);
            }
        }
    }

    private static boolean isEnglish(Locale locale) {
        return locale.getLanguage().isEmpty() || locale.getLanguage().equals("en");
    }

    @Test
    void arabicKeepsCommandsAndPathsInLeftToRightIsolates() {
        assertEquals(2, run(Map.of("LANG", "ar_EG.UTF-8"), "vmlinux", "/boot/vmlinuz"));
        String text = err();
        assertTrue(text.contains("\u2068vmm4j vmlinux BZIMAGE OUT\u2069"), text);
        String sentence = text.substring(text.indexOf(':') + 1);
        assertFalse(TranslationCheck.outsideIsolates(sentence).matches("(?s).*[A-Za-z].*"), sentence);
    }

    @Test
    void infoReadsInEveryLocale() {
        for (Locale locale : MessageCatalog.LOCALES) {
            int status = run(Map.of("LC_MESSAGES", posix(locale)), "info");
            String text = out();
            assertTrue(status == 0 || status == 1, err());
            assertFalse(text.contains("⟦"), locale + ":\n" + text);
            String host = CliText.CATALOG.format(locale, "info.host", "§", "§", "§", "§");
            assertTrue(text.startsWith(host.substring(0, host.indexOf('§'))), locale + ":\n" + text);
            assertTrue(text.contains(CliText.CATALOG.format(locale, "info.col.available")), locale + ":\n" + text);
            assertTrue(text.contains(CliText.CATALOG.format(locale, "info.managed")), locale + ":\n" + text);
        }
    }

    @Test
    @RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
    void aProvisioningRunOnTheTestDriverReadsInEveryLocale(@TempDir Path dir) {
        Path base = Qcow2Writer.create(
                dir.resolve("base.qcow2"), Qcow2Options.builder(32L << 20).build());
        int n = 0;
        for (Locale locale : MessageCatalog.LOCALES) {
            String name = "intl" + n++;
            int status = provision(
                    posix(locale),
                    name,
                    base,
                    dir,
                    "--cache",
                    dir.resolve("cache").toString(),
                    "--no-wait");
            assertEquals(0, status, locale + ": " + err());
            String progress = err();
            String summary = out();
            assertFalse(progress.contains("⟦") || summary.contains("⟦"), locale + ":\n" + progress + summary);
            String started = ProvisionStep.START_GUEST.labelMessage().render(locale);
            String skipped = ProvisionMessages.CATALOG.format(locale, "progress.skipped");
            assertTrue(progress.contains(started), locale + " lacks " + started + ":\n" + progress);
            assertTrue(progress.contains(skipped), locale + " lacks " + skipped + ":\n" + progress);
            assertTrue(
                    summary.startsWith(ProvisionMessages.CATALOG.format(locale, "summary.guest", name)),
                    locale + ":\n" + summary);
            if (!locale.getLanguage().equals("en")) {
                assertFalse(progress.contains(ProvisionStep.START_GUEST.label()), locale + ":\n" + progress);
            }
        }
        assertEquals(1, provision("de_DE.UTF-8", "kaputt", base, dir, "--disk", "1M"));
        assertTrue(
                err().contains("vmm4j provision: Bereitstellung von kaputt bei Schritt 4/14 (Disk anlegen) "
                        + "fehlgeschlagen: Disk-Größe 1048576 Byte ist kleiner als die 33554432 Byte des Images; "
                        + "Hinweis: prüfen Sie, ob das Arbeitsverzeichnis"),
                err());
        for (Locale locale : MessageCatalog.LOCALES) {
            String name = "klein" + n++;
            assertEquals(1, provision(posix(locale), name, base, dir, "--disk", "1M"), locale + ": " + err());
            String failure = err();
            String reason = ProvisionMessages.CATALOG.format(
                    locale, "error.disk-smaller-than-image", "1048576", String.valueOf(32L << 20));
            assertTrue(failure.contains(reason), locale + " lacks " + reason + ":\n" + failure);
            assertEquals(
                    isEnglish(locale),
                    failure.contains("is smaller than the image"),
                    locale + " gives the reason in its own words:\n" + failure);
        }
    }

    @Test
    void aFailureThatCarriesAMessageReadsInEveryLocale(@TempDir Path dir) {
        for (Locale locale : MessageCatalog.LOCALES) {
            int status = run(
                    Map.of("LANG", posix(locale)),
                    "images",
                    "fetch",
                    "windows-server-2022",
                    "--hypervisor",
                    "bhyve",
                    "--cache",
                    dir.toString());
            assertEquals(1, status, locale + ": " + err());
            String text = err();
            String start = ProvisionMessages.CATALOG.format(
                    locale, "error.manual-download-notes", "bhyve/windows-server-2022", "§", "§");
            assertTrue(text.contains(start.substring(0, start.indexOf('§'))), locale + ":\n" + text);
            assertEquals(
                    isEnglish(locale),
                    text.contains("cannot be downloaded automatically"),
                    locale + " speaks its own:\n" + text);
        }
        String[] german = new String[1];
        CliText.with(Locale.GERMAN, () -> {
            german[0] = Cli.describe(
                    new InvalidRequestException(ProvisionMessages.CATALOG.message("request.empty-password")));
            return 0;
        });
        assertEquals("Passwort ist leer", german[0]);
        assertEquals("as it is", Cli.describe(new IllegalStateException("as it is")));
    }

    @Test
    void theAcceleratorReasonReadsInEveryLocale() {
        AcceleratorChoice choice = new AcceleratorChoice(
                Accelerator.TCG, "qemu", LinuxHostMessages.CATALOG.message("accelerator.emulated"));
        InfoCommand.ManagedGuests managed = new InfoCommand.ManagedGuests("libvirt", "qemu:///system", choice, null);
        assertEquals(
                "managed guests (libvirt qemu:///system): tcg (qemu) — KVM here emulates guest code (kvm_pvm); a full"
                        + " OS cannot run on it",
                managed.line());
        for (Locale locale : MessageCatalog.LOCALES) {
            String line = managed.line(locale);
            assertFalse(line.contains("⟦"), locale + ": " + line);
            assertTrue(line.contains(choice.reason(locale)), locale + ": " + line);
            assertEquals(isEnglish(locale), line.contains(choice.reason()), locale + " speaks its own: " + line);
        }
        assertTrue(managed.line(Locale.GERMAN)
                .endsWith("tcg (qemu) — KVM emuliert hier den Gastcode (kvm_pvm); ein"
                        + " vollständiges Betriebssystem kann darauf nicht laufen"));
    }

    @Test
    @RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
    void infoOnTheTestDriverGivesTheAcceleratorReasonInEveryLocale() {
        for (Locale locale : MessageCatalog.LOCALES) {
            int status = run(Map.of("LANG", posix(locale)), "info", "--uri", "test:///default");
            assertTrue(status == 0 || status == 1, err());
            String reason = LinuxHostMessages.CATALOG.format(locale, "accelerator.test-driver");
            assertTrue(out().contains(reason), locale + " lacks " + reason + ":\n" + out());
            assertEquals(
                    isEnglish(locale),
                    out().contains("test driver runs no guest code"),
                    locale + " speaks its own:\n" + out());
        }
    }

    /** {@code de_DE.UTF-8}-style name of a shipped locale ({@code C.UTF-8} for English). */
    static String posix(Locale locale) {
        if (locale.getLanguage().equals("en")) {
            return "C.UTF-8";
        }
        return locale.getLanguage() + (locale.getCountry().isEmpty() ? "" : "_" + locale.getCountry()) + ".UTF-8";
    }
}
