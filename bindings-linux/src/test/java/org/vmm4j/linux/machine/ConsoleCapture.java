package org.vmm4j.linux.machine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Collects a guest's serial output and lets a test wait for text to appear in it. */
final class ConsoleCapture extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final boolean echo;

    ConsoleCapture(boolean echo) {
        this.echo = echo;
    }

    @Override
    public synchronized void write(int b) {
        bytes.write(b);
        if (echo) {
            System.out.write(b);
        }
        notifyAll();
    }

    /** The output so far, with the serial console's CR LF line ends as plain LF. */
    synchronized String text() {
        return bytes.toString(StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
    }

    /** Waits until the output contains {@code needle}; returns whether it did within {@code timeout}. */
    synchronized boolean await(String needle, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!text().contains(needle)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
