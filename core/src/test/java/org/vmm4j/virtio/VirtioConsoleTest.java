package org.vmm4j.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.StateSection;
import org.vmm4j.machine.StateEncoder;
import org.vmm4j.testing.HeapGuestMemory;

class VirtioConsoleTest {
    // virtio-mmio registers and status bits from the spec (section 4.2.2, 2.1)
    private static final int DEVICE_ID = 0x008;
    private static final int DEVICE_FEATURES = 0x010;
    private static final int DEVICE_FEATURES_SEL = 0x014;
    private static final int DRIVER_FEATURES = 0x020;
    private static final int DRIVER_FEATURES_SEL = 0x024;
    private static final int QUEUE_SEL = 0x030;
    private static final int QUEUE_NUM = 0x038;
    private static final int QUEUE_READY = 0x044;
    private static final int QUEUE_NOTIFY = 0x050;
    private static final int STATUS = 0x070;
    private static final int QUEUE_DESC_LOW = 0x080;
    private static final int QUEUE_DRIVER_LOW = 0x090;
    private static final int QUEUE_DEVICE_LOW = 0x0a0;
    private static final int CONFIG = 0x100;
    private static final int READY_STATUS = 1 | 2 | 8 | 4; // ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK
    private static final int NEEDS_RESET = 0x40;
    private static final String READER = "vmm4j-virtio-console-input";

    private static final long BASE = 0x10000;
    private final HeapGuestMemory memory = new HeapGuestMemory(BASE, 0x30000);
    private final Rings rx = new Rings(memory, 16, 0x11000, 0x12000, 0x13000);
    private final Rings tx = new Rings(memory, 16, 0x14000, 0x15000, 0x16000);
    private final AtomicInteger interrupts = new AtomicInteger();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Keyboard in = new Keyboard();
    private final Keyboard typing = in;
    private final VirtioConsole console = new VirtioConsole(out, in);
    private final VirtioMmio mmio = new VirtioMmio(console, GuestRam.of(memory), cause -> interrupts.incrementAndGet());

    /**
     * What a user types: bytes written by the test, read by the device, with {@code available()}. (A
     * {@code PipedInputStream} refuses writes once its reader thread has ended, which these tests do.)
     */
    private static final class Keyboard extends InputStream {
        private final byte[] bytes = new byte[65536];
        private int start;
        private int count;

        synchronized void write(int b) {
            bytes[(start + count++) % bytes.length] = (byte) b;
            notifyAll();
        }

        synchronized void write(byte[] b) {
            for (byte x : b) {
                write(x);
            }
        }

        @Override
        public synchronized int available() {
            return count;
        }

        @Override
        public synchronized int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            while (count == 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            int n = Math.min(len, count);
            for (int i = 0; i < n; i++) {
                b[off + i] = bytes[start];
                start = (start + 1) % bytes.length;
            }
            count -= n;
            return n;
        }
    }

    @AfterEach
    void closeDevice() throws Exception {
        console.close();
        waitFor(() -> readers() == 0, "no input thread after close");
    }

    private void bringUp() {
        bringUp(mmio);
    }

    private static void bringUp(VirtioMmio mmio) {
        mmio.mmioWrite(STATUS, 4, 1 | 2);
        mmio.mmioWrite(DRIVER_FEATURES_SEL, 4, 1);
        mmio.mmioWrite(DRIVER_FEATURES, 4, 1); // VERSION_1 only
        mmio.mmioWrite(STATUS, 4, 1 | 2 | 8);
        for (int q = 0; q < 2; q++) {
            long base = q == 0 ? 0x11000 : 0x14000;
            mmio.mmioWrite(QUEUE_SEL, 4, q);
            mmio.mmioWrite(QUEUE_NUM, 4, 16);
            mmio.mmioWrite(QUEUE_DESC_LOW, 4, base);
            mmio.mmioWrite(QUEUE_DRIVER_LOW, 4, base + 0x1000);
            mmio.mmioWrite(QUEUE_DEVICE_LOW, 4, base + 0x2000);
            mmio.mmioWrite(QUEUE_READY, 4, 1);
        }
        mmio.mmioWrite(STATUS, 4, READY_STATUS);
    }

