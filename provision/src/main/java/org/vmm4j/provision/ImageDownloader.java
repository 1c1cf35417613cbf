package org.vmm4j.provision;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.internal.AtomicFiles;
import org.vmm4j.text.Message;

/**
 * Downloads guest images into a content-addressed cache: a verified file lives at
 * {@code cache/sha256/<hex>}, so the same bytes are stored once whatever URL they came from. An
 * interrupted download keeps its bytes in {@code cache/partial/} and is resumed with an HTTP Range
 * request, by the next attempt of the same call or by a later call. A file whose digest does not
 * match is deleted, never cached.
 */
public final class ImageDownloader {
    private static final Logger LOG = LoggerFactory.getLogger(ImageDownloader.class);

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 64 * 1024;
    private static final long MAX_CHECKSUM_FILE = 1 << 20;

    private final Path cache;
    private final HttpClient client;
    private final int maxAttempts;
    private final Duration requestTimeout;

    /** A downloader with its own HTTP client, three attempts per download and a 60 s response timeout. */
    public ImageDownloader(Path cacheDirectory) {
        this(
                cacheDirectory,
                HttpClient.newBuilder()
                        .followRedirects(HttpClient.Redirect.NORMAL)
                        .connectTimeout(Duration.ofSeconds(30))
                        .build(),
                3,
                Duration.ofSeconds(60));
    }

