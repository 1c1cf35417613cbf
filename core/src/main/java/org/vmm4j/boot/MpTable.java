package org.vmm4j.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.vmm4j.GuestMemory;

/**
 * The Intel MultiProcessor Specification 1.4 tables that tell an SMP guest its CPUs and interrupt
 * routing when there is no ACPI: a floating pointer followed by the configuration table with one
 * processor entry per vCPU (APIC id = vCPU id), an ISA bus, the IOAPIC, the 16 ISA interrupts
 * routed to IOAPIC pins 0-15, and LINT0 (ExtINT) / LINT1 (NMI).
 */
final class MpTable {

    /** APIC ids 0..n-1 go to CPUs and the IOAPIC takes id n, which must stay below 255. */
    public static final int MAX_VCPUS = 254;

    public static final int FLOATING_POINTER_SIZE = 16;
    public static final int HEADER_SIZE = 44;
    public static final int PROCESSOR_ENTRY_SIZE = 20;
    public static final int ENTRY_SIZE = 8;
    public static final int ISA_IRQS = 16;
    public static final int SPEC_REVISION = 4;
    public static final int LAPIC_VERSION = 0x14;
    public static final int IOAPIC_VERSION = 0x11;
    /** Family 6 signature and the FPU and APIC feature bits, as for any APIC-capable x86 CPU. */
    public static final int CPU_SIGNATURE = 0x600;

    public static final int CPU_FEATURES = 0x201;

    static final int ENTRY_PROCESSOR = 0;
    static final int ENTRY_BUS = 1;
    static final int ENTRY_IOAPIC = 2;
    static final int ENTRY_IO_INTERRUPT = 3;
    static final int ENTRY_LOCAL_INTERRUPT = 4;
    static final int INT_TYPE_INT = 0;
    static final int INT_TYPE_NMI = 1;
    static final int INT_TYPE_EXTINT = 3;

    private MpTable() {}

    /**
     * Writes the tables at {@link Layout#MP_TABLE_ADDRESS} and returns their size.
     *
     * @throws BootException if {@code vcpus} is below 1 or above {@link #MAX_VCPUS}
     */
    public static int write(GuestMemory memory, int vcpus) {
        byte[] table = build(vcpus, Layout.MP_TABLE_ADDRESS);
        if (Layout.MP_TABLE_ADDRESS + table.length > Layout.HIGH_MEMORY_ADDRESS) {
            throw new BootException("MP table of " + table.length + " bytes does not fit below 1 MiB");
        }
        memory.write(Layout.MP_TABLE_ADDRESS, table);
        return table.length;
    }

    /** The table bytes as they go to guest-physical {@code address}. */
    public static byte[] build(int vcpus, long address) {
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new BootException("an MP table describes 1 to " + MAX_VCPUS + " vCPUs, not " + vcpus);
        }
        int ioapicId = vcpus;
        int entries = vcpus + 1 + 1 + ISA_IRQS + 2;
        int tableLength = HEADER_SIZE + vcpus * PROCESSOR_ENTRY_SIZE + (entries - vcpus) * ENTRY_SIZE;
        ByteBuffer b = ByteBuffer.allocate(FLOATING_POINTER_SIZE + tableLength).order(ByteOrder.LITTLE_ENDIAN);

        b.put(ascii("_MP_", 4));
        b.putInt((int) (address + FLOATING_POINTER_SIZE));
        b.put((byte) 1); // length in 16-byte units
        b.put((byte) SPEC_REVISION);
        b.put((byte) 0); // checksum, below
        b.put(new byte[5]); // feature bytes: 0 = a configuration table is present
        b.put(10, checksum(b.array(), 0, FLOATING_POINTER_SIZE));

        int h = FLOATING_POINTER_SIZE;
        b.put(ascii("PCMP", 4));
        b.putShort((short) tableLength);
        b.put((byte) SPEC_REVISION);
        b.put((byte) 0); // checksum, below
        b.put(ascii("VMM4J", 8));
        b.put(ascii("VMM4J MP", 12));
        b.putInt(0); // OEM table pointer
        b.putShort((short) 0); // OEM table size
        b.putShort((short) entries);
        b.putInt((int) Layout.LAPIC_ADDRESS);
        b.putShort((short) 0); // extended table length
        b.put((byte) 0); // extended table checksum
        b.put((byte) 0);

        for (int cpu = 0; cpu < vcpus; cpu++) {
            b.put((byte) ENTRY_PROCESSOR);
            b.put((byte) cpu);
            b.put((byte) LAPIC_VERSION);
            b.put((byte) (cpu == 0 ? 0x3 : 0x1)); // enabled; bootstrap processor
            b.putInt(CPU_SIGNATURE);
            b.putInt(CPU_FEATURES);
            b.putLong(0);
        }
        b.put((byte) ENTRY_BUS).put((byte) 0).put(ascii("ISA", 6));
        b.put((byte) ENTRY_IOAPIC)
                .put((byte) ioapicId)
                .put((byte) IOAPIC_VERSION)
                .put((byte) 1)
                .putInt((int) Layout.IOAPIC_ADDRESS);
        for (int irq = 0; irq < ISA_IRQS; irq++) {
            b.put((byte) ENTRY_IO_INTERRUPT)
                    .put((byte) INT_TYPE_INT)
                    .putShort((short) 0)
                    .put((byte) 0)
                    .put((byte) irq)
                    .put((byte) ioapicId)
                    .put((byte) irq);
        }
        b.put((byte) ENTRY_LOCAL_INTERRUPT)
                .put((byte) INT_TYPE_EXTINT)
                .putShort((short) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        b.put((byte) ENTRY_LOCAL_INTERRUPT)
                .put((byte) INT_TYPE_NMI)
                .putShort((short) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0xff)
                .put((byte) 1);
        b.put(h + 7, checksum(b.array(), h, tableLength));
        return b.array();
    }

    /** The byte that makes {@code length} bytes from {@code start} sum to 0 modulo 256. */
    static byte checksum(byte[] data, int start, int length) {
        int sum = 0;
        for (int i = start; i < start + length; i++) {
            sum += data[i];
        }
        return (byte) -sum;
    }

    private static byte[] ascii(String s, int width) {
        byte[] out = new byte[width];
        byte[] text = s.getBytes(StandardCharsets.US_ASCII);
        java.util.Arrays.fill(out, (byte) ' ');
        System.arraycopy(text, 0, out, 0, Math.min(width, text.length));
        return out;
    }
}
