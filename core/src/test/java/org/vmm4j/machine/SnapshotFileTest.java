package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.CpuidEntry;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.StateSection;
import org.vmm4j.testing.HeapGuestMemory;
import org.vmm4j.x86.CpuFeature;
import org.vmm4j.x86.Irqchip;

class SnapshotFileTest {
    @TempDir
    Path tmp;

    private static SnapshotFile.Contents sample() {
        SnapshotConfig config = new SnapshotConfig(
                "kvm",
                32L << 20,
                2,
                Irqchip.SPLIT,
                "baseline,-kvm-pv",
                List.of(
                        new CpuidEntry(1, 0, 0, 0x806c1, 0x800, 0x7ffafbff, 0xbfebfbff),
                        new CpuidEntry(7, 0, 1, 0, 1, 2, 3)),
                "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5",
                List.of(
                        new VirtioSpec.Disk("/var/lib/disk.img", true),
                        VirtioSpec.rng(),
                        new VirtioSpec.Net("vmm4j0", "52:54:00:12:34:56"),
                        new VirtioSpec.Vsock(3, "/run/v.sock", 2000),
                        new VirtioSpec.Console(80, 25)));
        return new SnapshotFile.Contents(
                config,
                List.of(
                        new SnapshotFile.OwnedSection("vm", new StateSection("kvm.pit", new byte[] {1, 2, 3})),
                        new SnapshotFile.OwnedSection("vcpu.0", new StateSection("kvm.regs", new byte[144])),
                        new SnapshotFile.OwnedSection(
                                "devices", new Uart16550(null, new RecordingLine()).saveState())));
    }

    @Test
    void roundTripsTheConfigurationAndTheSectionsInOrder() {
        SnapshotFile.Contents written = sample();
        byte[] file = SnapshotFile.encode(written);
        SnapshotFile.Contents read = SnapshotFile.decode(file, Path.of("x")).contents();
        assertEquals(written, read);
        assertArrayEquals(new byte[] {1, 2, 3}, read.get("vm", "kvm.pit").data());
        assertEquals(
                List.of("kvm.regs"),
                read.of("vcpu.0").stream().map(StateSection::name).toList());
        assertEquals("VMM4JSNP", new String(file, 0, 8, StandardCharsets.US_ASCII), "the magic opens the file");
    }

    @Test
    void refusesAFileThatIsNotASnapshot() {
        SnapshotException e = assertThrows(
                SnapshotException.class,
                () -> SnapshotFile.decode("#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII), Path.of("a.state")));
        assertTrue(e.getMessage().contains("a.state is not a vmm4j snapshot"), e.getMessage());
    }

    @Test
    void refusesATruncatedFileAtEveryLength() {
        byte[] file = SnapshotFile.encode(sample());
        for (int length : new int[] {10, SnapshotFile.HEADER_BYTES, file.length / 2, file.length - 1}) {
            SnapshotException e = assertThrows(
                    SnapshotException.class, () -> SnapshotFile.decode(Arrays.copyOf(file, length), Path.of("s")));
            assertTrue(e.getMessage().contains("truncated"), length + ": " + e.getMessage());
        }
    }

    @Test
    void refusesEveryFlippedByteOfTheBody() {
        byte[] file = SnapshotFile.encode(sample());
        for (int i = SnapshotFile.HEADER_BYTES; i < file.length; i += 7) {
            byte[] damaged = file.clone();
            damaged[i] ^= 0x10;
            SnapshotException e = assertThrows(
                    SnapshotException.class, () -> SnapshotFile.decode(damaged, Path.of("s")), "byte " + i);
            assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        }
    }

    @Test
    void refusesAnotherFormatVersionNamingBoth() {
        byte[] file = SnapshotFile.encode(sample());
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 3);
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotFile.decode(file, Path.of("s")));
        assertTrue(e.getMessage().contains("format version 3; this vmm4j reads versions 1 and 2"), e.getMessage());
    }

    /** {@code file} with its header's and its body's version set to {@code version}, checksummed again. */
    private static byte[] withVersion(byte[] file, int version) {
        byte[] copy = file.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(8, version);
        copy[SnapshotFile.HEADER_BYTES] = (byte) version; // the body's own layout version
        int end = copy.length - 32;
        System.arraycopy(SnapshotFile.sha256(copy, 0, end), 0, copy, end, 32);
        return copy;
    }

