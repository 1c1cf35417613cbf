package org.vmm4j.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.GuestStats;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.LibvirtLayout;
import org.vmm4j.linux.guest.LibvirtGuestManager;
import org.vmm4j.testsupport.RequiresHost;

/**
 * Decoding of {@code virDomainStatsRecord} typed parameters: arrays laid out as libvirt lays them
 * out ({@link LibvirtLayout}), then the real query on the test driver.
 */
class DomainStatsTest {
    private final NativeAccess access = NativeAccess.get();
    private final List<NativeMemory> memory = new ArrayList<>();
    private final List<Object[]> params = new ArrayList<>();

    @AfterEach
    void free() {
        memory.forEach(NativeMemory::close);
    }

    private DomainStatsTest param(String field, int type, Object value) {
        params.add(new Object[] {field, type, value});
        return this;
    }

    private DomainStatsTest param(byte[] field, int type, Object value) {
        params.add(new Object[] {field, type, value});
        return this;
    }

    /** The parameters added so far as a virTypedParameter array, garbage-filled like uninitialised memory. */
    private GuestStats decode(String name) {
        NativeMemory array = access.allocate(Math.max(1, params.size()) * LibvirtLayout.TYPED_PARAM_SIZE);
        memory.add(array);
        array.fill(0, array.size(), (byte) 0x5a);
        for (int i = 0; i < params.size(); i++) {
            long base = i * LibvirtLayout.TYPED_PARAM_SIZE;
            Object[] p = params.get(i);
            byte[] field = p[0] instanceof String s ? (s + "\0").getBytes(StandardCharsets.UTF_8) : (byte[]) p[0];
            array.put(base + LibvirtLayout.TYPED_PARAM_FIELD, field, 0, field.length);
            int type = (int) p[1];
            array.putInt(base + LibvirtLayout.TYPED_PARAM_TYPE, type);
            long at = base + LibvirtLayout.TYPED_PARAM_VALUE;
            switch (type) {
                case LibvirtLayout.TYPED_PARAM_INT, LibvirtLayout.TYPED_PARAM_UINT -> array.putInt(at, (int) p[2]);
                case LibvirtLayout.TYPED_PARAM_LLONG, LibvirtLayout.TYPED_PARAM_ULLONG ->
                    array.putLong(at, (long) p[2]);
                case LibvirtLayout.TYPED_PARAM_DOUBLE -> array.putDouble(at, (double) p[2]);
                case LibvirtLayout.TYPED_PARAM_BOOLEAN -> array.putByte(at, (byte) ((boolean) p[2] ? 1 : 0));
                case LibvirtLayout.TYPED_PARAM_STRING -> {
                    if (p[2] == null) {
                        array.putLong(at, 0);
                    } else {
                        NativeMemory s = access.allocate(((String) p[2]).length() * 3L + 1);
                        memory.add(s);
                        s.putString(0, (String) p[2]);
                        array.putLong(at, s.address());
                    }
                }
                default -> array.putLong(at, 0);
            }
        }
        return DomainStats.decode(access, name, array.address(), params.size());
    }

