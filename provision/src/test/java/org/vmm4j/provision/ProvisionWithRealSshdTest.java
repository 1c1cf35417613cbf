package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.image.Qcow2Options;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The SSH half of the workflow for real: a fake guest whose "address" is a real OpenSSH server
 * started by the test on 127.0.0.1, so the banner wait, the key login, known-hosts handling and the
 * commands all run against sshd.
 */
@RequiresHost(tools = {"sshd", "ssh-keygen"})
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
}
