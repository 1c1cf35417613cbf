package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of a snapshot's state file ({@link SnapshotFile#decode}), the file {@code Machine.restore}
 * reads before it creates anything. The first byte chooses: odd, the rest is the whole file (magic, version,
 * lengths, checksum); even, the rest is a body, wrapped in a well-formed header and a correct SHA-256 made here with
 * the JDK and not with the code under test, so the fuzzer reaches the parser behind the checksum: the machine's
 * configuration and the named sections, with an incremental snapshot's memory layer when the first byte's bit 1
 * asks for version 2 (one target: Jazzer fuzzes one per class). Every input either decodes, and then encodes back to the very same bytes, or is refused with a
 * {@link SnapshotException} naming the file, within 2 s and 16 MiB (the body is read in place; a buffer sized by a
 * length field of the input would exceed the bound).
 */
class SnapshotFileFuzzTest {
    private static final FuzzCheck CHECK = FuzzCheck.of(Duration.ofSeconds(2), 16L << 20, SnapshotException.class);
    private static final Path FILE = Path.of("fuzz", "machine.state");

    @FuzzTest
    void stateFile(byte[] input) throws NoSuchAlgorithmException {
        byte[] rest = input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
        byte[] file = input.length > 0 && (input[0] & 1) == 0 ? wrapped(rest, (input[0] & 2) == 0 ? 1 : 2) : rest;
        CHECK.run(name(input), () -> decodesToItself(file));
    }

    private static void decodesToItself(byte[] file) {
        SnapshotFile.Contents contents = SnapshotFile.decode(file, FILE).contents();
        assertArrayEquals(file, SnapshotFile.encode(contents), "a decoded state file encodes to the same bytes");
    }

    /**
     * "VMM4JSNP", format {@code version} (1 full, 2 incremental), the body's length, the body, SHA-256 of all before
     * it (docs/snapshot-format.md).
     */
    private static byte[] wrapped(byte[] body, int version) throws NoSuchAlgorithmException {
        ByteBuffer file = ByteBuffer.allocate(20 + body.length + 32).order(ByteOrder.LITTLE_ENDIAN);
        file.put("VMM4JSNP".getBytes(StandardCharsets.US_ASCII))
                .putInt(version)
                .putLong(body.length)
                .put(body);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(file.array(), 0, 20 + body.length);
        file.put(sha256.digest());
        return file.array();
    }

    private static String name(byte[] input) {
        return input.length + " bytes " + HexFormat.of().formatHex(input, 0, Math.min(input.length, 16));
    }
}
