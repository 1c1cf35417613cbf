package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.x86.MsiController;

class IoApicTest {

    /** Records what the IOAPIC sends and the routes it publishes. */
    static final class Recorder implements MsiController {
        final List<long[]> sent = new ArrayList<>();
        int routeUpdates;
        long[] addresses;
        int[] data;
        boolean[] enabled;

        @Override
        public boolean signalMsi(long address, int value) {
            sent.add(new long[] {address, value});
            return true;
        }

        @Override
        public void setIoapicRoutes(long[] a, int[] d, boolean[] e) {
            routeUpdates++;
            addresses = a.clone();
            data = d.clone();
            enabled = e.clone();
        }
    }

    private final Recorder msi = new Recorder();
    private final IoApic ioapic = new IoApic(msi, 2);

    private void write(int register, int value) {
        ioapic.mmioWrite(IoApic.IOREGSEL, 4, register);
        ioapic.mmioWrite(IoApic.IOWIN, 4, value);
    }

    private int read(int register) {
        ioapic.mmioWrite(IoApic.IOREGSEL, 4, register);
        return (int) ioapic.mmioRead(IoApic.IOWIN, 4);
    }

    private void program(int pin, int low, int destination) {
        write(0x11 + 2 * pin, destination << 24);
        write(0x10 + 2 * pin, low);
    }

    @Test
    void identificationRegisters() {
        assertEquals(2 << 24, read(0x00), "id");
        assertEquals(0x0017_0011, read(0x01), "version 0x11, 24 entries");
        assertEquals(2 << 24, read(0x02), "arbitration id");
        write(0x00, 5 << 24);
        assertEquals(5 << 24, read(0x00));
        write(0x01, 0);
        assertEquals(0x0017_0011, read(0x01), "version is read-only");
        assertEquals(0x01, ioapic.mmioRead(IoApic.IOREGSEL, 4), "IOREGSEL reads back");
        assertEquals(0, read(0x10 + 2 * IoApic.PINS), "past the last entry");
    }

    @Test
    void entriesStartMaskedAndKeepReadOnlyBits() {
        for (int pin = 0; pin < IoApic.PINS; pin++) {
            assertEquals(1 << 16, read(0x10 + 2 * pin), "pin " + pin + " masked at reset");
        }
        write(0x10, 0xffff_ffff);
        assertEquals(0x1_afff, read(0x10), "delivery status (12) and remote IRR (14) cannot be written");
        write(0x11, 0xab00_0000);
        assertEquals(0xab00_0000, read(0x11));
        assertEquals(0xab00_0000_0001_afffL, ioapic.redirectionEntry(0));
    }

    @Test
    void edgePinSendsOncePerRisingEdge() {
        program(4, 0x31, 3);
        ioapic.setLevel(4, true);
        ioapic.setLevel(4, true);
        ioapic.setLevel(4, false);
        ioapic.setLevel(4, true);
        assertEquals(2, msi.sent.size());
        assertArrayEquals(new long[] {0xfee0_3000L, 0x31}, msi.sent.get(0), "fixed, physical APIC 3, edge");
        assertEquals(2, ioapic.deliveredCount());
    }

    @Test
    void edgeWhileMaskedIsSentOnUnmask() {
        program(4, 0x1_0031, 0);
        ioapic.setLevel(4, true);
        assertEquals(0, msi.sent.size(), "masked");
        write(0x18, 0x31);
        assertEquals(1, msi.sent.size(), "the remembered edge goes out on unmask");
        write(0x18, 0x1_0031);
        write(0x18, 0x31);
        assertEquals(1, msi.sent.size(), "only once");
    }

    @Test
    void levelPinHonoursRemoteIrrAndEndOfInterrupt() {
        program(9, 0x8000 | 0x49, 0);
        ioapic.setLevel(9, true);
        assertEquals(1, msi.sent.size());
        assertEquals(0xc049, msi.sent.get(0)[1], "level trigger (bit 15) and assert (bit 14)");
        assertEquals(1 << 14, read(0x10 + 18) & 1 << 14, "remote IRR set");
        ioapic.setLevel(9, true);
        assertEquals(1, msi.sent.size(), "nothing more until the EOI");
        ioapic.endOfInterrupt(0x50);
        assertEquals(1, msi.sent.size(), "another vector's EOI changes nothing");
        ioapic.endOfInterrupt(0x49);
        assertEquals(2, msi.sent.size(), "line still high: sent again");
        ioapic.setLevel(9, false);
        ioapic.endOfInterrupt(0x49);
        assertEquals(2, msi.sent.size());
        assertEquals(0, read(0x10 + 18) & 1 << 14, "remote IRR clear");
    }

    @Test
    void levelLineHighWhileMaskedIsSentOnUnmask() {
        program(10, 0x1_8000 | 0x4a, 0);
        ioapic.setLevel(10, true);
        assertEquals(0, msi.sent.size());
        write(0x10 + 20, 0x8000 | 0x4a);
        assertEquals(1, msi.sent.size());
    }

    @Test
    void messageEncodesLogicalLowestPriorityAndSkipsExtInt() {
        program(1, 0x100 | 0x800 | 0x33, 0x0f);
        ioapic.setLevel(1, true);
        assertArrayEquals(
                new long[] {0xfee0_f00cL, 0x133},
                msi.sent.get(0),
                "destination 0x0f, redirection hint (bit 3) and logical mode (bit 2), delivery mode 1");
        program(2, 0x700, 0);
        ioapic.setLevel(2, true);
        assertEquals(1, msi.sent.size(), "ExtINT needs a PIC this machine does not have");
    }

    @Test
    void routesArePublishedWhenAnEntryChangesWhereItSends() {
        program(5, 0x8000 | 0x45, 1);
        int updates = msi.routeUpdates;
        assertEquals(0xfee0_1000L, msi.addresses[5]);
        assertEquals(0xc045, msi.data[5]);
        assertEquals(true, msi.enabled[5]);
        assertEquals(false, msi.enabled[4], "masked pins have no route");
        write(0x11 + 10, 1 << 24);
        assertEquals(updates, msi.routeUpdates, "same entry written again: no update");
        write(0x10 + 10, 0x1_8000 | 0x45);
        assertEquals(updates + 1, msi.routeUpdates);
        assertEquals(false, msi.enabled[5], "masking removes the route");
    }

    @Test
    void badPinsAndIdsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ioapic.line(24));
        assertThrows(IllegalArgumentException.class, () -> ioapic.setLevel(-1, true));
        assertThrows(IllegalArgumentException.class, () -> new IoApic(msi, 255));
        assertThrows(IllegalArgumentException.class, () -> new IoApic(null, 0));
    }

    @Test
    void linesDriveTheirPin() {
        program(7, 0x37, 0);
        ioapic.line(7).setLevel(true);
        assertEquals(0x37, msi.sent.get(0)[1]);
    }
}
