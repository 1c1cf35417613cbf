package org.vmm4j.linux.provision;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves test images over HTTP/1.1 on the loopback interface only; nothing else is ever contacted.
 * A plain socket server rather than {@code com.sun.net.httpserver}: this module's test compilation
 * does not read {@code jdk.httpserver} (core's pom adds that for core only).
 */
final class LoopbackImageServer implements AutoCloseable {
    private final ServerSocket server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Thread acceptor;

    LoopbackImageServer() throws IOException {
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "loopback-image-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Serves {@code content} at {@code path}; returns its URL. */
    URI serve(String path, byte[] content) {
        files.put(path, content);
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A one-entry catalog for {@code kvm} whose image is {@code url} with a known SHA-256. */
    static String catalogJson(String id, URI url, String sha256) {
        return """
                {"images": [{"id": "%s", "hypervisor": "kvm", "distribution": "test", "version": "1",
                  "name": "loopback test image", "kind": "cloud-image", "url": "%s",
                  "checksum": {"algorithm": "SHA-256", "value": "%s"},
                  "format": "qcow2", "boot": "bios", "cloudInit": true, "agent": null}]}
                """.formatted(id, url, sha256);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                answer(s);
            } catch (IOException e) {
                // closed, or the client went away; serve the next one
            }
        }
    }

    private void answer(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        String requestLine = in.readLine();
        for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
            // headers are not needed: every answer is the whole file
        }
        String[] parts = requestLine == null ? new String[0] : requestLine.split(" ");
        byte[] content = parts.length >= 2 ? files.get(URI.create(parts[1]).getPath()) : null;
        OutputStream out = s.getOutputStream();
        if (content == null) {
            out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + content.length
                            + "\r\nContent-Type: application/octet-stream" + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
