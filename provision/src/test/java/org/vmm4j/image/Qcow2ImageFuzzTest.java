package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the qcow2 reader: header, header extensions and backing name, L1/L2
 * tables, refcount tables and blocks, compressed-cluster descriptors. Every input either opens and
 * reads back (every cluster, and each data cluster's refcount) or is refused with an {@link
 * ImageException} naming what is wrong, within 2 s and 64 MiB. Seeds: qemu-img-made images of
 * every option combination and our writer's ({@code Qcow2ImageFuzzTestInputs/image}, remade by
 * {@code provision/src/test/fuzz/make-qcow2-seeds}).
 */
class Qcow2ImageFuzzTest {
    /** Reads are capped so that a large virtual size costs time only where the file backs it. */
    private static final long READ_CAP = 4L << 20;

    private static final FuzzCheck CHECK = FuzzCheck.of(Duration.ofSeconds(2), 64L << 20, ImageException.class);

    private static Path file;

    @BeforeAll
    static void createFile() throws IOException {
        Path shm = Path.of("/dev/shm");
        file = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempFile(shm, "vmm4j-fuzz", ".qcow2")
                : Files.createTempFile("vmm4j-fuzz", ".qcow2");
    }

    @AfterAll
    static void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    @FuzzTest
    void image(byte[] input) throws IOException {
        Files.write(file, input);
        String name = input.length + " bytes " + HexFormat.of().formatHex(input, 0, Math.min(input.length, 16));
        CHECK.run(name, () -> {
            long size = Qcow2Image.virtualSizeOf(file);
            try (Qcow2Image qcow = Qcow2Image.open(file)) {
                assertTrue(qcow.header().virtualSize() == size, "the header reads the same size twice");
                long end = Math.min(size, READ_CAP);
                int clusterSize = qcow.header().clusterSize();
                byte[] cluster = new byte[clusterSize];
                for (long offset = 0; offset < end; offset += clusterSize) {
                    if (end - offset < clusterSize) {
                        cluster = new byte[(int) (end - offset)];
                    }
                    qcow.read(offset, cluster);
                    if (qcow.map(offset) instanceof ClusterMapping.Data data) {
                        qcow.refcount(data.hostOffset());
                    }
                }
            }
        });
    }
}
