package org.vmm4j.provision;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.vmm4j.text.Message;

/**
 * Waits for a guest's SSH server: a TCP connection that is accepted is not enough (a booting guest's
 * port can be open before sshd is ready, and a NAT forwarder accepts for a dead guest), so it waits
 * for the server's version line ({@code SSH-2.0-...}, RFC 4253 section 4.2). Retries back off from
 * 100 ms, doubling up to 2 s.
 */
public final class SshReadiness {
    private static final long FIRST_DELAY_MS = 100;
    private static final long MAX_DELAY_MS = 2000;
    private static final int MAX_LINE = 255;
    private static final int MAX_PRE_BANNER_LINES = 20;

    private SshReadiness() {}

    /**
     * Returns the server's identification line once it is seen.
     *
     * @throws SshException when {@code timeout} passes first; the message names the last failure
     */
    public static String awaitBanner(String host, int port, Duration timeout) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long delay = FIRST_DELAY_MS;
        int attempts = 0;
        Message lastFailure = ProvisionMessages.CATALOG.message("error.ssh-no-attempt");
        while (true) {
            attempts++;
            long remainingMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            boolean connected = false;
            try (Socket socket = new Socket()) {
                // At least 100 ms: a last attempt squeezed into 1 ms would fail for that reason alone.
                int wait = (int) Math.max(100, Math.min(remainingMs, 5000));
                socket.connect(new InetSocketAddress(host, port), wait);
                connected = true;
                socket.setSoTimeout(wait);
                String banner = readBanner(socket.getInputStream());
                if (banner != null) {
                    return banner;
                }
                lastFailure = ProvisionMessages.CATALOG.message("error.ssh-no-identification");
            } catch (IOException e) {
                String detail = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                lastFailure = connected
                        ? ProvisionMessages.CATALOG.message("error.ssh-identification-missing", detail)
                        : Message.literal(detail);
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new SshException(ProvisionMessages.CATALOG.message(
                        "error.no-ssh", host + ":" + port, String.valueOf(timeout), attempts, lastFailure));
            }
            try {
                Thread.sleep(Math.min(delay, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SshException(
                        ProvisionMessages.CATALOG.message("error.ssh-interrupted", host + ":" + port), e);
            }
            delay = Math.min(delay * 2, MAX_DELAY_MS);
        }
    }

    /** Reads lines until one starts with "SSH-" (servers may send other lines first); null if none does. */
    private static String readBanner(InputStream in) throws IOException {
        for (int line = 0; line < MAX_PRE_BANNER_LINES; line++) {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (b.length() < MAX_LINE && c != '\r') {
                    b.append((char) c);
                }
            }
            String text = new String(b.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.US_ASCII);
            if (text.startsWith("SSH-")) {
                return text;
            }
            if (c < 0) {
                return null;
            }
        }
        return null;
    }
}