    @Test
    void decodesTypedFiguresAndKeepsEveryFieldInTheRawMap() {
        param("state.state", LibvirtLayout.TYPED_PARAM_INT, 1);
        param("state.reason", LibvirtLayout.TYPED_PARAM_INT, 5);
        param("cpu.time", LibvirtLayout.TYPED_PARAM_ULLONG, 123_456_789L);
        param("cpu.user", LibvirtLayout.TYPED_PARAM_ULLONG, 9L);
        param("balloon.current", LibvirtLayout.TYPED_PARAM_ULLONG, 1024L);
        param("balloon.maximum", LibvirtLayout.TYPED_PARAM_ULLONG, 2048L);
        param("vcpu.current", LibvirtLayout.TYPED_PARAM_UINT, 2);
        param("vcpu.maximum", LibvirtLayout.TYPED_PARAM_UINT, 3);
        param("vcpu.0.state", LibvirtLayout.TYPED_PARAM_INT, 1);
        param("vcpu.0.time", LibvirtLayout.TYPED_PARAM_ULLONG, 500L);
        param("vcpu.1.time", LibvirtLayout.TYPED_PARAM_ULLONG, 700L);
        param("net.count", LibvirtLayout.TYPED_PARAM_UINT, 1);
        param("net.0.name", LibvirtLayout.TYPED_PARAM_STRING, "vnet0");
        param("net.0.rx.bytes", LibvirtLayout.TYPED_PARAM_ULLONG, 10L);
        param("net.0.tx.drop", LibvirtLayout.TYPED_PARAM_ULLONG, 3L);
        param("block.count", LibvirtLayout.TYPED_PARAM_UINT, 2);
        param("block.0.name", LibvirtLayout.TYPED_PARAM_STRING, "vda");
        param("block.0.path", LibvirtLayout.TYPED_PARAM_STRING, "/var/lib/libvirt/images/a.qcow2");
        param("block.0.rd.bytes", LibvirtLayout.TYPED_PARAM_ULLONG, 4096L);
        param("block.0.capacity", LibvirtLayout.TYPED_PARAM_ULLONG, 1L << 30);
        param("block.1.name", LibvirtLayout.TYPED_PARAM_STRING, "sda");
        param("block.1.wr.reqs", LibvirtLayout.TYPED_PARAM_ULLONG, 7L);
        param("dirtyrate.ratio", LibvirtLayout.TYPED_PARAM_DOUBLE, 0.5);
        param("perf.enabled", LibvirtLayout.TYPED_PARAM_BOOLEAN, true);
        param("custom.uint", LibvirtLayout.TYPED_PARAM_UINT, -1);
        GuestStats stats = decode("web");

        assertEquals("web", stats.name());
        assertEquals(GuestState.RUNNING, stats.state());
        assertEquals(5, stats.reason());
        assertEquals(Duration.ofNanos(123_456_789L), stats.cpuTime());
        assertEquals(1024L << 10, stats.memoryBytes());
        assertEquals(2048L << 10, stats.maxMemoryBytes());
        // vcpu.maximum (3) bounds the list; vCPU 2 reported nothing and is left out.
        assertEquals(
                List.of(
                        new GuestStats.Vcpu(0, 1, Duration.ofNanos(500)),
                        new GuestStats.Vcpu(1, -1, Duration.ofNanos(700))),
                stats.vcpus());
        assertEquals(List.of(new GuestStats.Interface("vnet0", 10, -1, -1, -1, -1, -1, -1, 3)), stats.interfaces());
        assertEquals(
                List.of(
                        new GuestStats.Block("vda", "/var/lib/libvirt/images/a.qcow2", -1, 4096, -1, -1, 1L << 30, -1),
                        new GuestStats.Block("sda", null, -1, -1, 7, -1, -1, -1)),
                stats.blocks());

        Map<String, Object> raw = stats.raw();
        assertEquals(25, raw.size());
        assertEquals(1, raw.get("state.state"));
        assertEquals(9L, raw.get("cpu.user"));
        assertEquals(3L, raw.get("vcpu.maximum"));
        assertEquals("vnet0", raw.get("net.0.name"));
        assertEquals(0.5, raw.get("dirtyrate.ratio"));
        assertEquals(true, raw.get("perf.enabled"));
        assertEquals(0xFFFF_FFFFL, raw.get("custom.uint"), "UINT is unsigned");
        assertThrows(UnsupportedOperationException.class, () -> raw.put("x", 1));
    }

    @Test
    void reportsAbsentFiguresAsMinusOneAndNoRows() {
        param("state.state", LibvirtLayout.TYPED_PARAM_INT, 5);
        GuestStats stats = decode("off");
        assertEquals(GuestState.STOPPED, stats.state());
        assertEquals(0, stats.reason());
        assertEquals(Duration.ZERO, stats.cpuTime());
        assertEquals(-1, stats.memoryBytes());
        assertEquals(-1, stats.maxMemoryBytes());
        assertTrue(stats.vcpus().isEmpty()
                && stats.interfaces().isEmpty()
                && stats.blocks().isEmpty());
        assertEquals(Map.of("state.state", 5), stats.raw());
    }

    @Test
    void leavesOutNullStringsAndUnknownTypes() {
        param("block.count", LibvirtLayout.TYPED_PARAM_UINT, 1);
        param("block.0.name", LibvirtLayout.TYPED_PARAM_STRING, "vda");
        param("block.0.path", LibvirtLayout.TYPED_PARAM_STRING, null);
        param("future.field", 99, 0L);
        GuestStats stats = decode("g");
        assertEquals(Map.of("block.count", 1L, "block.0.name", "vda"), stats.raw());
        assertNull(stats.blocks().get(0).path());
    }

