package org.vmm4j.provision.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class BaseImageRecipeTest {
    private final BaseImageRecipe debian = BaseImageRecipe.named("debian-12");

    @Test
    void debian12IsBookwormForAmd64WithWhatAManagedGuestNeeds() {
        assertEquals("bookworm", debian.suite());
        assertEquals("amd64", debian.architecture());
        assertEquals(2L << 30, debian.rootSize());
        assertTrue(
                debian.packages()
                        .containsAll(List.of(
                                "cloud-init",
                                "openssh-server",
                                "qemu-guest-agent",
                                "linux-image-amd64",
                                "initramfs-tools",
                                "dbus",
                                "systemd-sysv",
                                "ifupdown",
                                "isc-dhcp-client",
                                "sudo")),
                debian.packages().toString());
    }

    @Test
    void packagesAreSortedAndEachListedOnce() {
        BaseImageRecipe r = debian.withExtraPackages(List.of("vim-tiny", "curl", "dbus", "curl"));
        List<String> sorted = r.packages().stream().sorted().toList();
        assertEquals(sorted, r.packages());
        assertEquals(debian.packages().size() + 2, r.packages().size());
    }

    @Test
    void cacheKeyIsTheSha256OfTheKeyTextWhichNamesEverythingThatShapesTheImage() throws Exception {
        String text = debian.cacheKeyText();
        assertTrue(text.contains("builder=" + BaseImageRecipe.BUILDER_VERSION + "\n"), text);
        assertTrue(text.contains("suite=bookworm\n"), text);
        assertTrue(text.contains("architecture=amd64\n"), text);
        assertTrue(text.contains("packages=" + String.join(",", debian.packages()) + "\n"), text);
        assertTrue(text.contains("root-size=" + (2L << 30) + "\n"), text);
        String expected = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, debian.cacheKey());
    }

    @Test
    void cacheKeyChangesWithPackagesSuiteArchitectureAndSizeButNotWithOrderOrMirror() {
        String key = debian.cacheKey();
        assertEquals(key, BaseImageRecipe.named("debian-12").cacheKey(), "stable");
        assertEquals(
                key,
                new BaseImageRecipe(
                                "debian-12",
                                "debian",
                                "bookworm",
                                "amd64",
                                reversed(debian.packages()),
                                debian.rootSize(),
                                debian.mirror())
                        .cacheKey(),
                "package order");
        assertEquals(
                key,
                debian.withMirror(URI.create("http://mirror.example/debian")).cacheKey(),
                "mirror");
        assertNotEquals(key, debian.withExtraPackages(List.of("curl")).cacheKey(), "an extra package");
        assertNotEquals(key, debian.withRootSize(4L << 30).cacheKey(), "root size");
        assertNotEquals(
                key,
                new BaseImageRecipe(
                                "x", "debian", "trixie", "amd64", debian.packages(), debian.rootSize(), debian.mirror())
                        .cacheKey(),
                "suite");
        assertNotEquals(
                key,
                new BaseImageRecipe(
                                "x",
                                "debian",
                                "bookworm",
                                "arm64",
                                debian.packages(),
                                debian.rootSize(),
                                debian.mirror())
                        .cacheKey(),
                "architecture");
    }

    private static List<String> reversed(List<String> list) {
        List<String> r = new ArrayList<>(list);
        Collections.reverse(r);
        return r;
    }

    @Test
    void refusesPackageNamesThatAreNotDebianNames() {
        for (String bad : List.of("curl;reboot", "Curl", "-x", "a", "curl vim", "--include=x", "")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> debian.withExtraPackages(List.of(bad)), bad);
            assertTrue(e.getMessage().contains("not a Debian package name"), e.getMessage());
        }
    }

    @Test
    void refusesUnknownRecipesAndBadSizesAndMirrors() {
        IllegalArgumentException unknown =
                assertThrows(IllegalArgumentException.class, () -> BaseImageRecipe.named("debian-13"));
        assertTrue(unknown.getMessage().contains("debian-12"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> debian.withRootSize(1000));
        assertThrows(IllegalArgumentException.class, () -> debian.withMirror(URI.create("ftp://x/debian")));
    }
}
