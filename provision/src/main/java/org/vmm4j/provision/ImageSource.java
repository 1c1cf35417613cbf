package org.vmm4j.provision;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import org.vmm4j.provision.build.BaseImageBuilder;
import org.vmm4j.provision.build.BuiltImage;

/** Where a provisioned guest's base image comes from: the catalog, a file, a URL with its digest, or a built image. */
public sealed interface ImageSource {

    /** An entry of the {@link ImageCatalog} for the request's hypervisor kind, e.g. {@code ubuntu-24.04}. */
    record Catalog(String id) implements ImageSource {
        public Catalog {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("catalog image id is empty");
            }
        }
    }

    /** A disk image (qcow2 or raw) already on this host; used as the overlay's backing file as it is. */
    record LocalFile(Path path) implements ImageSource {
        public LocalFile {
            Objects.requireNonNull(path, "path");
            path = path.toAbsolutePath().normalize();
        }
    }

    /** A disk image to download over http(s) and verify; cached by digest like catalog images. */
    record Remote(URI uri, ExpectedDigest digest) implements ImageSource {
        public Remote {
            ImageDownloader.requireHttp(Objects.requireNonNull(uri, "uri"));
            Objects.requireNonNull(digest, "digest");
        }
    }

    /**
     * A base image built on this host ({@link BaseImageBuilder}), booted with its own kernel and initrd.
     * The provisioner stages it into the request's work directory (a hard link, or a copy across file
     * systems) so the hypervisor, which may run as another user than the cache's owner, can read it.
     */
    record Built(BuiltImage image) implements ImageSource {
        public Built {
            Objects.requireNonNull(image, "image");
        }
    }

    static ImageSource catalog(String id) {
        return new Catalog(id);
    }

    static ImageSource file(Path path) {
        return new LocalFile(path);
    }

    static ImageSource url(URI uri, ExpectedDigest digest) {
        return new Remote(uri, digest);
    }

    static ImageSource built(BuiltImage image) {
        return new Built(image);
    }
}
