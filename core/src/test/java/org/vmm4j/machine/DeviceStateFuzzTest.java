package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.vmm4j.virtio.VirtioMmio.QUEUE_READY;
import static org.vmm4j.virtio.VirtioMmio.STATUS;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmm4j.StateSection;
import org.vmm4j.testing.HeapGuestMemory;
import org.vmm4j.testing.VirtioDriverSteps;
import org.vmm4j.testsupport.FuzzCheck;
import org.vmm4j.virtio.GuestRam;
import org.vmm4j.virtio.VirtioBlk;
import org.vmm4j.virtio.VirtioDevice;
import org.vmm4j.virtio.VirtioMmio;
import org.vmm4j.virtio.VirtioRng;

/**
 * Coverage-guided fuzzing of the device state sections a snapshot carries ({@code restoreState} of the UART, the RTC,
 * the i8042, the boot timer, the split irqchip's IOAPIC and the virtio-mmio transport over a block and an entropy
 * device, with its queues in guest RAM). The first byte of an input chooses the device, the rest is its section's
 * data. Every input is refused with an {@link IllegalArgumentException} with a message, or restores a fresh device to
 * a state that saves to bytes which restore another fresh device to the very same state (its save is equal), within
 * 2 s and 16 MiB. The seeds are real saves ({@link #seeds()}, checked against the committed files by
 * {@link #seedsAreRealSaves}; {@code core/src/test/fuzz/make-device-state-seeds} rewrites them).
 */
class DeviceStateFuzzTest {
    private static final FuzzCheck CHECK =
            FuzzCheck.of(Duration.ofSeconds(2), 16L << 20, IllegalArgumentException.class);
    private static final Path SEEDS =
            Path.of("src/test/resources/org/vmm4j/machine/DeviceStateFuzzTestInputs/deviceState");

    /** Guest RAM for the virtio queues: 1 MiB at 0, the rings of the seeds at DESC, AVAIL and USED. */
    private static final GuestRam RAM = GuestRam.of(new HeapGuestMemory(0, 1 << 20));

    private static final long DESC = 0x1000, AVAIL = 0x3000, USED = 0x4000;
    private static final int QUEUE_SIZE = 256;

    /** One disk for every input: a virtio-blk device keeps no state of its own, the transport is fresh each time. */
    private static VirtioBlk disk;

    /** The device kinds: an input's first byte, modulo their count, is a kind's {@code code}. */
    enum Kind {
        UART(0),
        RTC(1),
        I8042(2),
        BOOT_TIMER(3),
        IOAPIC(4),
        VIRTIO_BLK(5),
        VIRTIO_RNG(6);

        final int code;

        Kind(int code) {
            this.code = code;
        }

        static Kind of(byte first) {
            int code = (first & 0xff) % values().length;
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            throw new AssertionError("no device kind " + code);
        }
    }

    /** A fresh device of one kind, seen through its state. */
    private interface Device {
        void restore(byte[] data);

        byte[] save();
    }

    @FuzzTest
    void deviceState(byte[] input) {
        if (input.length == 0) {
            return;
        }
        Kind kind = Kind.of(input[0]);
        byte[] data = Arrays.copyOfRange(input, 1, input.length);
        CHECK.run(kind + " " + name(data), () -> restoresStably(kind, data));
    }

    private static void restoresStably(Kind kind, byte[] data) {
        Device first = fresh(kind);
        first.restore(data); // an IllegalArgumentException here is a refusal
        byte[] saved = first.save();
        Device second = fresh(kind);
        try {
            second.restore(saved);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(kind + " refused the state it saved itself: " + e.getMessage(), e);
        }
        assertArrayEquals(saved, second.save(), kind + ": a restored state saves back to the same bytes");
    }

    private static Device fresh(Kind kind) {
        return switch (kind) {
            case UART -> {
                Uart16550 uart = new Uart16550(OutputStream.nullOutputStream(), new RecordingLine());
                yield device(uart::restoreState, uart::saveState, Uart16550.STATE_SECTION);
            }
            case RTC -> {
                CmosRtc rtc = new CmosRtc(Clock.fixed(Instant.parse("2026-12-05T10:20:30Z"), ZoneOffset.UTC));
                yield device(rtc::restoreState, rtc::saveState, CmosRtc.STATE_SECTION);
            }
            case I8042 -> {
                I8042 i8042 = new I8042(() -> {}, new RecordingLine());
                yield device(i8042::restoreState, i8042::saveState, I8042.STATE_SECTION);
            }
            case BOOT_TIMER -> {
                BootTimer timer = new BootTimer(() -> 1_000, nanos -> {});
                yield device(timer::restoreState, timer::saveState, BootTimer.STATE_SECTION);
            }
            case IOAPIC -> {
                IoApic ioapic = new IoApic(new IoApicTest.Recorder(), 0);
                yield device(ioapic::restoreState, ioapic::saveState, IoApic.STATE_SECTION);
            }
            case VIRTIO_BLK -> transport(disk());
            case VIRTIO_RNG -> transport(new VirtioRng());
        };
    }

    private interface Restore {
        void restore(StateSection section);
    }

    private interface Save {
        StateSection save();
    }

    private static Device device(Restore restore, Save save, String section) {
        return new Device() {
            @Override
            public void restore(byte[] data) {
                restore.restore(new StateSection(section, data));
            }

            @Override
            public byte[] save() {
                StateSection saved = save.save();
                assertEquals(section, saved.name());
                return saved.data();
            }
        };
    }

    private static Device transport(VirtioDevice virtio) {
        VirtioMmio mmio = new VirtioMmio(virtio, RAM, cause -> {});
        String section = "virtio-mmio.0";
        return device(s -> mmio.restoreState(s, section), () -> mmio.saveState(section), section);
    }