    @Test
    void anIncrementIsVersionTwoAndTheVersionMustMatchTheMemoryLayer() {
        List<SnapshotFile.OwnedSection> sections = new ArrayList<>(sample().sections());
        long[] pages = new long[32 * 256 / 64]; // the sample's 32 MiB
        pages[0] = 0b1011;
        MemoryLayer layer = MemoryLayer.of("../full", new byte[32], pages, 32 * 256);
        sections.add(new SnapshotFile.OwnedSection(MemoryLayer.OWNER, layer.toSection()));
        SnapshotFile.Contents increment = new SnapshotFile.Contents(sample().config(), sections);
        byte[] file = SnapshotFile.encode(increment);
        assertEquals(2, ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        assertEquals(
                1,
                ByteBuffer.wrap(SnapshotFile.encode(sample()))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getInt(8));
        SnapshotFile.Loaded read = SnapshotFile.decode(file, Path.of("inc"));
        assertEquals(layer, read.layer().orElseThrow());
        assertTrue(SnapshotFile.decode(SnapshotFile.encode(sample()), Path.of("full"))
                .layer()
                .isEmpty());

        SnapshotException layered =
                assertThrows(SnapshotException.class, () -> SnapshotFile.decode(withVersion(file, 1), Path.of("a")));
        assertTrue(
                layered.getMessage().contains("is a full snapshot's, but the file has a memory layer"),
                layered.getMessage());
        byte[] full = SnapshotFile.encode(sample());
        SnapshotException bare =
                assertThrows(SnapshotException.class, () -> SnapshotFile.decode(withVersion(full, 2), Path.of("b")));
        assertTrue(
                bare.getMessage().contains("incremental snapshot's, but the file has no memory layer"),
                bare.getMessage());
    }

    @Test
    void refusesATamperedSectionWhateverTheChecksum() {
        byte[] file = SnapshotFile.encode(sample());
        int at = indexOf(file, new byte[] {1, 2, 3});
        UnaryOperator<byte[]> tamper = f -> {
            byte[] t = f.clone();
            t[at + 1] = 9;
            return t;
        };
        byte[] unchanged = tamper.apply(file);
        assertThrows(SnapshotException.class, () -> SnapshotFile.decode(unchanged, Path.of("s")), "checksum left");

        byte[] wrong = tamper.apply(file);
        byte[] notTheBody = SnapshotFile.sha256(wrong, 0, SnapshotFile.HEADER_BYTES); // the header's hash only
        System.arraycopy(notTheBody, 0, wrong, wrong.length - 32, 32);
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotFile.decode(wrong, Path.of("s")));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());

