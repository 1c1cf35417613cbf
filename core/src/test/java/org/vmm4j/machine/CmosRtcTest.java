package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CmosRtcTest {

    private static final Instant WHEN = Instant.parse("2026-11-22T17:45:09Z"); // a Sunday

    private final CmosRtc rtc = new CmosRtc(Clock.fixed(WHEN, ZoneOffset.UTC));
    private final PortIoBus bus = new PortIoBus();

    {
        bus.register(0x70, 2, rtc);
    }

    private int reg(int index) {
        bus.write(0x70, 1, index);
        return bus.read(0x71, 1);
    }

    @Test
    void readsTimeInBcd() {
        assertEquals(0x09, reg(0x00), "seconds");
        assertEquals(0x45, reg(0x02), "minutes");
        assertEquals(0x17, reg(0x04), "hours");
        assertEquals(0x01, reg(0x06), "day of week: Sunday = 1");
        assertEquals(0x22, reg(0x07), "day of month");
        assertEquals(0x11, reg(0x08), "month");
        assertEquals(0x26, reg(0x09), "year");
        assertEquals(0x20, reg(0x32), "century");
    }

    @Test
    void readsBinaryWhenRegisterBSaysSo() {
        bus.write(0x70, 1, 0x0b);
        bus.write(0x71, 1, 0x06); // binary, 24-hour
        assertEquals(9, reg(0x00));
        assertEquals(45, reg(0x02));
        assertEquals(17, reg(0x04));
        assertEquals(26, reg(0x09));
    }

    @Test
    void twelveHourModeSetsPmBit() {
        bus.write(0x70, 1, 0x0b);
        bus.write(0x71, 1, 0x00); // BCD, 12-hour
        assertEquals(0x80 | 0x05, reg(0x04), "5 PM");
    }

    @Test
    void statusRegistersReportAValidIdleClock() {
        assertEquals(0, reg(0x0a) & 0x80, "no update in progress");
        assertEquals(0x20, reg(0x0a) & 0x70, "32.768 kHz time base");
        assertEquals(0x02, reg(0x0b) & 0x06, "24-hour BCD");
        assertEquals(0x00, reg(0x0c));
        assertEquals(0x80, reg(0x0d), "valid RAM and time");
    }

    @Test
    void nmiMaskBitDoesNotChangeTheIndex() {
        assertEquals(0x45, reg(0x80 | 0x02));
    }

    @Test
    void timeWritesAreIgnoredAndRamIsKept() {
        bus.write(0x70, 1, 0x00);
        bus.write(0x71, 1, 0x30);
        assertEquals(0x09, reg(0x00));
        bus.write(0x70, 1, 0x40);
        bus.write(0x71, 1, 0x5c);
        assertEquals(0x5c, reg(0x40));
    }

    @Test
    void civilDateMatchesJavaTimeOverFourCenturies() {
        for (long day = -150_000; day <= 150_000; day += 37) {
            LocalDate d = LocalDate.ofEpochDay(day);
            long packed = CmosRtc.civilDate(day);
            assertEquals(d.getYear(), (int) (packed >> 16), d.toString());
            assertEquals(d.getMonthValue(), (int) ((packed >> 8) & 0xff), d.toString());
            assertEquals(d.getDayOfMonth(), (int) (packed & 0xff), d.toString());
        }
    }

    @Test
    void leapDayIsRight() {
        CmosRtc leap = new CmosRtc(Clock.fixed(Instant.parse("2024-02-29T00:00:00Z"), ZoneOffset.UTC));
        leap.ioWrite(0, 1, 0x07);
        assertEquals(0x29, leap.ioRead(1, 1));
        leap.ioWrite(0, 1, 0x08);
        assertEquals(0x02, leap.ioRead(1, 1));
        leap.ioWrite(0, 1, 0x06);
        assertEquals(0x05, leap.ioRead(1, 1), "Thursday");
    }
}
