package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.testing.HeapGuestMemory;

class MpTableTest {

    private static final long ADDRESS = 0x9fc00;

    private static int sum(byte[] b, int start, int length) {
        int s = 0;
        for (int i = start; i < start + length; i++) {
            s += b[i] & 0xff;
        }
        return s & 0xff;
    }

    /** Walks the configuration table as Linux's mpparse does and returns the entry types in order. */
    static List<Integer> entryTypes(byte[] t, long address) {
        ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
        int config = (int) ((b.getInt(4) & 0xffffffffL) - address);
        int count = b.getShort(config + 34) & 0xffff;
        List<Integer> types = new ArrayList<>();
        int p = config + 44;
        for (int i = 0; i < count; i++) {
            int type = t[p] & 0xff;
            types.add(type);
            p += type == 0 ? 20 : 8;
        }
        assertEquals(config + (b.getShort(config + 4) & 0xffff), p, "entries end where the base table length says");
        return types;
    }

    static int countProcessors(byte[] t, long address) {
        return (int) entryTypes(t, address).stream().filter(x -> x == 0).count();
    }

    @Test
    void floatingPointerAndConfigTableChecksumToZero() {
        for (int cpus : new int[] {1, 2, 7, 64, 254}) {
            byte[] t = MpTable.build(cpus, ADDRESS);
            ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals("_MP_", new String(t, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(0, sum(t, 0, 16), cpus + " vCPUs: floating pointer checksum");
            int config = (int) (b.getInt(4) - ADDRESS);
            assertEquals(16, config, "config table right after the pointer");
            assertEquals("PCMP", new String(t, config, 4, java.nio.charset.StandardCharsets.US_ASCII));
            int length = b.getShort(config + 4) & 0xffff;
            assertEquals(0, sum(t, config, length), cpus + " vCPUs: config table checksum");
            assertEquals(4, t[9], "spec revision 1.4");
        }
    }

    @Test
    void hasOneEnabledProcessorPerVcpuWithTheBootstrapFirst() {
        byte[] t = MpTable.build(3, ADDRESS);
        int p = 16 + 44;
        for (int cpu = 0; cpu < 3; cpu++, p += 20) {
            assertEquals(0, t[p], "processor entry");
            assertEquals(cpu, t[p + 1], "APIC id");
            assertEquals(cpu == 0 ? 3 : 1, t[p + 3], "EN, and BP for the first");
        }
        assertEquals(3, countProcessors(t, ADDRESS));
    }

    @Test
    void routesIsaInterruptsToTheIoapic() {
        byte[] t = MpTable.build(2, ADDRESS);
        List<Integer> types = entryTypes(t, ADDRESS);
        assertEquals(List.of(0, 0, 1, 2), types.subList(0, 4));
        assertEquals(16, types.stream().filter(x -> x == 3).count(), "16 I/O interrupt entries");
        assertEquals(2, types.stream().filter(x -> x == 4).count(), "LINT0 and LINT1");
        int ioapic = 16 + 44 + 2 * 20 + 8;
        assertEquals(2, t[ioapic + 1], "IOAPIC id after the CPUs'");
        assertEquals(
                0xfec00000, ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN).getInt(ioapic + 4));
        int irq5 = ioapic + 8 + 5 * 8;
        assertEquals(5, t[irq5 + 5], "source bus IRQ");
        assertEquals(2, t[irq5 + 6], "destination IOAPIC");
        assertEquals(5, t[irq5 + 7], "IOAPIC pin");
    }

    @Test
    void rejectsZeroVcpus() {
        BootException e = assertThrows(BootException.class, () -> MpTable.build(0, ADDRESS));
        assertTrue(e.getMessage().contains("not 0"), e.getMessage());
    }

    @Test
    void rejectsMoreVcpusThanApicIds() {
        assertThrows(BootException.class, () -> MpTable.build(255, ADDRESS));
    }

    @Test
    void largestTableFitsBelowOneMiB() {
        HeapGuestMemory m = new HeapGuestMemory(2 << 20);
        int size = MpTable.write(m, 254);
        assertTrue(ADDRESS + size <= 0x100000);
        assertEquals(254, countProcessors(m.bytes(ADDRESS, size), ADDRESS));
    }
}
