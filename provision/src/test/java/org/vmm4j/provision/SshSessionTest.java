package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.host.CommandResult;
import org.vmm4j.testsupport.RequiresHost;

/** Against a real OpenSSH sshd started by the test on a loopback port. */
@RequiresHost(tools = {"sshd", "ssh-keygen"})
class SshSessionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private RealSshd sshd;
    private Path knownHosts;

    @BeforeEach
    void startSshd() throws Exception {
        sshd = new RealSshd(Files.createDirectory(dir.resolve("sshd")));
        sshd.start();
        knownHosts = dir.resolve("client").resolve("known_hosts");
    }

    @AfterEach
    void stopSshd() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
    }

    private SshTarget.Builder target() {
        return SshTarget.builder("127.0.0.1", RealSshd.user(), SshCredentials.privateKey(sshd.clientKey))
                .port(sshd.port)
                .knownHosts(knownHosts);
    }

    @Test
    void runsCommandsAndReportsExitStatusStdoutAndStderr() throws Exception {
        try (SshSession ssh = SshSession.connect(target().build())) {
            CommandResult r = ssh.exec("echo out; echo err >&2; exit 3", TIMEOUT);
            assertEquals(3, r.exitCode());
            assertEquals("out\n", r.stdout());
            assertEquals("err\n", r.stderr());
            assertTrue(ssh.serverVersion().startsWith("SSH-2.0-OpenSSH"), ssh.serverVersion());
        } catch (SshException e) {
            throw new AssertionError(e.getMessage() + "\nsshd log:\n" + sshd.log(), e);
        }
    }

    @Test
    void argumentListsArriveVerbatimDespiteShellMetacharacters() {
        try (SshSession ssh = SshSession.connect(target().build())) {
            CommandResult r = ssh.exec(List.of("printf", "%s|", "a b", "$(id)", "it's", ";ls"), TIMEOUT);
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals("a b|$(id)|it's|;ls|", r.stdout());
        }
    }

    @Test
    void uploadsFilesWithTheRequestedMode() throws Exception {
        Path remote = dir.resolve("uploaded.sh");
        Path local = dir.resolve("local.sh");
        Files.writeString(local, "#!/bin/sh\necho uploaded\n");
        try (SshSession ssh = SshSession.connect(target().build())) {
            ssh.upload(local, remote.toString(), 0750);
            CommandResult r = ssh.exec(List.of(remote.toString()), TIMEOUT);
            assertEquals("uploaded\n", r.stdout());
        }
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote)));
    }

    @Test
    void firstConnectionRecordsTheHostKeyInKnownHosts() throws Exception {
        assertFalse(Files.exists(knownHosts));
        try (SshSession ssh = SshSession.connect(target().build())) {
            assertEquals(0, ssh.exec("true", TIMEOUT).exitCode());
        }
        String recorded = Files.readString(knownHosts);
        assertTrue(recorded.startsWith("[127.0.0.1]:" + sshd.port + " ecdsa-sha2-nistp256 "), recorded);
        assertEquals(1, recorded.lines().count());
        try (SshSession again =
                SshSession.connect(target().hostKeyPolicy(HostKeyPolicy.STRICT).build())) {
            assertEquals(0, again.exec("true", TIMEOUT).exitCode(), "the recorded key satisfies STRICT");
        }
        assertEquals(recorded, Files.readString(knownHosts), "a known key is not recorded twice");
    }

    @Test
    void changedHostKeyIsRefusedWithBothFingerprintsAndKnownHostsIsKept() throws Exception {
        try (SshSession ssh = SshSession.connect(target().build())) {
            assertEquals(0, ssh.exec("true", TIMEOUT).exitCode());
        }
        String before = Files.readString(knownHosts);
        sshd.stop();
        sshd.replaceHostKey();
        sshd.start();

        HostKeyException e = assertThrows(HostKeyException.class, () -> SshSession.connect(target().build()));
        assertEquals(HostKeyException.Reason.CHANGED, e.reason());
        assertEquals(sshd.hostKeyFingerprint(), e.fingerprint());
        assertTrue(e.getMessage().contains("CHANGED") && e.getMessage().contains(e.fingerprint()), e.getMessage());
        assertEquals(before, Files.readString(knownHosts), "the recorded key is not replaced");
    }

    @Test
    void strictPolicyRefusesAnUnknownHostKey() throws Exception {
        HostKeyException e = assertThrows(
                HostKeyException.class,
                () -> SshSession.connect(
                        target().hostKeyPolicy(HostKeyPolicy.STRICT).build()));
        assertEquals(HostKeyException.Reason.UNKNOWN, e.reason());
        assertEquals(sshd.hostKeyFingerprint(), e.fingerprint());
        assertFalse(Files.exists(knownHosts), "nothing recorded under STRICT");
    }

    @Test
    void hashedKnownHostsEntryFromSshKeygenSatisfiesStrictPolicy() throws Exception {
        try (SshSession ssh = SshSession.connect(target().build())) {
            assertEquals(0, ssh.exec("true", TIMEOUT).exitCode());
        }
        Process hash = new ProcessBuilder("ssh-keygen", "-H", "-f", knownHosts.toString())
                .redirectErrorStream(true)
                .start();
        hash.getInputStream().readAllBytes();
        assertEquals(0, hash.waitFor());
        assertTrue(Files.readString(knownHosts).startsWith("|1|"), "ssh-keygen hashed the host name");

        try (SshSession ssh =
                SshSession.connect(target().hostKeyPolicy(HostKeyPolicy.STRICT).build())) {
            assertEquals("ok\n", ssh.exec("echo ok", TIMEOUT).stdout());
        }
    }

    @Test
    void wrongPasswordFailsWithoutRevealingIt() {
        String secret = "not-the-password-" + System.nanoTime();
        SshTarget t = SshTarget.builder("127.0.0.1", RealSshd.user(), SshCredentials.password(secret.toCharArray()))
                .port(sshd.port)
                .knownHosts(knownHosts)
                .build();
        SshException e = assertThrows(SshException.class, () -> SshSession.connect(t));
        assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + sshd.port), e.getMessage());
        assertFalse(e.getMessage().contains(secret), e.getMessage());
        assertFalse(t.toString().contains(secret), t.toString());
    }
}
