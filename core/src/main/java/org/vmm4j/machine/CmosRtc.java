package org.vmm4j.machine;

import java.time.Clock;
import org.vmm4j.StateSection;

/**
 * The CMOS real-time clock (MC146818) at ports 0x70 (index; bit 7 is the NMI mask) and 0x71
 * (data), reading the host's clock in UTC: seconds, minutes, hours, day of week, day, month, year
 * and century (register 0x32), in BCD or binary and 12- or 24-hour form as status register B
 * selects. Register A reports the 32.768 kHz time base and no update in progress; register D
 * reports valid RAM and time. The guest cannot move the host's clock: writes to the time
 * registers are ignored. The other bytes are battery-backed RAM the guest may use.
 *
 * <p>A read computes the date with integer arithmetic and allocates nothing.
 */
public final class CmosRtc implements PortIoDevice {

    public static final int INDEX_PORT = 0x70;
    public static final int PORT_SPAN = 2;

    public static final int SECONDS = 0x00;
    public static final int MINUTES = 0x02;
    public static final int HOURS = 0x04;
    public static final int DAY_OF_WEEK = 0x06;
    public static final int DAY_OF_MONTH = 0x07;
    public static final int MONTH = 0x08;
    public static final int YEAR = 0x09;
    public static final int STATUS_A = 0x0a;
    public static final int STATUS_B = 0x0b;
    public static final int STATUS_C = 0x0c;
    public static final int STATUS_D = 0x0d;
    public static final int CENTURY = 0x32;

    /** Divider 010 (32.768 kHz time base), rate 0110 (1024 Hz periodic rate); UIP (bit 7) never set. */
    public static final int STATUS_A_DEFAULT = 0x26;

    public static final int STATUS_B_24_HOUR = 0x02;
    public static final int STATUS_B_BINARY = 0x04;
    /** VRT: the RAM and time are valid. */
    public static final int STATUS_D_VALID = 0x80;

    private final Clock clock;
    private final byte[] ram = new byte[128];
    private int index;

    /** An RTC reading the host's clock. */
    public CmosRtc() {
        this(Clock.systemUTC());
    }

    /** An RTC reading {@code clock} (a fixed clock makes tests exact). */
    public CmosRtc(Clock clock) {
        this.clock = clock;
        ram[STATUS_A] = STATUS_A_DEFAULT;
        ram[STATUS_B] = STATUS_B_24_HOUR;
        ram[STATUS_D] = (byte) STATUS_D_VALID;
    }

    @Override
    public synchronized int ioRead(int offset, int size) {
        if (offset == 0) {
            return 0xff; // the index register is write-only
        }
        return register(index);
    }

    @Override
    public synchronized void ioWrite(int offset, int size, int value) {
        if (offset == 0) {
            index = value & 0x7f;
            return;
        }
        switch (index) {
            case SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY, STATUS_C, STATUS_D -> {}
            case STATUS_A -> ram[STATUS_A] = (byte) (value & 0x7f); // UIP is read-only
            default -> ram[index] = (byte) value;
        }
    }

    private int register(int r) {
        return switch (r) {
            case SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> timeRegister(r);
            case STATUS_C -> 0; // no periodic, alarm or update interrupts are ever flagged
            default -> ram[r] & 0xff;
        };
    }

    private int timeRegister(int r) {
        long seconds = Math.floorDiv(clock.millis(), 1000L);
        long days = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        int value;
        switch (r) {
            case SECONDS -> value = secondOfDay % 60;
            case MINUTES -> value = secondOfDay / 60 % 60;
            case HOURS -> {
                return hours(secondOfDay / 3600);
            }
            case DAY_OF_WEEK -> value = (int) Math.floorMod(days + 4, 7L) + 1; // 1970-01-01 was a Thursday; Sunday = 1
            default -> {
                long date = civilDate(days);
                int year = (int) (date >> 16);
                value = switch (r) {
                    case DAY_OF_MONTH -> (int) (date & 0xff);
                    case MONTH -> (int) ((date >> 8) & 0xff);
                    case YEAR -> year % 100;
                    default -> year / 100;
                };
            }
        }
        return encode(value);
    }

    private int hours(int hour24) {
        if ((ram[STATUS_B] & STATUS_B_24_HOUR) != 0) {
            return encode(hour24);
        }
        int hour12 = hour24 % 12 == 0 ? 12 : hour24 % 12;
        return encode(hour12) | (hour24 >= 12 ? 0x80 : 0);
    }

    private int encode(int value) {
        return (ram[STATUS_B] & STATUS_B_BINARY) != 0 ? value : (value / 10) << 4 | value % 10;
    }

    /**
     * The proleptic Gregorian date of a day counted from 1970-01-01, packed as
     * {@code year << 16 | month << 8 | day}. Works in 400-year eras of 146,097 days, with years
     * starting on March 1 so the leap day is the era-year's last day.
     */
    static long civilDate(long epochDay) {
        long z = epochDay + 719_468; // days from 0000-03-01 to 1970-01-01
        long era = Math.floorDiv(z, 146_097L);
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long monthIndex = (5 * dayOfYear + 2) / 153; // 0 = March
        long day = dayOfYear - (153 * monthIndex + 2) / 5 + 1;
        long month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        return year << 16 | month << 8 | day;
    }

    /** The section {@link #saveState} writes. */
    public static final String STATE_SECTION = "cmos-rtc";

    /**
     * The CMOS RAM and the index register. The time is not saved: the RTC reads the host's clock, so a
     * restored guest reads the time of day it is restored at, as after a host suspend.
     */
    public synchronized StateSection saveState() {
        return new StateEncoder(STATE_SECTION, 1).u8(index).bytes(ram).toSection();
    }

    /**
     * Puts back what {@link #saveState} saved.
     *
     * @throws IllegalArgumentException if the section is not an RTC's or is damaged
     */
    public synchronized void restoreState(StateSection section) {
        StateDecoder in = new StateDecoder(section, STATE_SECTION, 1);
        int newIndex = in.u8Bits("index", 0x7f);
        byte[] saved = in.bytes();
        in.end();
        if (saved.length != ram.length) {
            throw new IllegalArgumentException("the saved CMOS RAM has " + saved.length + " bytes, not " + ram.length);
        }
        index = newIndex;
        System.arraycopy(saved, 0, ram, 0, ram.length);
    }
}
