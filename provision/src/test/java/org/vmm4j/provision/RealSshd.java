package org.vmm4j.provision;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.vmm4j.testsupport.HostRequirements;

/**
 * A real OpenSSH server for tests: own config, own host key, an authorized key for the current user,
 * listening on a free loopback port, in the foreground ({@code -D -e}) so the test owns the process.
 * Tests using it declare {@code @RequiresHost(tools = {"sshd", "ssh-keygen"})}.
 */
final class RealSshd implements AutoCloseable {
    final Path dir;
    final int port;
    final Path clientKey;
    private Process process;

    RealSshd(Path dir) throws Exception {
        this.dir = dir;
        this.port = freePort();
        run(List.of(
                "ssh-keygen",
                "-q",
                "-t",
                "ecdsa",
                "-N",
                "",
                "-f",
                dir.resolve("host_key").toString()));
        this.clientKey = dir.resolve("id_ed25519");
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", clientKey.toString()));
        Files.copy(dir.resolve("id_ed25519.pub"), dir.resolve("authorized_keys"));
        // sshd refuses to start without its privilege separation directory.
        Files.createDirectories(Path.of("/run/sshd"));
    }

    static String user() {
        return System.getProperty("user.name");
    }

    /** Starts sshd with the current host key (a second call after {@link #replaceHostKey()} restarts with the new one). */
    void start() throws Exception {
        Path config = dir.resolve("sshd_config");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "Port " + port,
                        "ListenAddress 127.0.0.1",
                        "HostKey " + dir.resolve("host_key"),
                        "PidFile none",
                        "UsePAM no",
                        "StrictModes no",
                        "PermitRootLogin yes",
                        "PubkeyAuthentication yes",
                        "PasswordAuthentication yes",
                        "KbdInteractiveAuthentication no",
                        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                        "Subsystem sftp internal-sftp",
                        "LogLevel VERBOSE",
                        ""));
        process = new ProcessBuilder(HostRequirements.program("sshd").toString(), "-f", config.toString(), "-D", "-e")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.log").toFile())
                .start();
        SshReadiness.awaitBanner("127.0.0.1", port, Duration.ofSeconds(20));
    }

    void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    void replaceHostKey() throws Exception {
        Files.delete(dir.resolve("host_key"));
        Files.delete(dir.resolve("host_key.pub"));
        run(List.of(
                "ssh-keygen",
                "-q",
                "-t",
                "ecdsa",
                "-N",
                "",
                "-f",
                dir.resolve("host_key").toString()));
    }

    /** Restarts sshd with {@code privateKeyPem} as its only host key (and its public half next to it). */
    void useHostKey(String privateKeyPem) throws Exception {
        stop();
        Path key = dir.resolve("host_key");
        Files.deleteIfExists(key);
        Files.deleteIfExists(dir.resolve("host_key.pub"));
        Files.createFile(
                key,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(key, privateKeyPem, StandardCharsets.US_ASCII);
        Process p = new ProcessBuilder("ssh-keygen", "-y", "-f", key.toString())
                .redirectOutput(dir.resolve("host_key.pub").toFile())
                .start();
        if (p.waitFor() != 0) {
            throw new AssertionError("ssh-keygen -y cannot read the host key: "
                    + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        start();
    }

    String hostKeyFingerprint() throws Exception {
        Process p = new ProcessBuilder(
                        "ssh-keygen",
                        "-l",
                        "-E",
                        "sha256",
                        "-f",
                        dir.resolve("host_key.pub").toString())
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return out.split(" ")[1];
    }

    String log() throws IOException {
        return Files.exists(dir.resolve("sshd.log")) ? Files.readString(dir.resolve("sshd.log")) : "";
    }

    @Override
    public void close() {
        stop();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void run(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError(argv + " failed: " + out);
        }
    }
}
