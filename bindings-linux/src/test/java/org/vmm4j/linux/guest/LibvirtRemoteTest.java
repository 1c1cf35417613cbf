package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.testsupport.RequiresHost;

/**
 * Managed guests on a remote libvirtd, {@code qemu+libssh://root@127.0.0.1:PORT/system}: through an sshd of the
 * test's own (its own host key, a client key authorized for this run only, no password), with libvirt checking
 * the server's host key against a known_hosts file the test writes from that host key (no trust on first
 * use). Lists, defines, starts, stops and undefines a guest over the connection; a known_hosts entry with
 * another key refuses the connection; and the whole {@link LibvirtDaemonContract} suite runs over
 * {@code qemu+ssh://root@127.0.0.1:PORT/system} (the OpenSSH client, strict about the same known host key) to the
 * same sshd ({@link OverSsh}). The daemons (libvirtd) are started by {@code .ci/test}.
 */
@RequiresHost(
        libvirtd = true,
        tools = {"qemu-system-x86_64", "ssh-keygen", "sshd", "virt-ssh-helper"},
        files = RequiresHost.DEBIAN_KERNEL)
class LibvirtRemoteTest {
    private static final String NAME = "rem" + ProcessHandle.current().pid();

    private static Path dir;
    private static Process sshd;
    private static int port;
    /** The connection {@link OverSsh} runs the daemon suite on. */
    private static LibvirtGuestManager remoteSuiteConnection;

