package org.vmm4j.provision;

import java.net.URI;

/** Where an image's expected digest comes from: given in the catalog, or a checksum file the project publishes. */
public sealed interface ChecksumSource {
    /** The digest itself. */
    record Known(ExpectedDigest digest) implements ChecksumSource {}

    /** A checksum file (GNU {@code sha256sum} or BSD {@code SHA256 (file) = ...} format) listing {@code fileName}. */
    record Published(String algorithm, URI url, String fileName) implements ChecksumSource {
        public Published {
            if (!algorithm.equals("SHA-256") && !algorithm.equals("SHA-512")) {
                throw new IllegalArgumentException(
                        "checksum algorithm must be SHA-256 or SHA-512, got '" + algorithm + "'");
            }
            ImageDownloader.requireHttp(url);
        }
    }
}
