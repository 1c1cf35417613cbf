package org.vmm4j.internal.nat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.VmmException;

class NativeSeamTest {
    private final Libc libc = Libc.get();

    @Test
    void selectsFfmOnJdk22AndNewer() {
        int feature = Runtime.version().feature();
        String expected = feature >= 22 && !"jna".equals(System.getProperty(NativeAccess.PROPERTY)) ? "ffm" : "jna";
        assertEquals(expected, NativeAccess.get().implementation());
    }

    @Test
    void refusesFfmOnOldJdkAndUnknownImplementations() {
        var tooOld = assertThrows(HypervisorUnavailableException.class, () -> NativeAccess.select("ffm", 21));
        assertTrue(tooOld.getMessage().contains("JDK 22"), tooOld.getMessage());
        var unknown = assertThrows(HypervisorUnavailableException.class, () -> NativeAccess.select("jni", 25));
        assertTrue(unknown.getMessage().contains("jni"), unknown.getMessage());
    }

    @Test
    void openReturnsNegativeErrnoForMissingFile() {
        int r = libc.open("/nonexistent/vmm4j", Libc.O_RDONLY, 0);
        assertEquals(-Errno.ENOENT, r);
        VmmException e = assertThrows(VmmException.class, () -> Errno.check(r, "open(/nonexistent/vmm4j)"));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    }

    @Test
    void preadAndPwriteRoundTripThroughAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data");
        int fd = (int) Errno.check(libc.open(file.toString(), Libc.O_RDWR | Libc.O_CREAT, 0600), "open");
        try (NativeMemory buffer = libc.access().allocate(16)) {
            buffer.putLong(0, 0x1122334455667788L);
            buffer.putLong(8, -2L);
            assertEquals(16, libc.pwrite(fd, buffer, 0, 16, 100));
            buffer.clear();
            assertEquals(8, libc.pread(fd, buffer, 8, 8, 108));
            assertEquals(0, buffer.getLong(0));
            assertEquals(-2L, buffer.getLong(8));
        } finally {
            assertEquals(0, libc.close(fd));
        }
        byte[] onDisk = Files.readAllBytes(file);
        assertEquals(116, onDisk.length);
        assertEquals((byte) 0x88, onDisk[100]);
        assertEquals(-Errno.EBADF, libc.close(fd));
    }

    @Test
    void mappedMemoryIsUsableAndFailsCleanlyAfterClose() {
        NativeMemory mapped =
                libc.map("test", 8192, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        mapped.putInt(8188, 42);
        assertEquals(42, mapped.getInt(8188));
        assertThrows(IndexOutOfBoundsException.class, () -> mapped.getInt(8190));
        mapped.close();
        mapped.close();
        assertFalse(mapped.isAlive());
        assertThrows(IllegalStateException.class, () -> mapped.getInt(0));
    }

    @Test
    void bulkCopyAndStrings() {
        try (NativeMemory a = libc.access().allocate(64);
                NativeMemory b = libc.access().allocate(64)) {
            a.put(3, new byte[] {1, 2, 3, 4}, 0, 4);
            a.copyTo(3, b, 10, 4);
            assertArrayEquals(new byte[] {1, 2, 3, 4}, b.toArray(10, 4));
            a.putString(20, "vmm4j");
            assertEquals("vmm4j", a.getString(20));
            assertEquals("vmm4j", libc.access().readString(a.address() + 20));
            assertThrows(IndexOutOfBoundsException.class, () -> a.putString(60, "toolong"));
            NativeMemory slice = a.slice(20, 5);
            assertEquals('v', slice.getByte(0));
            a.putByteVolatile(0, (byte) 7);
            assertEquals(7, a.getByteVolatile(0));
        }
    }

    @Test
    void pollSeesAnEventfdBecomeReadable() {
        int efd = (int) Errno.check(libc.eventfd(0, Libc.EFD_NONBLOCK), "eventfd");
        try (NativeMemory pfd = libc.access().allocate(Libc.POLLFD_SIZE);
                NativeMemory v = libc.access().allocate(8)) {
            pfd.putInt(0, efd);
            pfd.putShort(4, Libc.POLLIN);
            assertEquals(0, libc.poll(pfd, 1, 0));
            v.putLong(0, 5);
            assertEquals(8, libc.write(efd, v, 0, 8));
            assertEquals(1, libc.poll(pfd, 1, 1000));
            assertEquals(Libc.POLLIN, pfd.getShort(6) & Libc.POLLIN);
            assertEquals(8, libc.read(efd, v, 0, 8));
            assertEquals(5, v.getLong(0));
            assertEquals(-Errno.EAGAIN, libc.read(efd, v, 0, 8));
        } finally {
            libc.close(efd);
        }
    }
}
