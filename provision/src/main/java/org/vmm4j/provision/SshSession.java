package org.vmm4j.provision;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchChangedHostKeyException;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.JSchUnknownHostKeyException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.SafeNames;
import org.vmm4j.internal.SecretChars;

/**
 * An authenticated SSH connection to a guest (JSch, maintained fork): run commands and upload files.
 * The host key is checked against a known_hosts file under the target's {@link HostKeyPolicy}.
 */
public final class SshSession implements AutoCloseable {
    private final SshTarget target;
    private final Session session;

    private SshSession(SshTarget target, Session session) {
        this.target = target;
        this.session = session;
    }

    /**
     * Connects and authenticates.
     *
     * @throws HostKeyException when the host key changed, or is unknown under {@link HostKeyPolicy#STRICT}
     * @throws SshException     when the connection or the authentication fails
     */
    public static SshSession connect(SshTarget target) {
        Objects.requireNonNull(target, "target");
        JSch jsch = new JSch();
        PolicyHostKeyRepository hostKeys = PolicyHostKeyRepository.forTarget(target);
        byte[] password = null;
        Session session = null;
        try {
            if (target.credentials() instanceof SshCredentials.PrivateKey key) {
                byte[] passphrase = key.passphrase() == null ? null : SecretChars.utf8(key.passphrase());
                try {
                    jsch.addIdentity(key.keyFile().toString(), passphrase);
                } finally {
                    if (passphrase != null) {
                        Arrays.fill(passphrase, (byte) 0);
                    }
                }
            }
            session = jsch.getSession(target.user(), target.host(), target.port());
            session.setHostKeyRepository(hostKeys);
            // "yes": JSch itself never records or replaces keys; the repository applies our policy.
            session.setConfig("StrictHostKeyChecking", "yes");
            session.setConfig("HashKnownHosts", "no");
            if (target.pinnedHostKey().isPresent()) {
                // Negotiate the pinned key's algorithm, so a server with several host keys shows that one.
                String line = target.pinnedHostKey().get().strip();
                String algorithms = hostKeyAlgorithms(line.substring(0, line.indexOf(' ')));
                if (algorithms != null) {
                    // First, not only: a server without such a key still shows the one it has, which the
                    // pinned check then refuses by its fingerprint (an "algorithm negotiation fail" would not).
                    session.setConfig("server_host_key", preferring(algorithms, JSch.getConfig("server_host_key")));
                }
            }
            if (target.credentials() instanceof SshCredentials.Password p) {
                password = SecretChars.utf8(p.secret());
                session.setPassword(password);
                session.setConfig("PreferredAuthentications", "password");
            } else {
                session.setConfig("PreferredAuthentications", "publickey");
            }
            session.connect(
                    (int) Math.min(Integer.MAX_VALUE, target.connectTimeout().toMillis()));
            return new SshSession(target, session);
        } catch (JSchChangedHostKeyException | JSchUnknownHostKeyException e) {
            disconnect(session);
            HostKeyException rejection = hostKeys.rejection();
            throw rejection != null
                    ? rejection
                    : new SshException(
                            ProvisionMessages.CATALOG.message(
                                    "error.ssh-host-key-refused", where(target), String.valueOf(e.getMessage())),
                            e);
        } catch (JSchException e) {
            disconnect(session);
            if (hostKeys.rejection() != null) {
                throw hostKeys.rejection();
            }
            boolean auth = "Auth fail".equalsIgnoreCase(e.getMessage())
                    || String.valueOf(e.getMessage()).startsWith("Auth");
            throw new SshException(
                    auth
                            ? ProvisionMessages.CATALOG.message(
                                    "error.ssh-auth", where(target), String.valueOf(target.credentials()))
                            : ProvisionMessages.CATALOG.message(
                                    "error.ssh-connect", where(target), String.valueOf(e.getMessage())),
                    e);
        } finally {
            if (password != null) {
                Arrays.fill(password, (byte) 0);
            }
        }
    }

    /**
     * Runs a command line through the remote user's shell and waits for it. The result's
     * {@link CommandResult#command()} is the command line as its one element.
     *
     * @throws SshException when the channel fails or the command runs longer than {@code timeout}
     */
    public CommandResult exec(String commandLine, Duration timeout) {
        if (commandLine == null || commandLine.isBlank() || commandLine.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("command line is empty or contains NUL");
        }
        return exec(List.of(commandLine), commandLine, timeout);
    }