    private void put(long guestAddress, String text) {
        memory.write(guestAddress - BASE, text.getBytes(StandardCharsets.US_ASCII));
    }

    private String get(long guestAddress, int length) {
        byte[] b = new byte[length];
        memory.read(guestAddress - BASE, b, 0, length);
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static int readers() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().equals(READER)) {
                n++;
            }
        }
        return n;
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(2);
        }
    }

    @Test
    void isAConsoleWithTwoQueuesThatOffersItsSizeOnlyWhenGiven() {
        assertEquals(3, mmio.mmioRead(DEVICE_ID, 4));
        mmio.mmioWrite(DEVICE_FEATURES_SEL, 4, 0);
        assertEquals(0, mmio.mmioRead(DEVICE_FEATURES, 4) & 1, "no size, no F_SIZE");
        assertEquals(2, console.queueCount());

        VirtioConsole sized = new VirtioConsole(out, null, 132, 43);
        VirtioMmio sizedMmio = new VirtioMmio(sized, GuestRam.of(memory), cause -> interrupts.incrementAndGet());
        sizedMmio.mmioWrite(DEVICE_FEATURES_SEL, 4, 0);
        assertEquals(1, sizedMmio.mmioRead(DEVICE_FEATURES, 4) & 1, "F_SIZE");
        assertEquals(132, sizedMmio.mmioRead(CONFIG, 2), "cols");
        assertEquals(43, sizedMmio.mmioRead(CONFIG + 2, 2), "rows");
        assertEquals(132 | 43 << 16, sizedMmio.mmioRead(CONFIG, 4));
        assertEquals(0, sizedMmio.mmioRead(CONFIG + 4, 4), "max_nr_ports: no MULTIPORT");

        bringUp(sizedMmio);
        int before = interrupts.get();
        sized.resize(80, 25);
        assertEquals(80 | 25 << 16, sizedMmio.mmioRead(CONFIG, 4));
        assertEquals(before + 1, interrupts.get(), "a configuration change interrupt");
        assertThrows(IllegalStateException.class, () -> console.resize(80, 25));
        assertThrows(IllegalArgumentException.class, () -> new VirtioConsole(out, null, 0, 25));
        sized.close();
    }

    @Test
    void writesOutputInOrderAcrossChainsAndBuffersAndFlushesPerBatch() throws IOException {
        AtomicInteger flushes = new AtomicInteger();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream counted = new OutputStream() {
            @Override
            public void write(int b) {
                sink.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sink.write(b, off, len);
            }

            @Override
            public void flush() {
                flushes.incrementAndGet();
            }
        };
        VirtioConsole device = new VirtioConsole(counted, null);
        VirtioMmio transport = new VirtioMmio(device, GuestRam.of(memory), cause -> interrupts.incrementAndGet());
        bringUp(transport);
        put(0x20000, "hel");
        put(0x21000, "lo ");
        put(0x22000, "world");
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 8000; i++) { // more than one 4 KiB copy
            big.append(i % 81 == 80 ? '\n' : (char) ('a' + i % 26));
        }
        put(0x24000, big.toString());
        tx.descriptor(0, 0x20000, 3, Rings.NEXT, 1);
        tx.descriptor(1, 0x21000, 3, 0, 0);
        tx.descriptor(2, 0x22000, 5, 0, 0);
        tx.descriptor(3, 0x24000, 8000, 0, 0);
        tx.publish(0);
        tx.publish(2);
        tx.publish(3);
        transport.mmioWrite(QUEUE_NOTIFY, 4, 1);

        assertEquals("hello world" + big, sink.toString(StandardCharsets.US_ASCII));
        assertEquals(1, flushes.get(), "one flush for the batch");
        assertEquals(3, tx.usedIdx());
        assertEquals(0, tx.usedId(0));
        assertEquals(2, tx.usedId(1));
        assertEquals(3, tx.usedId(2));
        assertEquals(0, tx.usedLen(0), "nothing written into a transmit buffer");
        assertEquals(8011, device.bytesWritten());
        assertTrue(interrupts.get() > 0);
        assertEquals(0, transport.mmioRead(STATUS, 4) & NEEDS_RESET);

        put(0x20000, "!");
        tx.descriptor(4, 0x20000, 1, 0, 0);
        tx.publish(4);
        transport.mmioWrite(QUEUE_NOTIFY, 4, 1);
        assertTrue(sink.toString(StandardCharsets.US_ASCII).endsWith("world" + big + "!"), "later batches follow");
        assertEquals(2, flushes.get());
        device.close();
    }

    @Test
    void holdsInputWhileNoBufferIsPostedAndDeliversItWhenTheDriverPostsSome() throws Exception {
        bringUp();
        typing.write("abc".getBytes(StandardCharsets.US_ASCII));
        waitFor(() -> console.inputHeld() == 3, "the reader took the input");
        Thread.sleep(30); // a few polls: nothing to deliver it into
        assertEquals(0, rx.usedIdx(), "no buffer, nothing used");

        memory.fill(0x20000 - BASE, 0x2000, (byte) 0);
        rx.descriptor(0, 0x20000, 2, Rings.WRITE, 0);
        rx.descriptor(1, 0x21000, 8, Rings.WRITE, 0);
        rx.publish(0);
        rx.publish(1);
        int before = interrupts.get();
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 0);
        assertEquals(2, rx.usedIdx(), "both buffers filled on the notification");
        assertEquals(2, rx.usedLen(0));
        assertEquals("ab", get(0x20000, 2));
        assertEquals(1, rx.usedLen(1));
        assertEquals("c\0", get(0x21000, 2));
        assertEquals(0, console.inputHeld());
        assertTrue(interrupts.get() > before, "the driver is interrupted");

        // a buffer is waiting: input goes straight in, in order, from the device's thread
        rx.descriptor(2, 0x22000, 16, Rings.WRITE | Rings.NEXT, 3);
        rx.descriptor(3, 0x23000, 16, Rings.WRITE, 0);
        rx.publish(2);
        typing.write("xyz".getBytes(StandardCharsets.US_ASCII));
        waitFor(() -> rx.usedIdx() == 3, "input delivered into the posted buffer");
        assertEquals(2, rx.usedId(2));
        assertEquals(3, rx.usedLen(2));
        assertEquals("xyz", get(0x22000, 3));
        assertEquals(6, console.bytesRead());
    }

    @Test
    void aPausedConsoleHoldsTypedInputAndDeliversItOnResume() throws Exception {
        bringUp();
        rx.descriptor(0, 0x20000, 16, Rings.WRITE, 0);
        rx.publish(0);
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 0);
        console.pause();
        typing.write("held".getBytes(StandardCharsets.US_ASCII));
        waitFor(() -> console.inputHeld() == 4, "the reader took the input");
        Thread.sleep(30);
        assertEquals(0, rx.usedIdx(), "a buffer is posted, but nothing is delivered while paused");

        console.resume();
        assertEquals(1, rx.usedIdx(), "delivered on resume");
        assertEquals("held", get(0x20000, 4));
        assertEquals(0, console.inputHeld());
    }

    /**
     * Typed input the driver has not taken is in the console's state: a console restored over the same guest
     * memory (another stream, which types nothing) delivers it, in order, into the buffers the driver posts after.
     */
    @Test
    void heldInputIsSavedAndTheRestoredConsoleDeliversIt() throws Exception {
        bringUp();
        typing.write("typed before".getBytes(StandardCharsets.US_ASCII));
        waitFor(() -> console.inputHeld() == 12, "the reader took the input");
        console.pause();
        StateSection section = mmio.saveState("virtio-mmio.0");
        console.close();

        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        VirtioConsole restored = new VirtioConsole(sink, new Keyboard());
        VirtioMmio transport = new VirtioMmio(restored, GuestRam.of(memory), cause -> interrupts.incrementAndGet());
        try {
            transport.restoreState(section, "virtio-mmio.0");
            assertTrue(restored.activated(), "active again, as saved");
            assertEquals(12, restored.inputHeld(), "the held input came along");
            rx.descriptor(0, 0x20000, 8, Rings.WRITE, 0);
            rx.descriptor(1, 0x21000, 8, Rings.WRITE, 0);
            rx.publish(0);
            rx.publish(1);
            transport.mmioWrite(QUEUE_NOTIFY, 4, 0);
            assertEquals(2, rx.usedIdx(), "both buffers filled");
            assertEquals("typed be", get(0x20000, 8));
            assertEquals("fore", get(0x21000, 4));
            assertEquals(4, rx.usedLen(1));
            assertEquals(0, restored.inputHeld());

            put(0x24000, "after");
            tx.descriptor(0, 0x24000, 5, 0, 0);
            tx.publish(0);
            transport.mmioWrite(QUEUE_NOTIFY, 4, 1);
            assertEquals("after", sink.toString(StandardCharsets.US_ASCII), "output goes to the restore's stream");
        } finally {
            restored.close();
        }
    }

    @Test
    void aRestoredSizeIsTheSavedOneAndDamagedStateIsRefusedByName() {
        VirtioConsole sized = new VirtioConsole(out, null, 80, 25);
        sized.resize(132, 43);
        byte[] state = sized.saveState();
        VirtioConsole again = new VirtioConsole(out, null, 80, 25);
        again.restoreState(state);
        assertEquals(132, again.columns());
        assertEquals(43, again.rows());

        IllegalArgumentException unsized =
                assertThrows(IllegalArgumentException.class, () -> new VirtioConsole(out, null).restoreState(state));
        assertTrue(unsized.getMessage().contains("132x43"), unsized.getMessage());
        IllegalArgumentException truncated = assertThrows(
                IllegalArgumentException.class, () -> again.restoreState(Arrays.copyOf(state, state.length - 1)));
        assertTrue(truncated.getMessage().contains("'virtio-console' is truncated"), truncated.getMessage());
        byte[] tooMuch = new StateEncoder("virtio-console", 1)
                .i32(0)
                .i32(0)
                .bytes(new byte[VirtioConsole.INPUT_CAPACITY + 1])
                .toSection()
                .data();
        IllegalArgumentException big =
                assertThrows(IllegalArgumentException.class, () -> new VirtioConsole(out, null).restoreState(tooMuch));
        assertTrue(big.getMessage().contains("4097 input bytes"), big.getMessage());
    }

    @Test
    void holdsAtMostItsCapacityAndLeavesTheRestInTheStream() throws Exception {
        bringUp();
        typing.write(new byte[VirtioConsole.INPUT_CAPACITY + 904]);
        waitFor(() -> console.inputHeld() == VirtioConsole.INPUT_CAPACITY, "a full hold");
        Thread.sleep(50);
        assertEquals(VirtioConsole.INPUT_CAPACITY, console.inputHeld());
        assertEquals(904, in.available(), "the reader stopped at its bound");

        rx.descriptor(0, 0x20000, 0x3000, Rings.WRITE, 0);
        rx.publish(0);
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 0);
        assertEquals(VirtioConsole.INPUT_CAPACITY, rx.usedLen(0));
        waitFor(() -> console.inputHeld() == 904, "the reader goes on once there is room");
        assertEquals(0, in.available());
    }

    @Test
    void resetStopsTheInputThreadAndANewDriverStartsAnother() throws Exception {
        assertEquals(0, readers());
        bringUp();
        assertEquals(1, readers());
        mmio.mmioWrite(STATUS, 4, 0);
        waitFor(() -> readers() == 0, "the reader stopped on reset");
        assertFalse(console.activated());
        typing.write('q');
        Thread.sleep(50);
        assertEquals(1, in.available(), "nobody reads while the device is reset");

        bringUp();
        assertEquals(1, readers());
        waitFor(() -> console.inputHeld() == 1, "the new driver's reader takes the input");
    }

    @Test
    void closeEndsTheInputThreadWithoutClosingTheStream() throws Exception {
        bringUp();
        assertEquals(1, readers());
        console.close();
        assertEquals(0, readers(), "close waits for the reader");
        typing.write('z');
        assertEquals(1, in.available(), "the caller's stream is still open and unread");
        assertEquals('z', in.read());
    }

    @Test
    void aTransmitChainWithAWritableBufferNeedsAReset() {
        bringUp();
        put(0x20000, "ok");
        tx.descriptor(0, 0x20000, 2, Rings.WRITE, 0);
        tx.publish(0);
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 1);

        assertEquals(NEEDS_RESET, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
        assertEquals(0, tx.usedIdx(), "nothing returned");
        assertEquals(0, out.size(), "nothing written");
    }

    @Test
    void aReceiveChainWithAReadableBufferNeedsAResetOnANotification() throws Exception {
        bringUp();
        typing.write('a');
        waitFor(() -> console.inputHeld() == 1, "held");
        rx.descriptor(0, 0x20000, 16, 0, 0);
        rx.publish(0);
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 0);

        assertEquals(NEEDS_RESET, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
        assertEquals(0, rx.usedIdx());
    }

    @Test
    void aReceiveChainWithAReadableBufferNeedsAResetFromTheInputThread() throws Exception {
        bringUp();
        rx.descriptor(0, 0x20000, 16, 0, 0);
        rx.publish(0);
        typing.write('a');
        waitFor(() -> (mmio.mmioRead(STATUS, 4) & NEEDS_RESET) != 0, "DEVICE_NEEDS_RESET from the input thread");
        assertEquals(0, rx.usedIdx());
        waitFor(() -> readers() == 0, "the reader of a broken device stops");
    }

    @Test
    void aBufferOutsideGuestRamNeedsAResetAndWritesNothing() {
        bringUp();
        tx.descriptor(0, 0x3fff0, 0x20, 0, 0); // runs past the end of RAM
        tx.publish(0);
        mmio.mmioWrite(QUEUE_NOTIFY, 4, 1);
        assertEquals(NEEDS_RESET, mmio.mmioRead(STATUS, 4) & NEEDS_RESET);
        assertEquals(0, out.size());
    }

    @Test
    void transmitsAndReceivesWithoutAllocating() throws Exception {
        byte[] sink = new byte[64];
        AtomicInteger written = new AtomicInteger();
        OutputStream quiet = new OutputStream() {
            @Override
            public void write(int b) {
                sink[written.getAndIncrement() & 63] = (byte) b;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                System.arraycopy(b, off, sink, 0, Math.min(len, 64));
                written.addAndGet(len);
            }
        };
        VirtioConsole device = new VirtioConsole(quiet, in);
        VirtioMmio transport = new VirtioMmio(device, GuestRam.of(memory), cause -> interrupts.incrementAndGet());
        bringUp(transport);
        put(0x20000, "0123456789abcdef");
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        int n = 20_000;
        round(transport, device, n); // warm up: let the JIT compile the path
        long before = threads.getCurrentThreadAllocatedBytes();
        round(transport, device, n);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(2L * n * 16, written.get(), "every transmitted byte arrived");
        assertEquals(2L * n, device.bytesRead(), "every typed byte was delivered");
        assertTrue(allocated < n, allocated + " bytes allocated for " + n + " buffers each way");
        long control = threads.getCurrentThreadAllocatedBytes();
        byte[] meter = new byte[10_000];
        assertTrue(threads.getCurrentThreadAllocatedBytes() - control >= 10_000, "allocation meter is live");
        assertEquals(10_000, meter.length);
        device.close();
    }

    /**
     * {@code n} times (a multiple of 1000): one transmitted chain of two buffers, and one typed byte
     * delivered into a one-byte receive buffer on a notification. The bytes are typed 1000 at a time and
     * held by the device first, so the loop does not wait for the reader's polls.
     */
    private void round(VirtioMmio transport, VirtioConsole device, int n) throws InterruptedException {
        for (int block = 0; block < n; block += 1000) {
            typing.write(thousand);
            while (device.inputHeld() < 1000) {
                Thread.sleep(1);
            }
            for (int i = 0; i < 1000; i++) {
                int slot = (i * 4) & 15;
                tx.descriptor(slot, 0x20000, 8, Rings.NEXT, slot + 1);
                tx.descriptor(slot + 1, 0x20008, 8, 0, 0);
                tx.publish(slot);
                transport.mmioWrite(QUEUE_NOTIFY, 4, 1);

                rx.descriptor(slot, 0x21000 + i, 1, Rings.WRITE, 0);
                rx.publish(slot);
                transport.mmioWrite(QUEUE_NOTIFY, 4, 0);
            }
        }
    }

    private final byte[] thousand = new byte[1000];
}
