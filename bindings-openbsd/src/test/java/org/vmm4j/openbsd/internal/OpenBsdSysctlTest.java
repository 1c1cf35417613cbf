package org.vmm4j.openbsd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmm4j.VmmException;
import org.vmm4j.internal.nat.Errno;

/**
 * The module's sysctl(3) reader over recorded kernel answers: the MIBs of {@code sys/sysctl.h}
 * (kern 1, hw 6; osrelease 2, version 4, ncpuonline 25, physmem64 19) are written here, apart from the
 * class's table, so a wrong MIB shows as a refused read.
 */
class OpenBsdSysctlTest {
    private final Map<String, byte[]> kernel = new HashMap<>();
    private final List<String> asked = new ArrayList<>();
    private final OpenBsdSysctl sysctl = new OpenBsdSysctl(mib -> {
        String key = Arrays.toString(mib);
        asked.add(key);
        byte[] v = kernel.get(key);
        if (v == null) {
            throw Errno.exception("sysctl(" + key + ")", Errno.ENOENT);
        }
        return v;
    });

    private static byte[] string(String s) {
        return (s + "\0").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void stringsAreReadUpToTheirNul() {
        kernel.put("[1, 2]", string("7.8"));
        kernel.put("[1, 4]", string("OpenBSD 7.8 (GENERIC.MP) #54: Mon Oct 13 10:00:00 MDT 2025\n"));
        assertEquals(Optional.of("7.8"), sysctl.read("kern.osrelease"));
        assertEquals("7.8", sysctl.osRelease());
        assertTrue(sysctl.read("kern.version").orElseThrow().startsWith("OpenBSD 7.8 (GENERIC.MP)"));
        assertEquals(List.of("[1, 2]", "[1, 2]", "[1, 4]"), asked);
    }

    @Test
    void intsAndQuadsArePrintedInDecimal() {
        kernel.put(
                "[6, 25]",
                ByteBuffer.allocate(4)
                        .order(ByteOrder.nativeOrder())
                        .putInt(0, 8)
                        .array());
        kernel.put(
                "[6, 19]",
                ByteBuffer.allocate(8)
                        .order(ByteOrder.nativeOrder())
                        .putLong(0, 34_266_234_880L)
                        .array());
        assertEquals(Optional.of("8"), sysctl.read("hw.ncpuonline"));
        assertEquals(Optional.of("34266234880"), sysctl.read("hw.physmem"));
    }

    @Test
    void aVariableTheKernelRefusesIsEmptyButOsReleaseMustBeThere() {
        assertEquals(Optional.empty(), sysctl.read("kern.osrelease"));
        VmmException e = assertThrows(VmmException.class, sysctl::osRelease);
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void aNameWithoutAKnownMibIsAProgrammingError() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> sysctl.read("net.inet.ip.forwarding"));
        assertTrue(e.getMessage().contains("kern.osrelease"), e.getMessage());
        assertTrue(asked.isEmpty());
    }

    @Test
    void anIntOfTheWrongSizeIsRefused() {
        kernel.put("[6, 3]", new byte[] {1, 0});
        assertThrows(VmmException.class, () -> sysctl.read("hw.ncpu"));
    }
}