        byte[] trailing = Arrays.copyOf(file, file.length + 1);
        SnapshotException extra =
                assertThrows(SnapshotException.class, () -> SnapshotFile.decode(trailing, Path.of("s")));
        assertTrue(extra.getMessage().contains("1 bytes after its checksum"), extra.getMessage());
    }

    @Test
    void aBodyThatPassesItsChecksumButDoesNotParseIsRefused() {
        byte[] file = SnapshotFile.encode(sample());
        int at = indexOf(file, "SPLIT".getBytes(StandardCharsets.US_ASCII));
        file[at] = 'X';
        int end = file.length - 32;
        System.arraycopy(SnapshotFile.sha256(file, 0, end), 0, file, end, 32);
        SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotFile.decode(file, Path.of("s")));
        assertTrue(e.getMessage().contains("unknown irqchip placement 'XPLIT'"), e.getMessage());
    }

    @Test
    void aMissingOrShortMemoryFileIsRefusedAndABadSnapshotCreatesNoVm() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("snap"));
        Files.write(dir.resolve(SnapshotFile.STATE_FILE), SnapshotFile.encode(sample()));
        List<String> calls = new ArrayList<>();
        Hypervisor counting = (Hypervisor) Proxy.newProxyInstance(
                Hypervisor.class.getClassLoader(), new Class<?>[] {Hypervisor.class}, (proxy, method, args) -> {
                    calls.add(method.getName());
                    throw new AssertionError("the hypervisor was used: " + method.getName());
                });

        SnapshotException missing = assertThrows(
                SnapshotException.class,
                () -> Machine.restoring(dir).hypervisor(counting).build());
        assertTrue(missing.getMessage().contains("no memory file"), missing.getMessage());

        try (RandomAccessFile f =
                new RandomAccessFile(dir.resolve(SnapshotFile.MEMORY_FILE).toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        SnapshotException shortFile = assertThrows(
                SnapshotException.class,
                () -> Machine.restoring(dir).hypervisor(counting).build());
        assertTrue(
                shortFile.getMessage().contains("16777216 bytes; the snapshot's guest has 33554432"),
                shortFile.getMessage());

        byte[] state = Files.readAllBytes(dir.resolve(SnapshotFile.STATE_FILE));
        state[state.length - 40] ^= 1;
        Files.write(dir.resolve(SnapshotFile.STATE_FILE), state);
        SnapshotException damaged = assertThrows(
                SnapshotException.class,
                () -> Machine.restoring(dir).hypervisor(counting).build());
        assertTrue(damaged.getMessage().contains("checksum"), damaged.getMessage());

        SnapshotException none = assertThrows(
                SnapshotException.class,
                () -> Machine.restoring(tmp.resolve("nothing"))
                        .hypervisor(counting)
                        .build());
        assertTrue(none.getMessage().contains("does not exist"), none.getMessage());
        assertEquals(List.of(), calls, "nothing was created");
    }

    @Test
    void anotherCpuModelAskedForIsRefusedBeforeAnyVm() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.write(dir.resolve(SnapshotFile.STATE_FILE), SnapshotFile.encode(sample()));
        try (RandomAccessFile f =
                new RandomAccessFile(dir.resolve(SnapshotFile.MEMORY_FILE).toFile(), "rw")) {
            f.setLength(32L << 20);
        }
        SnapshotException e = assertThrows(
                SnapshotException.class,
                () -> Machine.restoring(dir).cpu(org.vmm4j.x86.CpuModel.host()).build());
        assertTrue(
                e.getMessage().contains("taken with CPU model baseline,-kvm-pv, not the host asked for"),
                e.getMessage());
    }

    @Test
    void namesTheFeaturesAHostLacks() {
        CpuidEntry saved = new CpuidEntry(1, 0, 0, 0, 0, CpuFeature.PNI.mask() | CpuFeature.VMX.mask(), 0);
        CpuidEntry host = new CpuidEntry(1, 0, 0, 0, 0, CpuFeature.PNI.mask(), 0);
        assertEquals(List.of("vmx"), SnapshotRestore.missingFeatures(List.of(saved), List.of(host)));
        assertEquals(List.of(), SnapshotRestore.missingFeatures(List.of(host), List.of(saved)));
    }

    @Test
    void memoryFileHoldsOnlyTheNonZeroPagesAtTheirOffsets() throws Exception {
        GuestMemory low = new HeapGuestMemory(0, 4 << 20);
        GuestMemory high = new HeapGuestMemory(1L << 32, 4 << 20);
        low.putLong(0x1008, 0x1122334455667788L);
        low.putByte((4 << 20) - 1, (byte) 7); // the last page of a region
        high.putInt(0x20000, 0xcafe);
        Path file = tmp.resolve("memory.raw");
        SnapshotMemory.Written w = SnapshotMemory.write(List.of(low, high), file);
        assertEquals(3, w.pages());
        assertEquals(8L << 20, Files.size(file));
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(0x1008);
            assertEquals(0x1122334455667788L, Long.reverseBytes(f.readLong()));
            f.seek((4 << 20) - 1);
            assertEquals(7, f.readByte());
            f.seek((4 << 20) + 0x20000);
            assertEquals(0xcafe, Integer.reverseBytes(f.readInt()));
        }
        long allocated = allocatedBytes(file);
        assertTrue(allocated <= 64 * 1024, "sparse: " + allocated + " bytes allocated for 3 pages of 8 MiB");
    }

    /** Allocated bytes as {@code stat} counts its blocks. */
    static long allocatedBytes(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString())
                .redirectErrorStream(true)
                .start();
        String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                .trim()
                .split(" ");
        assertEquals(0, p.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    @Test
    void publishesWholeAndReplacesOnlyAnotherSnapshot() throws IOException {
        Path dir = tmp.resolve("pub");
        GuestMemory ram = new HeapGuestMemory(0, 32 << 20);
        ram.putInt(0, 42);
        SnapshotResult first =
                SnapshotWriter.publish(dir, sample(), List.of(ram), null).result();
        assertEquals(32L << 20, first.memoryBytes());
        assertEquals(4096, first.memoryWritten());
        assertEquals(sample(), SnapshotFile.read(dir));
        SnapshotWriter.publish(dir, sample(), List.of(ram), null);
        try (var entries = Files.list(tmp)) {
            assertEquals(
                    List.of("pub"), entries.map(p -> p.getFileName().toString()).toList(), "no leftovers");
        }
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        SnapshotException e = assertThrows(
                SnapshotException.class, () -> SnapshotWriter.publish(other, sample(), List.of(ram), null));
        assertTrue(e.getMessage().contains("notes.txt, which is not part of a snapshot"), e.getMessage());
        assertEquals("mine", Files.readString(other.resolve("notes.txt")));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
