package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.Signature;
import org.vmm4j.testsupport.RequiresHost;

/** libvirt's default error handler prints every error to stderr; vmm4j's replaces it. */
@RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
class LibvirtErrorOutputTest {

    @Test
    void failedCallsPrintNothingToStderr(@TempDir Path dir) throws Exception {
        Libc libc = Libc.get();
        NativeFunction dup = libc.library()
                .function("dup", Signature.of(CType.INT, CType.INT).withErrno());
        NativeFunction dup2 = libc.library()
                .function("dup2", Signature.of(CType.INT, CType.INT, CType.INT).withErrno());
        Path captured = dir.resolve("stderr.txt");
        int file = libc.open(captured.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, 0600);
        assertTrue(file >= 0);
        int saved = (int) dup.call(2);
        assertTrue(saved >= 0);
        LibvirtException thrown;
        try {
            assertTrue(dup2.call(file, 2) >= 0);
            try (LibvirtGuestManager libvirt = LibvirtGuestManager.connect("test:///default")) {
                thrown = assertThrows(
                        LibvirtException.class, () -> libvirt.defineXml("<domain><name>x</name></domain>"));
                assertThrows(LibvirtException.class, () -> LibvirtGuestManager.connect("nosuch:///x"));
            }
        } finally {
            dup2.call(saved, 2);
            libc.close(saved);
            libc.close(file);
        }
        assertEquals("", Files.readString(captured));
        assertTrue(thrown.libvirtMessage().length() > 0);
    }
}