    private static synchronized VirtioBlk disk() {
        if (disk == null) {
            try {
                Path file = Files.createTempFile("vmm4j-fuzz", ".img");
                file.toFile().deleteOnExit();
                Files.write(file, new byte[64 << 10]);
                disk = VirtioBlk.open(file, false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return disk;
    }

    /**
     * Real saves, each as the fuzz input that restores it (the kind's byte, then the section): every device fresh
     * and in use as in {@link DeviceStateTest}, virtio transports fresh, negotiating and running.
     */
    static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        Uart16550 uart = new Uart16550(OutputStream.nullOutputStream(), new RecordingLine());
        seeds.put("uart-fresh", input(Kind.UART, uart.saveState()));
        uart.ioWrite(2, 1, 0xc1); // FIFO on, trigger level 14
        uart.ioWrite(3, 1, 0x03);
        uart.ioWrite(4, 1, 0x0b);
        uart.ioWrite(1, 1, 0x01);
        uart.queueInput("hello".getBytes(StandardCharsets.US_ASCII));
        seeds.put("uart-input", input(Kind.UART, uart.saveState()));

        CmosRtc rtc = new CmosRtc(Clock.fixed(Instant.parse("2020-01-02T03:04:05Z"), ZoneOffset.UTC));
        rtc.ioWrite(0, 1, 0x0b);
        rtc.ioWrite(1, 1, 0x06);
        rtc.ioWrite(0, 1, 0x40);
        rtc.ioWrite(1, 1, 0x77);
        seeds.put("rtc", input(Kind.RTC, rtc.saveState()));

        I8042 i8042 = new I8042(() -> {}, new RecordingLine());
        seeds.put("i8042-fresh", input(Kind.I8042, i8042.saveState()));
        i8042.ioWrite(0, 1, 0xf2); // keyboard: get ID, three bytes answered
        i8042.ioRead(0, 1);
        seeds.put("i8042-queued", input(Kind.I8042, i8042.saveState()));

        BootTimer timer = new BootTimer(() -> 5_000, nanos -> {});
        seeds.put("boot-timer-fresh", input(Kind.BOOT_TIMER, timer.saveState()));
        timer.ioWrite(0, 1, BootTimer.MAGIC);
        seeds.put("boot-timer-booted", input(Kind.BOOT_TIMER, timer.saveState()));

        IoApic ioapic = new IoApic(new IoApicTest.Recorder(), 2);
        program(ioapic, 3, 0x1_0031, 1);
        program(ioapic, 4, 0x0041, 0);
        ioapic.setLevel(3, true);
        seeds.put("ioapic", input(Kind.IOAPIC, ioapic.saveState()));

        for (Kind kind : List.of(Kind.VIRTIO_BLK, Kind.VIRTIO_RNG)) {
            String prefix = kind == Kind.VIRTIO_BLK ? "virtio-blk-" : "virtio-rng-";
            VirtioMmio mmio = new VirtioMmio(kind == Kind.VIRTIO_BLK ? disk() : new VirtioRng(), RAM, c -> {});
            seeds.put(prefix + "fresh", input(kind, mmio.saveState("virtio-mmio.0")));
            VirtioDriverSteps.negotiate(mmio, QUEUE_SIZE, DESC, AVAIL, USED);
            seeds.put(prefix + "negotiated", input(kind, mmio.saveState("virtio-mmio.0")));
            mmio.mmioWrite(QUEUE_READY, 4, 1);
            mmio.mmioWrite(STATUS, 4, 1 | 2 | 8 | 4);
            seeds.put(prefix + "running", input(kind, mmio.saveState("virtio-mmio.0")));
        }
        return seeds;
    }

    private static void program(IoApic ioapic, int pin, int low, int destination) {
        ioapic.mmioWrite(IoApic.IOREGSEL, 4, 0x11 + 2 * pin);
        ioapic.mmioWrite(IoApic.IOWIN, 4, destination << 24);
        ioapic.mmioWrite(IoApic.IOREGSEL, 4, 0x10 + 2 * pin);
        ioapic.mmioWrite(IoApic.IOWIN, 4, low);
    }

    private static byte[] input(Kind kind, StateSection section) {
        byte[] data = section.data();
        byte[] input = new byte[1 + data.length];
        input[0] = (byte) kind.code;
        System.arraycopy(data, 0, input, 1, data.length);
        return input;
    }

    /**
     * The committed seed corpus is what the devices save today, and each seed restores (none is refused); with
     * {@code -Dvmm4j.fuzz.writeSeeds=true} this writes the seeds instead (run it from {@code core/}).
     */
    @Test
    void seedsAreRealSaves() throws IOException {
        Map<String, byte[]> seeds = seeds();
        if (Boolean.getBoolean("vmm4j.fuzz.writeSeeds")) {
            Files.createDirectories(SEEDS);
            for (var e : seeds.entrySet()) {
                Files.write(SEEDS.resolve(e.getKey()), e.getValue());
            }
        }
        for (var e : seeds.entrySet()) {
            byte[] committed = Files.readAllBytes(SEEDS.resolve(e.getKey()));
            assertArrayEquals(
                    e.getValue(),
                    committed,
                    "seed " + e.getKey()
                            + " is not what the device saves now: rerun with -Dvmm4j.fuzz.writeSeeds=true");
            Kind kind = Kind.of(committed[0]);
            assertNull(
                    CHECK.run(
                            e.getKey(), () -> restoresStably(kind, Arrays.copyOfRange(committed, 1, committed.length))),
                    e.getKey() + " restores");
        }
    }

    private static String name(byte[] data) {
        return data.length + " bytes " + HexFormat.of().formatHex(data, 0, Math.min(data.length, 16));
    }
}
