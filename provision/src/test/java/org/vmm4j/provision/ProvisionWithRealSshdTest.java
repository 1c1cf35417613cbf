package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.vmm4j.image.Qcow2Options;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The SSH half of the workflow for real: a fake guest whose "address" is a real OpenSSH server
 * started by the test on 127.0.0.1, so the banner wait, the key login, known-hosts handling and the
 * commands all run against sshd.
 */
@RequiresHost(tools = {"sshd", "ssh-keygen", "isoinfo"})
class ProvisionWithRealSshdTest {
    @TempDir
    Path dir;

    private RealSshd sshd;
    private final InMemoryGuestManager manager = new InMemoryGuestManager();

    @BeforeEach
    void startSshd() throws Exception {
        sshd = new RealSshd(Files.createDirectory(dir.resolve("sshd")));
        sshd.start();
    }

    @AfterEach
    void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    private ProvisionRequest.Builder request(String name) {
        Path base = Qcow2Writer.create(
                dir.resolve(name + "-base.qcow2"),
                Qcow2Options.builder(16L << 20).build());
        return ProvisionRequest.builder(name)
                .image(ImageSource.file(base))
                .workDirectory(dir)
                .memoryBytes(128L << 20)
                .user(RealSshd.user())
                .sshPrivateKey(sshd.clientKey)
                .sshPort(sshd.port)
                .knownHosts(dir.resolve("known_hosts"))
                .pinHostKey(false)
                .sshTimeout(Duration.ofSeconds(10));
    }

    private GuestProvisioner provisioner() {
        return GuestProvisioner.builder(manager)
                .addressWaiter((guest, timeout, r) -> "127.0.0.1")
                .build();
    }

    @Test
    void runsTheCommandsOverSshWithKeyLoginAndRecordsTheHostKey() throws Exception {
        Path marker = dir.resolve("marker");
        ProvisionResult r = provisioner()
                .provision(request("ssh1")
                        .command("echo provisioned > " + marker)
                        .command("echo second")
                        .build());

        assertTrue(
                r.sshBanner().orElseThrow().startsWith("SSH-2.0-OpenSSH"),
                r.sshBanner().toString());
        assertEquals("provisioned\n", Files.readString(marker));
        assertEquals(2, r.commandResults().size());
        assertEquals("second\n", r.commandResults().get(1).stdout());
        assertTrue(
                Files.readString(dir.resolve("known_hosts")).startsWith("[127.0.0.1]:" + sshd.port + " "),
                "accept-new recorded the host key");
    }

    @Test
    void failingCommandStopsTheRunAndRollsBack() {
        ProvisionRequest request = request("ssh2")
                .command("true")
                .command("echo broken >&2; exit 3")
                .command("echo never")
                .build();

        ProvisionException e =
                assertThrows(ProvisionException.class, () -> provisioner().provision(request));

        assertEquals(ProvisionStep.RUN_COMMANDS, e.step());
        assertTrue(e.getMessage().contains("command 2 of 3 exited with 3: broken"), e.getMessage());
        assertFalse(e.getMessage().contains("echo broken"), "command lines stay out of messages");
        assertTrue(manager.guests.isEmpty());
        assertFalse(Files.exists(request.diskPath()));
        assertFalse(Files.exists(request.seedPath()));
    }

    /** The seed's host key, as cloud-init would install it: read back from the ISO the run wrote. */
    private static String seedHostKey(Path seedIso) throws Exception {
        Process p = new ProcessBuilder("isoinfo", "-J", "-i", seedIso.toString(), "-x", "/user-data")
                .redirectErrorStream(true)
                .start();
        String userData = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), userData);
        Map<?, ?> doc = (Map<?, ?>) new Load(LoadSettings.builder().build()).loadFromString(userData);
        assertEquals(
                true,
                doc.get("ssh_deletekeys"),
                userData.lines().filter(l -> !l.contains("PRIVATE")).toList().toString());
        assertEquals(List.of(), doc.get("ssh_genkeytypes"));
        return (String) ((Map<?, ?>) doc.get("ssh_keys")).get("ed25519_private");
    }

    @Test
    void pinnedHostKeyFromTheSeedIsWhatTheSshdHoldingItIsCheckedAgainst() throws Exception {
        ProvisionRequest request =
                request("pin1").pinHostKey(true).command("echo pinned").build();
        // The "guest" comes up with the seed's key, as cloud-init would install it.
        GuestProvisioner p = GuestProvisioner.builder(manager)
                .addressWaiter((guest, timeout, r) -> {
                    try {
                        sshd.useHostKey(seedHostKey(request.seedPath()));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return "127.0.0.1";
                })
                .build();

        ProvisionResult r = p.provision(request);

        assertEquals("pinned\n", r.commandResults().get(0).stdout());
        assertEquals(sshd.hostKeyFingerprint(), r.hostKeyFingerprint().orElseThrow());
        assertFalse(Files.exists(dir.resolve("known_hosts")), "a pinned key is not recorded in known_hosts");
    }

    @Test
    void anSshdWithAnotherHostKeyIsRefusedAtOnceAndEverythingIsRolledBack() throws Exception {
        // The guest ignored its seed: its sshd presents a key of its own. No retry, no trust on first use.
        ProvisionRequest request = request("pin2")
                .pinHostKey(true)
                .command("echo never")
                .sshTimeout(Duration.ofSeconds(60))
                .build();
        long start = System.nanoTime();

        ProvisionException e =
                assertThrows(ProvisionException.class, () -> provisioner().provision(request));

        assertEquals(ProvisionStep.WAIT_FOR_SSH, e.step());
        assertTrue(e.getMessage().contains("is not the pinned one"), e.getMessage());
        assertTrue(e.getMessage().contains(sshd.hostKeyFingerprint()), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 30, "refused without waiting");
        assertTrue(manager.guests.isEmpty());
        assertFalse(Files.exists(request.diskPath()));
        assertFalse(Files.exists(request.seedPath()));
        assertFalse(Files.exists(dir.resolve("known_hosts")));
    }
}
