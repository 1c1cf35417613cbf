package org.vmm4j.machine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.vmm4j.StateSection;

/**
 * The state file of a snapshot ({@value #STATE_FILE}): the machine's configuration and its named state
 * sections, framed and checksummed as {@code docs/snapshot-format.md} describes. Everything is checked
 * when the file is read, before anything is built from it.
 */
final class SnapshotFile {
    static final String STATE_FILE = "machine.state";
    static final String MEMORY_FILE = "memory.raw";
    static final byte[] MAGIC = "VMM4JSNP".getBytes(StandardCharsets.US_ASCII);
    /** The version of a full snapshot's state file. */
    static final int FORMAT_VERSION = 1;
    /** The version of an incremental snapshot's: version 1 and a {@link MemoryLayer}, which a reader of 1 lacks. */
    static final int INCREMENTAL_VERSION = 2;

    static final int HEADER_BYTES = 8 + 4 + 8;
    static final int DIGEST_BYTES = 32;
    /** The largest state file read: a guard against a length field that was tampered with. */
    static final long MAX_BODY_BYTES = 256L << 20;

    /** A section and the part of the machine it belongs to: {@code vm}, {@code vcpu.N} or {@code devices}. */
    record OwnedSection(String owner, StateSection section) {}

    /** A snapshot's state: the configuration and the sections, in the order they were saved. */
    record Contents(SnapshotConfig config, List<OwnedSection> sections) {
        Contents {
            sections = List.copyOf(sections);
        }

        /** The sections of {@code owner}, in order. */
        List<StateSection> of(String owner) {
            List<StateSection> mine = new ArrayList<>();
            for (OwnedSection s : sections) {
                if (s.owner().equals(owner)) {
                    mine.add(s.section());
                }
            }
            return mine;
        }

        /** The section {@code name} of {@code owner}, or an exception naming both. */
        StateSection get(String owner, String name) {
            for (OwnedSection s : sections) {
                if (s.owner().equals(owner) && s.section().name().equals(name)) {
                    return s.section();
                }
            }
            throw new IllegalArgumentException("the snapshot has no state section '" + name + "' for " + owner);
        }

        /** The memory layer of an incremental snapshot; empty for a full one. */
        Optional<MemoryLayer> layer() {
            return layerSection().map(s -> MemoryLayer.read(s, config.memorySize()));
        }

        /** Whether this is an incremental snapshot's state: the one thing that makes its format version 2. */
        boolean hasLayer() {
            return layerSection().isPresent();
        }

        private Optional<StateSection> layerSection() {
            for (OwnedSection s : sections) {
                if (s.owner().equals(MemoryLayer.OWNER) && s.section().name().equals(MemoryLayer.SECTION)) {
                    return Optional.of(s.section());
                }
            }
            return Optional.empty();
        }
    }

    /**
     * A state file read and checked: what it holds, the SHA-256 it ends with (what an incremental child names it
     * by), and its memory layer, read and checked once (empty for a full snapshot).
     */
    @SuppressWarnings("ArrayRecordComponent") // package-private: the bytes are never handed out to users
    record Loaded(Contents contents, byte[] digest, Optional<MemoryLayer> layer) {}

    private SnapshotFile() {}