    private CommandResult exec(List<String> command, String commandLine, Duration timeout) {
        ChannelExec channel = null;
        try {
            channel = (ChannelExec) session.openChannel("exec");
            channel.setCommand(commandLine);
            channel.setInputStream(null);
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            channel.setErrStream(stderr, true);
            InputStream stdout = channel.getInputStream();
            channel.connect(
                    (int) Math.min(Integer.MAX_VALUE, target.connectTimeout().toMillis()));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                while (stdout.available() > 0) {
                    int n = stdout.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    out.write(buffer, 0, n);
                }
                if (channel.isClosed() && stdout.available() <= 0) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new SshException(ProvisionMessages.CATALOG.message(
                            "error.ssh-command-timeout", where(target), String.valueOf(timeout)));
                }
                Thread.sleep(10);
            }
            return new CommandResult(
                    command,
                    channel.getExitStatus(),
                    out.toString(StandardCharsets.UTF_8),
                    stderr.toString(StandardCharsets.UTF_8));
        } catch (JSchException | IOException e) {
            throw new SshException(
                    ProvisionMessages.CATALOG.message(
                            "error.ssh-command", where(target), String.valueOf(e.getMessage())),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(
                    ProvisionMessages.CATALOG.message("error.ssh-command-interrupted", where(target)), e);
        } finally {
            if (channel != null) {
                channel.disconnect();
            }
        }
    }

    /**
     * Runs a program with arguments: each argument is single-quoted for the remote POSIX shell, so
     * spaces and shell metacharacters in arguments arrive verbatim.
     */
    public CommandResult exec(List<String> argv, Duration timeout) {
        List<String> checked = SafeNames.requireCommand(argv);
        StringBuilder line = new StringBuilder();
        for (String arg : checked) {
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append('\'').append(arg.replace("'", "'\\''")).append('\'');
        }
        return exec(checked, line.toString(), timeout);
    }

    /** Uploads a local file over SFTP and sets its mode (octal, e.g. {@code 0644}). */
    public void upload(Path local, String remotePath, int mode) {
        try {
            upload(Files.readAllBytes(local), remotePath, mode);
        } catch (IOException e) {
            throw new SshException(
                    ProvisionMessages.CATALOG.message(
                            "error.ssh-upload-read", String.valueOf(local), String.valueOf(e.getMessage())),
                    e);
        }
    }

    /** Writes {@code content} to {@code remotePath} over SFTP and sets its mode. */
    public void upload(byte[] content, String remotePath, int mode) {
        SafeNames.requireAbsolutePath("remote path", remotePath);
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("mode must be 0..07777, got " + Integer.toOctalString(mode));
        }
        ChannelSftp sftp = null;
        try {
            sftp = (ChannelSftp) session.openChannel("sftp");
            sftp.connect(
                    (int) Math.min(Integer.MAX_VALUE, target.connectTimeout().toMillis()));
            sftp.put(new ByteArrayInputStream(content), remotePath, ChannelSftp.OVERWRITE);
            sftp.chmod(mode, remotePath);
        } catch (JSchException | SftpException e) {
            throw new SshException(
                    ProvisionMessages.CATALOG.message(
                            "error.ssh-upload", remotePath, where(target), String.valueOf(e.getMessage())),
                    e);
        } finally {
            if (sftp != null) {
                sftp.disconnect();
            }
        }
    }

    /** The server's identification line, e.g. {@code SSH-2.0-OpenSSH_9.6}. */
    public String serverVersion() {
        return session.getServerVersion();
    }

    @Override
    public void close() {
        session.disconnect();
    }

    /** The signature algorithms of a host key type, best first; null for a type to leave to JSch. */
    static String hostKeyAlgorithms(String keyType) {
        return switch (keyType) {
            case "ssh-rsa" -> "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
            case "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521" -> keyType;
            default -> null;
        };
    }

    /** {@code first}, then the algorithms of {@code all} not in it, comma-separated. */
    static String preferring(String first, String all) {
        java.util.LinkedHashSet<String> order = new java.util.LinkedHashSet<>(List.of(first.split(",")));
        if (all != null) {
            order.addAll(List.of(all.split(",")));
        }
        return String.join(",", order);
    }

    private static String where(SshTarget t) {
        return t.user() + "@" + t.host() + ":" + t.port();
    }

    private static void disconnect(Session session) {
        if (session != null) {
            session.disconnect();
        }
    }
}