    @Test
    void readsNamesUpToTheirNulWhateverFollowsAndTellsApartNamesSharingAPrefix() {
        // "cpu.time", NUL, then bytes that are not part of the name.
        byte[] dirty = new byte[LibvirtLayout.TYPED_PARAM_FIELD_LENGTH];
        java.util.Arrays.fill(dirty, (byte) 'x');
        byte[] name = "cpu.time".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, dirty, 0, name.length);
        dirty[name.length] = 0;
        param(dirty, LibvirtLayout.TYPED_PARAM_ULLONG, 42L);
        // 16 bytes (two whole words, NUL in the third), and the same with one byte more.
        param("block.0.rd.reqs", LibvirtLayout.TYPED_PARAM_ULLONG, 1L);
        param("block.0.rd.reqsX", LibvirtLayout.TYPED_PARAM_ULLONG, 2L);
        param("block.0.rd.reqsY", LibvirtLayout.TYPED_PARAM_ULLONG, 3L);
        String longest = "x".repeat(LibvirtLayout.TYPED_PARAM_FIELD_LENGTH - 1);
        param(longest, LibvirtLayout.TYPED_PARAM_LLONG, -5L);
        param("", LibvirtLayout.TYPED_PARAM_INT, 6);
        param("block.count", LibvirtLayout.TYPED_PARAM_UINT, 1);
        GuestStats stats = decode("g");
        assertEquals(Duration.ofNanos(42), stats.cpuTime());
        assertEquals(42L, stats.raw().get("cpu.time"));
        assertEquals(1, stats.blocks().get(0).readRequests());
        assertEquals(2L, stats.raw().get("block.0.rd.reqsX"));
        assertEquals(3L, stats.raw().get("block.0.rd.reqsY"));
        assertEquals(-5L, stats.raw().get(longest));
        assertEquals(6, stats.raw().get(""));
        assertEquals(7, stats.raw().size());
    }

    @Test
    void aNameSeenBeforeIsTheSameStringAndADuplicateKeepsTheLastValue() {
        param("cpu.time", LibvirtLayout.TYPED_PARAM_ULLONG, 1L);
        param("vcpu.7.time", LibvirtLayout.TYPED_PARAM_ULLONG, 2L);
        param("cpu.time", LibvirtLayout.TYPED_PARAM_ULLONG, 3L);
        GuestStats first = decode("a");
        GuestStats second = decode("b");
        assertEquals(Map.of("cpu.time", 3L, "vcpu.7.time", 2L), first.raw());
        assertEquals(Duration.ofNanos(3), first.cpuTime());
        assertSame(key(first, "vcpu.7.time"), key(second, "vcpu.7.time"));
    }

    private static String key(GuestStats stats, String name) {
        return stats.raw().keySet().stream().filter(name::equals).findFirst().orElseThrow();
    }

    @Test
    void parsesStatsFieldNames() {
        assertEquals(TypedParameterKey.VCPU_TIME, TypedParameterKey.parse("vcpu.12.time")[0]);
        assertEquals(12, TypedParameterKey.parse("vcpu.12.time")[1]);
        assertEquals(TypedParameterKey.NET_COUNTER + 4, TypedParameterKey.parse("net.3.tx.bytes")[0]);
        assertEquals(TypedParameterKey.BLOCK_FIGURE + 5, TypedParameterKey.parse("block.0.allocation")[0]);
        assertEquals(TypedParameterKey.OTHER, TypedParameterKey.parse("block.0.threshold")[0]);
        assertEquals(TypedParameterKey.OTHER, TypedParameterKey.parse("net.x.name")[0]);
        assertEquals(TypedParameterKey.OTHER, TypedParameterKey.parse("vcpu.99999.time")[0], "index too large");
        assertEquals(TypedParameterKey.OTHER, TypedParameterKey.parse("vcpu..time")[0]);
        assertEquals(TypedParameterKey.OTHER, TypedParameterKey.parse("cpu.user")[0]);
    }

    @Test
    @RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
    void queriesTheTestDriversGuest() {
        try (LibvirtGuestManager libvirt = LibvirtGuestManager.connect("test:///default")) {
            List<GuestStats> all = libvirt.stats(GuestFilter.ALL);
            assertEquals(1, all.size());
            GuestStats test = all.get(0);
            assertEquals("test", test.name());
            assertEquals(GuestState.RUNNING, test.state());
            assertEquals(1, test.raw().get("state.state"));
            assertEquals(test.reason(), test.raw().get("state.reason"));
            assertFalse(test.raw().isEmpty());
            assertTrue(libvirt.stats(GuestFilter.INACTIVE).isEmpty());
        }
    }
}