    public ImageDownloader(Path cacheDirectory, HttpClient client, int maxAttempts, Duration requestTimeout) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        this.cache = Objects.requireNonNull(cacheDirectory, "cacheDirectory");
        this.client = Objects.requireNonNull(client, "client");
        this.maxAttempts = maxAttempts;
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    /** Only http and https: the cache must never be filled from file: or other schemes by a catalog entry. */
    static URI requireHttp(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("download URL must be http(s)://host/..., got '" + uri + "'");
        }
        return uri;
    }

    /** The cached file with this SHA-256, if present. */
    public Optional<Path> cached(String sha256Hex) {
        Path file = blob(ExpectedDigest.sha256(sha256Hex).hex());
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /**
     * Fetches a catalog image: resolves its checksum (downloading the published checksum file when
     * needed), downloads and verifies the image, and unpacks it when the catalog says it is
     * xz-compressed. Returns the usable image: {@code cache/sha256/<hex>}, or
     * {@code cache/unpacked/<hex>.<format>} for compressed downloads.
     *
     * @throws DownloadException for {@link GuestImage.Kind#MANUAL} entries, which cannot be downloaded
     */
    public Path fetch(GuestImage image, DownloadListener listener) {
        if (image.kind() == GuestImage.Kind.MANUAL || image.checksum().isEmpty()) {
            throw new DownloadException(
                    image.notes().isPresent()
                            ? ProvisionMessages.CATALOG.message(
                                    "error.manual-download-notes",
                                    image.hypervisor() + "/" + image.id(),
                                    image.url().toString(),
                                    image.notes().get())
                            : ProvisionMessages.CATALOG.message(
                                    "error.manual-download",
                                    image.hypervisor() + "/" + image.id(),
                                    image.url().toString()),
                    0);
        }
        Path downloaded = fetch(image.url(), resolve(image.checksum().get()), listener);
        if (image.compression().isEmpty()) {
            return downloaded;
        }
        if (!image.compression().get().equals("xz")) {
            throw new DownloadException(
                    ProvisionMessages.CATALOG.message(
                            "error.compression",
                            image.hypervisor() + "/" + image.id(),
                            image.compression().get()),
                    0);
        }
        return XzUnpacker.unpack(downloaded, cache.resolve("unpacked"), image.format(), listener);
    }

    /** The expected digest from a checksum source, downloading the checksum file for a published one. */
    public ExpectedDigest resolve(ChecksumSource source) {
        if (source instanceof ChecksumSource.Known known) {
            return known.digest();
        }
        ChecksumSource.Published published = (ChecksumSource.Published) source;
        String text = fetchText(published.url());
        return ChecksumFile.find(text, published.fileName(), published.algorithm())
                .orElseThrow(() -> new DownloadException(
                        ProvisionMessages.CATALOG.message(
                                "error.checksum-not-listed",
                                published.url().toString(),
                                published.algorithm(),
                                published.fileName()),
                        0));
    }

    /**
     * Downloads {@code uri} unless a file with the expected digest is already cached, verifies it and
     * returns its path in the cache.
     *
     * @throws ChecksumMismatchException when the complete file has another digest (it is deleted)
     * @throws DownloadException         on an HTTP error status, or when every attempt was interrupted
     *                                   (the partial file stays for the next call to resume)
     */
    public Path fetch(URI uri, ExpectedDigest expected, DownloadListener listener) {
        requireHttp(uri);
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(listener, "listener");
        Optional<Path> hit = lookup(expected);
        if (hit.isPresent()) {
            return hit.get();
        }
        Path part = partialFile(uri);
        IOException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                download(uri, part, listener);
                return store(uri, part, expected);
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DownloadException(
                        ProvisionMessages.CATALOG.message("error.download-interrupted", uri.toString()), e);
            }
        }
        long have = sizeOrZero(part);
        throw new DownloadException(
                ProvisionMessages.CATALOG.message(
                        "error.download-failed",
                        uri.toString(),
                        maxAttempts,
                        String.valueOf(have),
                        GuestProvisioner.reasonOf(last)),
                last);
    }

    private void download(URI uri, Path part, DownloadListener listener) throws IOException, InterruptedException {
        Files.createDirectories(part.getParent());
        long have = sizeOrZero(part);
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(requestTimeout).GET();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            long total;
            boolean append;
            if (status == 206) {
                Matcher m = CONTENT_RANGE.matcher(
                        response.headers().firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    throw new TransferIOException(ProvisionMessages.CATALOG.message(
                            "error.range-answer",
                            String.valueOf(have),
                            response.headers()
                                    .firstValue("Content-Range")
                                    .map(Message::literal)
                                    .orElse(ProvisionMessages.CATALOG.message("error.no-content-range"))));
                }
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
                append = true;
            } else if (status == 200) {
                total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                append = false; // the server ignored the range: start over
            } else if (status == 416 && have > 0) {
                // The partial file is not a prefix the server recognises: discard it and retry from zero.
                Files.deleteIfExists(part);
                throw new TransferIOException(
                        ProvisionMessages.CATALOG.message("error.resume-refused", String.valueOf(have)));
            } else {
                throw new DownloadException(
                        status == 404
                                ? ProvisionMessages.CATALOG.message("error.http-not-found", uri.toString())
                                : ProvisionMessages.CATALOG.message(
                                        "error.http", String.valueOf(status), uri.toString()),
                        status);
            }
            try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                if (!append) {
                    out.truncate(0);
                    have = 0;
                }
                out.position(have);
                byte[] buffer = new byte[BUFFER];
                listener.progress(have, total);
                int n;
                while ((n = body.read(buffer)) > 0) {
                    ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                    have += n;
                    listener.progress(have, total);
                }
            }
            if (total >= 0 && have != total) {
                throw new TransferIOException(ProvisionMessages.CATALOG.message(
                        "error.connection-closed", String.valueOf(have), String.valueOf(total)));
            }
        }
    }

    private Path store(URI uri, Path part, ExpectedDigest expected) throws IOException {
        String sha256 = digest(part, "SHA-256");
        String actual = expected.algorithm().equals("SHA-256") ? sha256 : digest(part, expected.algorithm());
        if (!actual.equals(expected.hex())) {
            Files.deleteIfExists(part);
            throw new ChecksumMismatchException(uri.toString(), expected, actual);
        }
        Path target = blob(sha256);
        Files.createDirectories(target.getParent());
        AtomicFiles.move(part, target);
        if (!expected.algorithm().equals("SHA-256")) {
            Path alias = alias(expected);
            Files.createDirectories(alias.getParent());
            AtomicFiles.write(alias, sha256 + "\n");
        }
        return target;
    }

    private Optional<Path> lookup(ExpectedDigest expected) {
        if (expected.algorithm().equals("SHA-256")) {
            return cached(expected.hex());
        }
        Path alias = alias(expected);
        try {
            return Files.isRegularFile(alias) ? cached(Files.readString(alias).strip()) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            LOG.debug("ignoring the damaged cache alias {}", alias, e);
            return Optional.empty(); // a damaged alias only costs a new download
        }
    }

    /** Downloads a small text file (a checksum list) without caching it. */
    String fetchText(URI uri) {
        requireHttp(uri);
        try {
            HttpResponse<InputStream> response = client.send(
                    HttpRequest.newBuilder(uri).timeout(requestTimeout).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new DownloadException(
                            ProvisionMessages.CATALOG.message(
                                    "error.checksum-file-http", String.valueOf(response.statusCode()), uri.toString()),
                            response.statusCode());
                }
                byte[] bytes = body.readNBytes((int) MAX_CHECKSUM_FILE + 1);
                if (bytes.length > MAX_CHECKSUM_FILE) {
                    throw new DownloadException(
                            ProvisionMessages.CATALOG.message(
                                    "error.checksum-file-size", uri.toString(), String.valueOf(MAX_CHECKSUM_FILE)),
                            0);
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new DownloadException(
                    ProvisionMessages.CATALOG.message(
                            "error.checksum-file", uri.toString(), String.valueOf(e.getMessage())),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException(
                    ProvisionMessages.CATALOG.message("error.checksum-file-interrupted", uri.toString()), e);
        }
    }

    private Path blob(String sha256) {
        return cache.resolve("sha256").resolve(sha256);
    }

    private Path alias(ExpectedDigest digest) {
        return cache.resolve("alias")
                .resolve(digest.algorithm().toLowerCase(java.util.Locale.ROOT) + "-" + digest.hex());
    }

    /** One partial file per URL, named by the URL's hash so any URL maps to a safe file name. */
    Path partialFile(URI uri) {
        return cache.resolve("partial").resolve(hash(uri.toString().getBytes(StandardCharsets.UTF_8)) + ".part");
    }

    private static long sizeOrZero(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String digest(Path file, String algorithm) throws IOException {
        MessageDigest md = messageDigest(algorithm);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) > 0) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String hash(byte[] data) {
        return HexFormat.of().formatHex(messageDigest("SHA-256").digest(data));
    }

    private static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required of every Java platform", e);
        }
    }
}
