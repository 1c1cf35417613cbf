package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jcraft.jsch.HostKeyRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

/** The per-guest host key: what OpenSSH makes of it, and the pinned check that accepts only it. */
class GuestHostKeyTest {
    @TempDir
    Path dir;

    private static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    @RequiresHost(tools = "ssh-keygen")
    void opensshReadsThePrivateKeyAndDerivesTheSamePublicKeyAndFingerprint() throws Exception {
        GuestHostKey key = GuestHostKey.generate();
        Path file = Files.createFile(
                dir.resolve("host_key"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, key.privateKeyPem(), StandardCharsets.US_ASCII);

        assertEquals(key.publicKeyLine(), run("ssh-keygen", "-y", "-f", file.toString()));
        String listing = run("ssh-keygen", "-l", "-E", "sha256", "-f", file.toString());
        assertTrue(listing.startsWith("256 " + key.fingerprint() + " "), listing + " vs " + key.fingerprint());
        assertTrue(listing.endsWith("(ED25519)"), listing);
        assertFalse(key.toString().contains(key.privateKeyPem().substring(40, 80)), key.toString());
    }

    @Test
    void twoGuestsNeverShareAKey() {
        assertNotEquals(
                GuestHostKey.generate().publicKeyLine(), GuestHostKey.generate().publicKeyLine());
    }

    @Test
    void pinnedRepositoryAcceptsExactlyThePinnedKeyAndRecordsNothing() {
        GuestHostKey pinned = GuestHostKey.generate();
        GuestHostKey other = GuestHostKey.generate();
        Path knownHosts = dir.resolve("known_hosts");
        SshTarget target = SshTarget.builder("192.0.2.7", "admin", SshCredentials.password("x".toCharArray()))
                .knownHosts(knownHosts)
                .pinnedHostKey(pinned.publicKeyLine())
                .build();
        PolicyHostKeyRepository repository = PolicyHostKeyRepository.forTarget(target);

        assertEquals(HostKeyRepository.OK, repository.check("192.0.2.7", pinned.publicKeyBlob()));
        assertEquals(HostKeyRepository.CHANGED, repository.check("192.0.2.7", other.publicKeyBlob()));
        assertTrue(repository.rejection().getMessage().contains(other.fingerprint()));
        assertTrue(repository.rejection().getMessage().contains(pinned.fingerprint()));
        assertFalse(Files.exists(knownHosts), "nothing recorded");
        assertTrue(target.toString().contains("pinned host key"), target.toString());
    }

    @Test
    void pinnedKeyLineMustBeAPublicKeyWhoseTypeMatchesItsBlob() {
        GuestHostKey key = GuestHostKey.generate();
        SshTarget.Builder b = SshTarget.builder("h", "admin", SshCredentials.password("x".toCharArray()));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> b.pinnedHostKey("ssh-rsa").build())
                .getMessage()
                .contains("TYPE BASE64"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> b.pinnedHostKey("ssh-rsa !!!").build())
                .getMessage()
                .contains("not base64"));
        String mislabelled = key.publicKeyLine().replace("ssh-ed25519", "ssh-rsa");
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> b.pinnedHostKey(mislabelled).build())
                .getMessage()
                .contains("blob is a ssh-ed25519 key"));
    }
}
