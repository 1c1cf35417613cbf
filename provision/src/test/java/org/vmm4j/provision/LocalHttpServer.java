package org.vmm4j.provision;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback-only HTTP server for download tests: serves byte arrays with Range support, can cut a
 * response off after some bytes the first N times, and records each request's Range header.
 */
final class LocalHttpServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> cutsLeft = new ConcurrentHashMap<>();
    private final Map<String, Integer> cutAfter = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();

    LocalHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    void serve(String path, byte[] content) {
        files.put(path, content);
    }

    /** The next {@code times} responses for {@code path} stop after {@code bytes} bytes and drop the connection. */
    void cutOff(String path, int bytes, int times) {
        cutAfter.put(path, bytes);
        cutsLeft.put(path, new AtomicInteger(times));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String range = exchange.getRequestHeaders().getFirst("Range");
        requests.add(path + (range == null ? "" : " " + range));
        byte[] content = files.get(path);
        if (content == null) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
        }
        int start = 0;
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m != null && m.matches()) {
            start = Integer.parseInt(m.group(1));
            exchange.getResponseHeaders()
                    .add("Content-Range", "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
            exchange.sendResponseHeaders(206, content.length - start);
        } else {
            exchange.sendResponseHeaders(200, content.length);
        }
        OutputStream body = exchange.getResponseBody();
        AtomicInteger cuts = cutsLeft.get(path);
        if (cuts != null && cuts.getAndDecrement() > 0) {
            body.write(content, start, cutAfter.get(path));
            body.flush();
            // Closing short of the announced length makes the server drop the connection mid-body.
            try {
                exchange.close();
            } catch (RuntimeException ignored) {
                // expected: "insufficient bytes written"
            }
            return;
        }
        body.write(content, start, content.length - start);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
