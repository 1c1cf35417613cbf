package org.vmm4j.provision;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tukaani.xz.XZInputStream;
import org.vmm4j.internal.AtomicFiles;

/**
 * Unpacks xz-compressed images next to the cache, keyed by the compressed file's name (its SHA-256),
 * so an image is decompressed once however often it is fetched. Output goes to a temporary file that
 * is moved into place only when complete.
 */
final class XzUnpacker {
    private XzUnpacker() {}

    /** The unpacked form of {@code compressed} (a {@code cache/sha256/<hex>} file), unpacking it if needed. */
    static Path unpack(Path compressed, Path unpackedDir, String suffix, DownloadListener listener) {
        Path target = unpackedDir.resolve(compressed.getFileName() + "." + suffix);
        if (Files.isRegularFile(target)) {
            return target;
        }
        try {
            Files.createDirectories(unpackedDir);
            long total = Files.size(compressed);
            AtomicFiles.replace(target, out -> {
                try (InputStream raw = Files.newInputStream(compressed);
                        CountingInputStream counted = new CountingInputStream(raw);
                        InputStream in = new XZInputStream(counted)) {
                    byte[] buffer = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                        while (chunk.hasRemaining()) {
                            out.write(chunk);
                        }
                        listener.progress(counted.count, total);
                    }
                }
            });
            return target;
        } catch (IOException e) {
            throw new DownloadException(
                    ProvisionMessages.CATALOG.message(
                            "error.decompress", compressed.toString(), String.valueOf(e.getMessage())),
                    e);
        }
    }

    /** Counts compressed bytes consumed, for progress in terms of the file on disk. */
    private static final class CountingInputStream extends java.io.FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