    @BeforeAll
    static void startSshd() throws Exception {
        dir = Files.createTempDirectory("vmm4j-remote");
        keygen("vmm4j host", "host_key");
        keygen("vmm4j client", "client_key");
        keygen("not the host", "other_key");
        Files.copy(dir.resolve("client_key.pub"), dir.resolve("authorized_keys"));
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Files.writeString(
                dir.resolve("sshd_config"),
                String.join(
                        "\n",
                        "Port " + port,
                        "ListenAddress 127.0.0.1",
                        "HostKey " + dir.resolve("host_key"),
                        "PidFile " + dir.resolve("sshd.pid"),
                        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                        "PermitRootLogin prohibit-password",
                        "PasswordAuthentication no",
                        "KbdInteractiveAuthentication no",
                        "UsePAM no",
                        "StrictModes no",
                        ""));
        Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege-separation directory
        sshd = new ProcessBuilder(
                        "/usr/sbin/sshd",
                        "-D",
                        "-e",
                        "-f",
                        dir.resolve("sshd_config").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertTrue(s.isConnected());
                break;
            } catch (IOException notYet) {
                if (!sshd.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "sshd did not listen on " + port + ": " + Files.readString(dir.resolve("sshd.log")));
                }
                Thread.sleep(50);
            }
        }
        // The suite goes over qemu+ssh://, the OpenSSH client as the transport, made strict about the host key by
        // a wrapper libvirt runs as its ssh command (libvirt's own options leave host-key checking to ssh's config).
        Path strictSsh = dir.resolve("strict-ssh");
        Files.writeString(
                strictSsh,
                "#!/bin/sh\nexec ssh -o UserKnownHostsFile=" + knownHosts("known_hosts_suite", "host_key.pub")
                        + " -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes \"$@\"\n");
        Files.setPosixFilePermissions(strictSsh, PosixFilePermissions.fromString("rwx------"));
        remoteSuiteConnection = LibvirtGuestManager.connect("qemu+ssh://root@127.0.0.1:" + port + "/system?keyfile="
                + dir.resolve("client_key") + "&command=" + strictSsh + "&no_tty=1");
    }

    /** The local daemon's suite, every test of it, over {@code qemu+ssh://} to the same sshd. */
    @Nested
    class OverSsh extends LibvirtDaemonContract {
        @Override
        LibvirtGuestManager libvirt() {
            return remoteSuiteConnection;
        }

        @Override
        String tag() {
            return "rt";
        }

        @Override
        Accelerator accelerator() {
            return Accelerator.TCG; // AUTO would follow the remote capabilities only: kvm here
        }
    }

    /** An Ed25519 key pair without a passphrase in {@code dir}: {@code file} and {@code file.pub}. */
    private static void keygen(String comment, String file) throws IOException, InterruptedException {
        run(
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                comment,
                "-f",
                dir.resolve(file).toString());
    }

    @AfterAll
    static void stopSshd() throws Exception {
        if (remoteSuiteConnection != null) {
            remoteSuiteConnection.close();
        }
        if (sshd != null) {
            sshd.destroy();
            sshd.waitFor(10, TimeUnit.SECONDS);
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** A known_hosts file naming {@code key} (an OpenSSH public key file) for this sshd. */
    private static Path knownHosts(String file, String key) throws IOException {
        String[] publicKey = Files.readString(dir.resolve(key)).trim().split(" ");
        Path known = dir.resolve(file);
        Files.writeString(known, "[127.0.0.1]:" + port + " " + publicKey[0] + " " + publicKey[1] + "\n");
        return known;
    }

    private static String uri(Path knownHosts) {
        return "qemu+libssh://root@127.0.0.1:" + port + "/system?keyfile=" + dir.resolve("client_key") + "&known_hosts="
                + knownHosts + "&known_hosts_verify=normal&sshauth=privkey";
    }

    @Test
    void listsDefinesStartsStopsAndUndefinesAGuestOverSsh() throws Exception {
        GuestSpec spec = GuestSpec.builder(NAME)
                .memoryMiB(64)
                .serialConsole(false)
                .accelerator(Accelerator.TCG) // a remote host's capabilities alone decide AUTO
                .build();
        try (LibvirtGuestManager remote = LibvirtGuestManager.connect(uri(knownHosts("known_hosts", "host_key.pub")));
                LibvirtGuestManager local = LibvirtGuestManager.connect("qemu:///system")) {
            assertFalse(names(remote).contains(NAME));
            try (LibvirtGuest guest = remote.define(spec)) {
                try {
                    assertTrue(names(remote).contains(NAME), "listed over ssh");
                    assertEquals(GuestState.STOPPED, stateSeenLocally(local), "the same libvirtd's guest");
                    assertTrue(guest.xml().startsWith("<domain type='qemu'"), guest.xml());
                    assertEquals(GuestState.STOPPED, guest.state());
                    guest.start();
                    assertEquals(GuestState.RUNNING, guest.state());
                    assertEquals(GuestState.RUNNING, stateSeenLocally(local));
                    guest.destroy();
                    assertEquals(GuestState.STOPPED, guest.state());
                } finally {
                    guest.undefine();
                }
            }
            assertFalse(names(remote).contains(NAME), "undefined");
            assertFalse(names(local).contains(NAME));
        }
    }

    @Test
    void aHostKeyOtherThanTheKnownOneIsRefused() throws Exception {
        Path wrong = knownHosts("known_hosts_wrong", "other_key.pub");
        RuntimeException refused = assertThrows(
                RuntimeException.class,
                () -> LibvirtGuestManager.connect(uri(wrong)).close());
        String message = String.valueOf(refused.getMessage()).toLowerCase(java.util.Locale.ROOT);
        assertTrue(message.contains("host key") || message.contains("hostkey"), refused.toString());
    }

    private static List<String> names(LibvirtGuestManager m) {
        List<Guest> guests = m.list(GuestFilter.ALL);
        List<String> names = guests.stream().map(Guest::name).toList();
        guests.forEach(Guest::close);
        return names;
    }

    private static GuestState stateSeenLocally(LibvirtGuestManager local) {
        try (Guest g = local.find(NAME).orElseThrow(() -> new AssertionError(NAME + " is not on the local libvirtd"))) {
            return g.state();
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
    }
}
