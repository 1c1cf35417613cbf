package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvisionRequestTest {
    @TempDir
    Path dir;

    private ProvisionRequest.Builder valid() {
        return ProvisionRequest.builder("web1").catalogImage("ubuntu-24.04").workDirectory(dir);
    }

    private String problem(ProvisionRequest.Builder b) {
        return assertThrows(IllegalArgumentException.class, () -> b.build().validate())
                .getMessage();
    }

    @Test
    void acceptsMinimalRequestWithDefaults() {
        ProvisionRequest r = valid().build();
        r.validate();
        assertEquals("kvm", r.hypervisor());
        assertEquals(1L << 30, r.memoryBytes());
        assertEquals(dir.resolve("web1.qcow2"), r.diskPath());
        assertEquals(dir.resolve("web1-seed.iso"), r.seedPath());
        assertEquals(ProvisionStep.REPORT, r.stopAfter());
    }

    @Test
    void rejectsNamesThatCouldReachAShell() {
        assertTrue(
                problem(ProvisionRequest.builder("a;rm -rf").catalogImage("x").workDirectory(dir))
                        .contains("guest name"));
    }

    @Test
    void rejectsCommandsWithoutCredentials() {
        assertTrue(problem(valid().user("admin").command("true"))
                .contains("need a user and a password or SSH private key"));
    }

    @Test
    void aProblemIsAnIllegalArgumentThatReadsInTheReadersLocale() {
        InvalidRequestException e = assertThrows(
                InvalidRequestException.class,
                () -> valid().user("admin").command("true").build().validate());
        assertEquals("commands to run need a user and a password or SSH private key to log in with", e.getMessage());
        assertEquals(e.getMessage(), e.text().english());
        assertEquals(
                "для выполнения команд нужен пользователь и пароль или закрытый SSH-ключ для входа",
                e.text().render(Locale.forLanguageTag("ru")));
        InvalidRequestException port = assertThrows(
                InvalidRequestException.class, () -> valid().sshPort(0).build().validate());
        assertEquals("SSH-Port muss 1..65535 sein, nicht 0", port.text().render(Locale.GERMAN));
        InvalidRequestException name = assertThrows(
                InvalidRequestException.class,
                () -> ProvisionRequest.builder("a;rm\n-rf")
                        .catalogImage("x")
                        .workDirectory(dir)
                        .build()
                        .validate());
        assertTrue(
                name.getMessage().startsWith("guest name 'a;rm?-rf' must have 1 to 31 characters"), name.getMessage());
        assertTrue(name.text().render(Locale.JAPANESE).startsWith("ゲスト名「a;rm?-rf」は 1～31 文字で"));
        InvalidRequestException user = assertThrows(
                InvalidRequestException.class,
                () -> valid().user("Root").build().validate());
        assertEquals("user must match [a-z_][a-z0-9_-]{0,31}, got 'Root'", user.getMessage());
    }

    @Test
    void rejectsKeyWithoutUser() {
        assertTrue(problem(valid().sshAuthorizedKey("ssh-ed25519 AAAA x")).contains("needs a user"));
    }

    @Test
    void rejectsUnknownHypervisorAndTinyMemory() {
        assertTrue(problem(valid().hypervisor("xen")).contains("hypervisor must be one of"));
        assertTrue(problem(valid().memoryBytes(1 << 20)).contains("at least 64 MiB"));
        assertTrue(problem(valid().diskBytes(1000)).contains("multiple of 512"));
    }

    @Test
    void rejectsMissingWorkDirectory() {
        assertTrue(
                problem(valid().workDirectory(dir.resolve("nope"))).contains("must be an existing absolute directory"));
    }

    @Test
    void cannotStopBeforeTheGuestStarts() {
        assertThrows(IllegalArgumentException.class, () -> valid().stopAfter(ProvisionStep.CREATE_DISK));
    }

    @Test
    void clearPasswordWipesTheCopy() {
        char[] mine = "s3cret!".toCharArray();
        ProvisionRequest r = valid().user("admin").password(mine).build();
        mine[0] = 'X';
        assertEquals("s3cret!", new String(r.password()), "the request keeps its own copy");
        r.clearPassword();
        assertEquals("\0".repeat(7), new String(r.password()));
        assertTrue(r.toString().contains("password redacted"));
    }

    @Test
    void builtImageIsASourceOfItsOwnAndMustBeComplete() {
        Path image = dir.resolve("img");
        org.vmm4j.provision.build.BuiltImage built = new org.vmm4j.provision.build.BuiltImage(
                image,
                image.resolve("disk.qcow2"),
                image.resolve("vmlinuz"),
                image.resolve("initrd.img"),
                "root=/dev/vda rw console=ttyS0",
                "key",
                "debian-12",
                java.util.Map.of(),
                java.time.Duration.ZERO,
                true);

        ProvisionRequest r = valid().builtImage(built).build();

        assertEquals(new ImageSource.Built(built), r.image());
        assertTrue(r.boot().isEmpty(), "the boot comes with the image once staged");
        assertTrue(r.pinHostKey(), "host keys are pinned unless turned off");
        assertTrue(problem(valid().builtImage(built)).contains("misses " + image.resolve("disk.qcow2")));
    }

    @Test
    void agentSetupRejectsUnitNamesAndPathsThatCouldReachAShell() {
        AgentConfiguration config = new AgentConfiguration("mgr.example.com", 443, true);
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> AgentSetup.of(java.util.List.of(), "/etc/a.yaml", config, "a;reboot"))
                .getMessage()
                .contains("systemd unit name"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> AgentSetup.of(java.util.List.of(), "/etc/a'b.yaml", config, "a"))
                .getMessage()
                .contains("quote"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> AgentSetup.of(java.util.List.of(), "etc/a.yaml", config, "a"))
                .getMessage()
                .contains("absolute"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AgentConfiguration("mgr example", 443, true))
                .getMessage()
                .contains("without spaces"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AgentConfiguration("mgr", 0, true))
                .getMessage()
                .contains("1..65535"));
    }
}