    /** The whole state file's bytes: header, body, SHA-256 of both. */
    static byte[] encode(Contents contents) {
        int version = contents.hasLayer() ? INCREMENTAL_VERSION : FORMAT_VERSION;
        StateEncoder body = new StateEncoder("snapshot", version);
        contents.config().write(body);
        body.i32(contents.sections().size());
        for (OwnedSection s : contents.sections()) {
            body.string(s.owner()).string(s.section().name()).bytes(s.section().data());
        }
        byte[] b = body.toSection().data();
        ByteBuffer file =
                ByteBuffer.allocate(HEADER_BYTES + b.length + DIGEST_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        file.put(MAGIC).putInt(version).putLong(b.length).put(b);
        file.put(sha256(file.array(), 0, HEADER_BYTES + b.length));
        return file.array();
    }

    /**
     * Reads and checks {@code bytes}, the content of {@code file}, and its memory layer if it has one.
     *
     * @throws SnapshotException naming the file and what is wrong: not a snapshot, another format version,
     *     truncated or with bytes after its end, a checksum mismatch, or a body that does not parse
     */
    static Loaded decode(byte[] bytes, Path file) {
        if (bytes.length < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new SnapshotException(
                    file + " is not a vmm4j snapshot (no " + new String(MAGIC, StandardCharsets.US_ASCII) + " magic)");
        }
        if (bytes.length < HEADER_BYTES) {
            throw new SnapshotException(file + " is truncated: " + bytes.length + " bytes, shorter than its header");
        }
        ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int version = header.getInt(8);
        if (version != FORMAT_VERSION && version != INCREMENTAL_VERSION) {
            throw new SnapshotException(file + " has snapshot format version " + version
                    + "; this vmm4j reads versions " + FORMAT_VERSION + " and " + INCREMENTAL_VERSION);
        }
        long bodyLength = header.getLong(12);
        if (bodyLength < 0 || bodyLength > MAX_BODY_BYTES) {
            throw new SnapshotException(file + " declares a body of " + bodyLength + " bytes (at most " + MAX_BODY_BYTES
                    + " are read): damaged");
        }
        long expected = HEADER_BYTES + bodyLength + DIGEST_BYTES;
        if (bytes.length < expected) {
            throw new SnapshotException(
                    file + " is truncated: " + bytes.length + " bytes, its header promises " + expected);
        }
        if (bytes.length > expected) {
            throw new SnapshotException(file + " has " + (bytes.length - expected)
                    + " bytes after its checksum: damaged or not one snapshot");
        }
        int end = HEADER_BYTES + (int) bodyLength;
        byte[] digest = sha256(bytes, 0, end);
        if (!Arrays.equals(digest, 0, DIGEST_BYTES, bytes, end, end + DIGEST_BYTES)) {
            throw new SnapshotException(file + " fails its SHA-256 checksum: the file was damaged or changed");
        }
        try {
            StateDecoder in = new StateDecoder(
                    new StateSection("snapshot", Arrays.copyOfRange(bytes, HEADER_BYTES, end)), "snapshot", version);
            SnapshotConfig config = SnapshotConfig.read(in);
            int count = in.i32("section count", 0, 1 << 16);
            List<OwnedSection> sections = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String owner = in.string();
                String name = in.string();
                sections.add(new OwnedSection(owner, new StateSection(name, in.bytes())));
            }
            in.end();
            Contents contents = new Contents(config, sections);
            Optional<MemoryLayer> layer = contents.layer(); // read, so its runs must fit this guest's RAM
            boolean layered = layer.isPresent();
            if (layered != (version == INCREMENTAL_VERSION)) {
                throw new IllegalArgumentException("format version " + version
                        + (layered
                                ? " is a full snapshot's, but the file has a memory layer"
                                : " is an incremental snapshot's, but the file has no memory layer"));
            }
            return new Loaded(contents, digest, layer);
        } catch (IllegalArgumentException e) {
            throw new SnapshotException(file + " passes its checksum but does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * Reads and checks the state file of the snapshot in {@code dir}, and checks that its memory file is
     * there with the length the state says; reads nothing of the memory file.
     *
     * @throws SnapshotException naming the file and what is wrong
     */
    static Contents read(Path dir) {
        return load(dir).contents();
    }

    /**
     * Reads and checks the state file of the snapshot in {@code dir} and its memory file's length as {@link #read}
     * does, and returns its checksum too.
     *
     * @throws SnapshotException naming the file and what is wrong
     */
    static Loaded load(Path dir) {
        Path state = dir.resolve(STATE_FILE);
        byte[] bytes;
        try (FileChannel ch = FileChannel.open(state, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_BODY_BYTES + HEADER_BYTES + DIGEST_BYTES) {
                throw new SnapshotException(state + " is " + size + " bytes: too large to be a snapshot's state");
            }
            bytes = new byte[(int) size];
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining() && ch.read(buffer) >= 0) {
                // read it all
            }
        } catch (NoSuchFileException e) {
            throw new SnapshotException("no snapshot in " + dir + ": " + state + " does not exist", e);
        } catch (IOException e) {
            throw new SnapshotException("cannot read " + state + ": " + e.getMessage(), e);
        }
        Loaded loaded = decode(bytes, state);
        Contents contents = loaded.contents();
        Path memory = dir.resolve(MEMORY_FILE);
        long length;
        try {
            length = Files.size(memory);
        } catch (NoSuchFileException e) {
            throw new SnapshotException("the snapshot in " + dir + " has no memory file " + memory, e);
        } catch (IOException e) {
            throw new SnapshotException("cannot read " + memory + ": " + e.getMessage(), e);
        }
        if (length != contents.config().memorySize()) {
            throw new SnapshotException(memory + " is " + length + " bytes; the snapshot's guest has "
                    + contents.config().memorySize() + " bytes of RAM: truncated or not this snapshot's");
        }
        return loaded;
    }

    static byte[] sha256(byte[] data, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, offset, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }
}
