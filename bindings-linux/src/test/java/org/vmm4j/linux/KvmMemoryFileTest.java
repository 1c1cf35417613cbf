package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.VmExit;
import org.vmm4j.testsupport.RequiresHost;

/** {@link KvmVm#mapMemoryFile}: a file as private, lazily paged guest memory, on the real /dev/kvm. */
@RequiresHost(kvm = true)
class KvmMemoryFileTest {
    private static final int SIZE = 0x10000;
    private static final int FILE_OFFSET = 0x1000;
    private static final short DATA = 0x5a17;

    @TempDir
    Path dir;

    @AutoClose
    private final TestVms vms = new TestVms();

    private final KvmVm vm = vms.create();

    /** A file of one page of padding and then the guest's 64 KiB: code at CODE, a word of data at 0x2000. */
    private Path guestImage() throws IOException {
        ByteBuffer image = ByteBuffer.allocate(FILE_OFFSET + SIZE).order(ByteOrder.LITTLE_ENDIAN);
        image.put(
                FILE_OFFSET + (int) CODE,
                bytes(
                        0xa1, 0x00, 0x20, // mov ax, [0x2000]
                        0xe7, 0xe9, // out 0xe9, ax
                        0xc7, 0x06, 0x00, 0x20, 0xef, 0xbe, // mov word [0x2000], 0xbeef
                        0xf4)); // hlt
        image.putShort(FILE_OFFSET + 0x2000, DATA);
        Path file = dir.resolve("guest.img");
        Files.write(file, image.array());
        return file;
    }

    @Test
    void theGuestAndTheVmmSeeTheFileAndTheirWritesStayInMemory() throws IOException {
        Path file = guestImage();
        byte[] before = Files.readAllBytes(file);
        GuestMemory mem = vm.mapMemoryFile(0, SIZE, file, FILE_OFFSET);
        assertEquals(List.of(mem), vm.memoryRegions());
        assertEquals(DATA, mem.getShort(0x2000), "the VMM reads the file's bytes");

        KvmVcpu cpu = vm.createVcpu(0);
        GuestSetup.realMode(cpu, CODE, Registers.builder());
        VmExit exit = cpu.run();
        assertEquals(ExitKind.IO_OUT, exit.kind());
        assertEquals(DATA, (short) exit.ioData(0), "the guest reads the file's bytes");
        assertEquals(ExitKind.HLT, cpu.run().kind());
        assertEquals((short) 0xbeef, mem.getShort(0x2000), "the guest's write is in guest memory");
        mem.putLong(0x3000, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, mem.getLong(0x3000));

        assertArrayEquals(before, Files.readAllBytes(file), "no write reached the file");
        vm.removeMemory(mem);
        assertEquals(List.of(), vm.memoryRegions());
        assertThrows(IllegalStateException.class, () -> mem.getShort(0x2000));
    }

    @Test
    void aLargeFileIsPagedInOnlyWhereTouched() throws IOException {
        long size = 256L << 20;
        Path file = dir.resolve("large.img");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            f.seek(100L << 20);
            f.writeLong(0x0102_0304_0506_0708L);
        }
        GuestMemory mem = vm.mapMemoryFile(0x1_0000_0000L, size, file, 0);
        assertEquals(0x0807_0605_0403_0201L, mem.getLong(100L << 20), "the one page touched");
        long[] sizeAndRss = smaps(file);
        assertTrue(sizeAndRss != null, file + " is mapped");
        assertEquals(size >> 10, sizeAndRss[0], "the whole file is mapped");
        assertTrue(sizeAndRss[1] < 4096, "resident: " + sizeAndRss[1] + " KiB of " + (size >> 10) + " KiB");
        vm.close();
        assertEquals(null, smaps(file), "closing the VM unmaps the file");
    }

    /** Size and Rss in KiB of the mapping of {@code file} in /proc/self/smaps, or null if it is not mapped. */
    private static long[] smaps(Path file) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        String name = file.toRealPath().toString();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).endsWith(" " + name)) {
                long mapped = -1, rss = -1;
                for (int j = i + 1; j < lines.size() && !lines.get(j).matches("^[0-9a-f]+-[0-9a-f]+ .*"); j++) {
                    String[] f = lines.get(j).split("\\s+");
                    if (f[0].equals("Size:")) {
                        mapped = Long.parseLong(f[1]);
                    } else if (f[0].equals("Rss:")) {
                        rss = Long.parseLong(f[1]);
                    }
                }
                return new long[] {mapped, rss};
            }
        }
        return null;
    }

    @Test
    void badRequestsAreRefusedNamingTheProblem() throws IOException {
        Path file = guestImage();
        assertRefused(IllegalArgumentException.class, "not aligned", () -> vm.mapMemoryFile(0x800, SIZE, file, 0));
        assertRefused(IllegalArgumentException.class, "not a multiple", () -> vm.mapMemoryFile(0, SIZE - 1, file, 0));
        assertRefused(IllegalArgumentException.class, "must be positive", () -> vm.mapMemoryFile(0, 0, file, 0));
        assertRefused(IllegalArgumentException.class, "file offset 100", () -> vm.mapMemoryFile(0, SIZE, file, 100));
        assertRefused(
                IllegalArgumentException.class,
                "shorter than the " + (SIZE + 0x1000),
                () -> vm.mapMemoryFile(0, SIZE + 0x1000, file, FILE_OFFSET));
        Path missing = dir.resolve("missing.img");
        assertRefused(UncheckedIOException.class, missing.toString(), () -> vm.mapMemoryFile(0, SIZE, missing, 0));
        assertRefused(UncheckedIOException.class, "not a regular file", () -> vm.mapMemoryFile(0, SIZE, dir, 0));
        vm.mapMemoryFile(0, SIZE, file, 0);
        assertRefused(IllegalArgumentException.class, "overlaps", () -> vm.mapMemoryFile(0x8000, 0x8000, file, 0));
        assertEquals(1, vm.memoryRegions().size(), "only the good request mapped anything");
    }

    @Test
    void noDescriptorIsLeft() throws IOException {
        Path file = guestImage();
        long before = openFds();
        for (int i = 0; i < 20; i++) {
            GuestMemory mem = vm.mapMemoryFile(0, SIZE, file, 0);
            assertThrows(IllegalArgumentException.class, () -> vm.mapMemoryFile(0, SIZE * 2, file, 0));
            vm.removeMemory(mem);
        }
        assertEquals(before, openFds(), "the file is closed once mapped, and after a refusal");
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static void assertRefused(Class<? extends RuntimeException> type, String text, Runnable call) {
        RuntimeException e = assertThrows(type, call::run);
        assertTrue(e.getMessage().contains(text), "expected '" + text + "' in: " + e.getMessage());
    }
}
