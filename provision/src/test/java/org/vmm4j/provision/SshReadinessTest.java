package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

class SshReadinessTest {
    @TempDir
    Path dir;

    @Test
    @RequiresHost(tools = {"sshd", "ssh-keygen"})
    void returnsTheRealSshdIdentificationLine() throws Exception {
        try (RealSshd sshd = new RealSshd(dir)) {
            sshd.start();
            String banner = SshReadiness.awaitBanner("127.0.0.1", sshd.port, Duration.ofSeconds(10));
            assertTrue(banner.startsWith("SSH-2.0-OpenSSH_"), banner);
        }
    }

    @Test
    void waitsUntilAServerStartsListeningLater() throws Exception {
        int port = RealSshd.freePort();
        Thread late = new Thread(() -> {
            try {
                // The behaviour under test: nothing listens for the first 700 ms, so the client must retry.
                Thread.sleep(700);
                try (ServerSocket server = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                        Socket s = server.accept();
                        OutputStream out = s.getOutputStream()) {
                    out.write("some pre-banner text\r\nSSH-2.0-Late_1.0\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    // Stay connected until the client has read the banner and hung up.
                    s.setSoTimeout(10_000);
                    s.getInputStream().read();
                }
            } catch (Exception ignored) {
                // the assertion below reports the failure
            }
        });
        late.start();
        long start = System.nanoTime();
        String banner = SshReadiness.awaitBanner("127.0.0.1", port, Duration.ofSeconds(10));
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        late.join();
        assertTrue(banner.equals("SSH-2.0-Late_1.0"), banner);
        assertTrue(waitedMs >= 600, "it had to retry until the server existed, waited " + waitedMs + " ms");
    }

    @Test
    void timesOutWhenNothingListensAndSaysWhere() throws Exception {
        int port = RealSshd.freePort();
        long start = System.nanoTime();
        SshException e = assertThrows(
                SshException.class, () -> SshReadiness.awaitBanner("127.0.0.1", port, Duration.ofMillis(800)));
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertTrue(e.getMessage().contains("Connect"), e.getMessage());
        assertTrue(waitedMs >= 700 && waitedMs < 5000, "waited " + waitedMs + " ms");
    }

    @Test
    void anOpenPortWithoutSshBannerIsNotReady() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread http = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        s.getOutputStream()
                                .write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (Exception closed) {
                        return;
                    }
                }
            });
            http.start();
            SshException e = assertThrows(
                    SshException.class,
                    () -> SshReadiness.awaitBanner("127.0.0.1", server.getLocalPort(), Duration.ofMillis(700)));
            assertTrue(e.getMessage().contains("no SSH identification line"), e.getMessage());
        }
    }
}
