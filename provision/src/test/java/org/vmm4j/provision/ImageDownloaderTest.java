package org.vmm4j.provision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDownloaderTest {
    @TempDir
    Path cache;

    private LocalHttpServer server;
    private final byte[] image = new byte[300_000];

    @BeforeEach
    void start() throws Exception {
        new Random(1).nextBytes(image);
        server = new LocalHttpServer();
        server.serve("/images/disk.qcow2", image);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ImageDownloader downloader(int attempts) {
        return new ImageDownloader(cache, java.net.http.HttpClient.newHttpClient(), attempts, Duration.ofSeconds(10));
    }

    @Test
    void goodDownloadLandsInContentAddressedCacheAndReportsProgress() throws Exception {
        List<long[]> progress = new ArrayList<>();
        Path file = downloader(1)
                .fetch(
                        server.uri("/images/disk.qcow2"),
                        ExpectedDigest.sha256(sha(image, "SHA-256")),
                        (done, total) -> progress.add(new long[] {done, total}));

        assertEquals(cache.resolve("sha256").resolve(sha(image, "SHA-256")), file);
        assertArrayEquals(image, Files.readAllBytes(file));
        assertEquals(image.length, progress.get(progress.size() - 1)[0]);
        assertEquals(image.length, progress.get(0)[1], "total size comes from Content-Length");
        assertTrue(progress.size() > 2, "progress reported while downloading");
        assertEquals(Optional.of(file), downloader(1).cached(sha(image, "SHA-256")));
    }

    @Test
    void secondFetchOfCachedDigestDoesNotContactTheServer() throws Exception {
        ExpectedDigest digest = ExpectedDigest.sha512(sha(image, "SHA-512"));
        Path first = downloader(1).fetch(server.uri("/images/disk.qcow2"), digest, DownloadListener.NONE);
        int requests = server.requests.size();
        Path second = downloader(1).fetch(server.uri("/images/disk.qcow2"), digest, DownloadListener.NONE);

        assertEquals(first, second);
        assertEquals(requests, server.requests.size());
    }

    @Test
    void corruptedDownloadFailsWithBothDigestsAndLeavesNothingInTheCache() throws Exception {
        byte[] corrupted = image.clone();
        corrupted[12345] ^= 0x40;
        server.serve("/images/bad.qcow2", corrupted);
        String expected = sha(image, "SHA-256");

        ChecksumMismatchException e = assertThrows(
                ChecksumMismatchException.class,
                () -> downloader(1)
                        .fetch(
                                server.uri("/images/bad.qcow2"),
                                ExpectedDigest.sha256(expected),
                                DownloadListener.NONE));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains(sha(corrupted, "SHA-256")), e.getMessage());
        assertEquals(List.of(), filesUnder(cache));
    }

    @Test
    void interruptedDownloadKeepsItsPartAndTheNextCallResumesWithARangeRequest() throws Exception {
        server.cutOff("/images/disk.qcow2", 100_000, 1);
        ImageDownloader downloader = downloader(1);
        URI uri = server.uri("/images/disk.qcow2");
        ExpectedDigest digest = ExpectedDigest.sha256(sha(image, "SHA-256"));

        DownloadException e =
                assertThrows(DownloadException.class, () -> downloader.fetch(uri, digest, DownloadListener.NONE));
        assertTrue(e.getMessage().contains("resume"), e.getMessage());
        assertEquals("error.download-failed", e.text().key());
        String german = e.text().render(Locale.GERMAN);
        assertTrue(german.startsWith("Download von " + uri + " nach 1 Versuch(en) fehlgeschlagen"), german);
        assertTrue(german.endsWith("; erneut ausführen, um fortzusetzen"), german);
        long kept = Files.size(downloader.partialFile(uri));
        assertTrue(kept > 0 && kept < image.length, "partial bytes kept: " + kept);

        Path file = downloader.fetch(uri, digest, DownloadListener.NONE);
        assertArrayEquals(image, Files.readAllBytes(file));
        assertEquals("/images/disk.qcow2 bytes=" + kept + "-", server.requests.get(server.requests.size() - 1));
        assertFalse(Files.exists(downloader.partialFile(uri)), "the partial file became the cached file");
    }

    @Test
    void retriesWithinOneCallResumeWhereTheConnectionDropped() throws Exception {
        server.cutOff("/images/disk.qcow2", 50_000, 2);
        Path file = downloader(3)
                .fetch(
                        server.uri("/images/disk.qcow2"),
                        ExpectedDigest.sha256(sha(image, "SHA-256")),
                        DownloadListener.NONE);

        assertArrayEquals(image, Files.readAllBytes(file));
        assertEquals(3, server.requests.size(), server.requests.toString());
        assertTrue(server.requests.get(1).contains("bytes="), server.requests.toString());
    }

    @Test
    void missingFileFailsWith404AndCachesNothing() throws Exception {
        DownloadException e = assertThrows(
                DownloadException.class,
                () -> downloader(3)
                        .fetch(
                                server.uri("/images/gone.qcow2"),
                                ExpectedDigest.sha256(sha(image, "SHA-256")),
                                DownloadListener.NONE));
        assertEquals(404, e.httpStatus());
        assertTrue(e.getMessage().contains("/images/gone.qcow2"), e.getMessage());
        assertEquals(1, server.requests.size(), "a 404 is not retried");
        assertEquals(List.of(), filesUnder(cache));
    }

    @Test
    void catalogEntryIsVerifiedAgainstItsPublishedChecksumFile() throws Exception {
        server.serve(
                "/images/SHA256SUMS",
                ("0".repeat(64) + " *other.img\n" + sha(image, "SHA-256") + " *disk.qcow2\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        GuestImage entry = new GuestImage(
                "test",
                "kvm",
                "test",
                "1",
                "Test",
                GuestImage.Kind.CLOUD_IMAGE,
                server.uri("/images/disk.qcow2"),
                Optional.of(new ChecksumSource.Published("SHA-256", server.uri("/images/SHA256SUMS"), "disk.qcow2")),
                "qcow2",
                Optional.empty(),
                GuestImage.BootMode.UEFI,
                true,
                List.of(),
                Optional.empty());

        Path file = downloader(1).fetch(entry, DownloadListener.NONE);
        assertArrayEquals(image, Files.readAllBytes(file));
    }

    @Test
    void aChecksumFileWithoutTheImageIsRefusedByNameInTheReadersLocale() {
        server.serve(
                "/images/SHA256SUMS",
                ("0".repeat(64) + " *other.img\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        URI sums = server.uri("/images/SHA256SUMS");
        DownloadException e = assertThrows(
                DownloadException.class,
                () -> downloader(1).resolve(new ChecksumSource.Published("SHA-256", sums, "disk.qcow2")));
        assertEquals("checksum file " + sums + " lists no SHA-256 for disk.qcow2", e.getMessage());
        assertEquals(
                "die Prüfsummendatei " + sums + " enthält keine SHA-256-Summe für disk.qcow2",
                e.text().render(Locale.GERMAN));
    }

    @Test
    void manualCatalogEntriesAreRefusedWithTheirPage() {
        GuestImage windows =
                ImageCatalog.builtIn().find("bhyve", "windows-server-2022").orElseThrow();
        DownloadException e =
                assertThrows(DownloadException.class, () -> downloader(1).fetch(windows, DownloadListener.NONE));
        assertTrue(e.getMessage().contains(windows.url().toString()), e.getMessage());
    }

    @Test
    void refusesNonHttpUrls() {
        assertThrows(
                IllegalArgumentException.class,
                () -> downloader(1)
                        .fetch(
                                URI.create("file:///etc/passwd"),
                                ExpectedDigest.sha256("0".repeat(64)),
                                DownloadListener.NONE));
    }

    @Test
    void xzCompressedCatalogImageIsVerifiedThenUnpackedOnce() throws Exception {
        java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
        try (var xz = new org.tukaani.xz.XZOutputStream(packed, new org.tukaani.xz.LZMA2Options())) {
            xz.write(image);
        }
        byte[] compressed = packed.toByteArray();
        server.serve("/images/disk.raw.xz", compressed);
        GuestImage entry = new GuestImage(
                "bsd",
                "bhyve",
                "freebsd",
                "14",
                "Test",
                GuestImage.Kind.CLOUD_IMAGE,
                server.uri("/images/disk.raw.xz"),
                Optional.of(new ChecksumSource.Known(ExpectedDigest.sha256(sha(compressed, "SHA-256")))),
                "raw",
                Optional.of("xz"),
                GuestImage.BootMode.UEFI,
                false,
                List.of(),
                Optional.empty());

        Path unpacked = downloader(1).fetch(entry, DownloadListener.NONE);
        assertArrayEquals(image, Files.readAllBytes(unpacked));
        assertEquals(cache.resolve("unpacked").resolve(sha(compressed, "SHA-256") + ".raw"), unpacked);
        int requests = server.requests.size();
        assertEquals(unpacked, downloader(1).fetch(entry, DownloadListener.NONE));
        assertEquals(requests, server.requests.size(), "cached and unpacked: no second download");
    }

    @Test
    void corruptXzFailsClearlyAndLeavesNoUnpackedFile() throws Exception {
        byte[] notXz = "this is not xz data".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        server.serve("/images/broken.raw.xz", notXz);
        GuestImage entry = new GuestImage(
                "bsd",
                "bhyve",
                "freebsd",
                "14",
                "Test",
                GuestImage.Kind.CLOUD_IMAGE,
                server.uri("/images/broken.raw.xz"),
                Optional.of(new ChecksumSource.Known(ExpectedDigest.sha256(sha(notXz, "SHA-256")))),
                "raw",
                Optional.of("xz"),
                GuestImage.BootMode.UEFI,
                false,
                List.of(),
                Optional.empty());

        DownloadException e =
                assertThrows(DownloadException.class, () -> downloader(1).fetch(entry, DownloadListener.NONE));
        assertTrue(e.getMessage().contains("decompress"), e.getMessage());
        try (Stream<Path> s = Files.list(cache.resolve("unpacked"))) {
            assertEquals(List.of(), s.toList());
        }
    }

    private static List<Path> filesUnder(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    static String sha(byte[] data, String algorithm) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    }
}
