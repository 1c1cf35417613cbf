package org.vmm4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafeNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"web1", "bridge0", "tap-3", "db_2.prod", "0guest"})
    void acceptsPlainNames(String name) {
        assertEquals(name, SafeNames.require("guest name", name, 32));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a/b",
                "../etc",
                "web;reboot",
                "web 1",
                " web",
                "-o",
                "-rf",
                ".hidden",
                "a'b",
                "a$b",
                "a\nb",
                "a\0b",
                ""
            })
    void rejectsSlashesSemicolonsSpacesLeadingDashesAndShellCharacters(String name) {
        var e = assertThrows(IllegalArgumentException.class, () -> SafeNames.require("guest name", name, 32));
        assertTrue(e.getMessage().startsWith("guest name"), e.getMessage());
    }

    @Test
    void rejectsNullAndNamesLongerThanTheLimit() {
        assertThrows(IllegalArgumentException.class, () -> SafeNames.require("bridge", null, 15));
        assertEquals("a".repeat(15), SafeNames.require("bridge", "a".repeat(15), 15));
        var e = assertThrows(IllegalArgumentException.class, () -> SafeNames.require("bridge", "a".repeat(16), 15));
        assertTrue(e.getMessage().contains("longer than 15"), e.getMessage());
    }

    @Test
    void messagesDoNotEchoControlCharacters() {
        var e = assertThrows(IllegalArgumentException.class, () -> SafeNames.require("tap", "x\u001b[2Jy", 32));
        assertTrue(e.getMessage().contains("x?[2Jy"), e.getMessage());
    }

    @Test
    void commandsArePlainOrAbsoluteProgramNamesWithArgumentsWithoutNulOrLineBreaks() {
        List<String> command = new java.util.ArrayList<>(List.of("/sbin/ifconfig", "bridge0", "a b; $(x)"));
        List<String> checked = SafeNames.requireCommand(command);
        command.set(1, "changed");
        assertEquals(List.of("/sbin/ifconfig", "bridge0", "a b; $(x)"), checked, "an immutable copy");
        assertEquals(List.of("qemu-img", "info"), SafeNames.requireCommand(List.of("qemu-img", "info")));

        for (List<String> bad : List.<List<String>>of(
                List.of(),
                List.of("rm -rf /"),
                List.of("./prog"),
                List.of("-x"),
                List.of("echo", "a\nb"),
                List.of("echo", "a\rb"),
                List.of("echo", "a\0b"),
                Arrays.asList("echo", null))) {
            assertThrows(IllegalArgumentException.class, () -> SafeNames.requireCommand(bad), String.valueOf(bad));
        }
        assertThrows(IllegalArgumentException.class, () -> SafeNames.requireCommand(null));
    }

    @Test
    void accountNamesAreWhatUseraddAcceptsByDefault() {
        assertEquals("alice", SafeNames.requireAccountName("user name", "alice"));
        assertEquals("_svc-1", SafeNames.requireAccountName("user name", "_svc-1"));
        for (String bad : Arrays.asList("-G", "a b", "Alice", "1abc", "a".repeat(33), "", null)) {
            assertThrows(IllegalArgumentException.class, () -> SafeNames.requireAccountName("user name", bad), bad);
        }
    }

    @Test
    void absolutePathsMustBeNormalized() {
        assertEquals("/vm/web1/disk0.img", SafeNames.requireAbsolutePath("disk file", "/vm/web1/disk0.img"));
        for (String bad : Arrays.asList(
                "vm/disk.img", "-o", "/vm/../etc/passwd", "/vm/..", "/vm//a", "/vm/./a", "/vm/.", "/vm/a\nb", null)) {
            assertThrows(IllegalArgumentException.class, () -> SafeNames.requireAbsolutePath("disk file", bad), bad);
        }
    }
}
